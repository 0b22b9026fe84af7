/**
 * The audit file on disk, bounded: `audit.jsonl` is the current file, `audit.jsonl.1` the newest
 * rotated one … `audit.jsonl.N` the oldest, all 0600. When the current file would pass its share
 * of the total, the files shift by one and the oldest is removed; that removal is itself written
 * down (a counted event), so history is never lost silently. Appends are serialised by the caller.
 */
import type { Fs } from "../../core/fs.ts";

export interface AuditFileLimits {
  /** Total bytes over the current file and the rotated ones. */
  readonly maxBytes: number;
  /** Rotated files kept beside the current one (at least 1). */
  readonly rotated: number;
}

export const DEFAULT_AUDIT_LIMITS: AuditFileLimits = { maxBytes: 50 * 1024 * 1024, rotated: 4 };

/** `text` cut at line ends into pieces of at most `limit` bytes (a longer line is a piece of its own). */
function pieces(text: string, limit: number): string[] {
  if (Buffer.byteLength(text) <= limit) return [text];
  const result: string[] = [];
  let current = "";
  let bytes = 0;
  for (const line of text.split(/(?<=\n)/)) {
    const size = Buffer.byteLength(line);
    if (current !== "" && bytes + size > limit) {
      result.push(current);
      current = "";
      bytes = 0;
    }
    current += line;
    bytes += size;
  }
  if (current !== "") result.push(current);
  return result;
}

export class AuditFile {
  private size: number | undefined;
  /** Bytes removed with the oldest rotated file, not yet reported in the file. */
  private removedBytes = 0;
  totalRemovedBytes = 0;
  rotations = 0;

  constructor(
    readonly path: string,
    private readonly fs: Fs,
    readonly limits: AuditFileLimits = DEFAULT_AUDIT_LIMITS,
  ) {}

  /** The share of the total one file may hold. */
  get perFile(): number {
    return Math.floor(this.limits.maxBytes / (Math.max(1, this.limits.rotated) + 1));
  }

  /**
   * Appends `text` (whole lines), rotating first whenever the next piece would not fit, so no
   * file outgrows its share by more than one line. `note` words the removal of the oldest file
   * (written at the head of the new current file). Throws on I/O errors.
   */
  async append(text: string, note: (removedBytes: number) => string): Promise<void> {
    for (const piece of pieces(text, this.perFile)) {
      const size = this.size ?? (await this.fs.size(this.path)) ?? 0;
      this.size = size;
      if (size > 0 && size + Buffer.byteLength(piece) > this.perFile) await this.rotate();
      const batch = (this.removedBytes > 0 ? note(this.removedBytes) : "") + piece;
      await this.fs.append(this.path, batch, 0o600);
      this.removedBytes = 0;
      this.size = (this.size ?? 0) + Buffer.byteLength(batch);
    }
  }

  private async rotate(): Promise<void> {
    const rotated = Math.max(1, this.limits.rotated);
    const oldest = `${this.path}.${rotated}`;
    const removed = (await this.fs.size(oldest)) ?? 0;
    await this.fs.remove(oldest);
    for (let index = rotated - 1; index >= 1; index--) {
      const from = `${this.path}.${index}`;
      if ((await this.fs.size(from)) !== undefined) await this.fs.move(from, `${this.path}.${index + 1}`);
    }
    await this.fs.move(this.path, `${this.path}.1`);
    this.size = 0;
    this.rotations++;
    this.removedBytes += removed;
    this.totalRemovedBytes += removed;
  }
}
