/**
 * Where a bottle's audit log lives, fixed for the writer (bundle serve) and the readers (`logs`,
 * `down`'s archive): `audit.jsonl` is the current file, `audit.jsonl.1` the newest rotated one …
 * `audit.jsonl.N` the oldest. Pure.
 */
export const AUDIT_FILE_NAME = "audit.jsonl";

const ROTATED = /^audit\.jsonl\.([1-9][0-9]{0,5})$/;

/** The audit files among a directory's entries, oldest first (the order to read them in). */
export function auditFilesOldestFirst(entries: readonly string[]): string[] {
  const rotated = entries
    .map((name) => ({ name, index: Number(ROTATED.exec(name)?.[1] ?? 0) }))
    .filter((entry) => entry.index > 0)
    .sort((a, b) => b.index - a.index)
    .map((entry) => entry.name);
  return [...rotated, ...(entries.includes(AUDIT_FILE_NAME) ? [AUDIT_FILE_NAME] : [])];
}
