/**
 * "Did you mean": the known keys of the manifest table an unknown key was found in, and the one
 * nearest to it. Pure; reads the valibot schema, so the suggestions never drift from it.
 */

interface SchemaLike {
  readonly type?: string;
  readonly entries?: Readonly<Record<string, SchemaLike>>;
  readonly wrapped?: SchemaLike;
  readonly value?: SchemaLike;
  readonly item?: SchemaLike;
}

/** Through optional/nullable wrappers (a pipe keeps its root schema's fields). */
function unwrap(schema: SchemaLike | undefined): SchemaLike | undefined {
  let current = schema;
  while (current?.wrapped) current = current.wrapped;
  return current;
}

/** The keys of the object schema at `path` (record and array levels step through their values). */
export function knownKeysAt(root: SchemaLike, path: readonly (string | number)[]): string[] {
  let schema = unwrap(root);
  for (const key of path) {
    if (!schema) return [];
    if (schema.entries && typeof key === "string") schema = unwrap(schema.entries[key]);
    else if (schema.type === "record") schema = unwrap(schema.value);
    else if (schema.type === "array") schema = unwrap(schema.item);
    else return [];
  }
  return schema?.entries ? Object.keys(schema.entries) : [];
}

/** Levenshtein distance, case-insensitive. */
function distance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  let previous = Array.from({ length: y.length + 1 }, (_, i) => i);
  for (let i = 1; i <= x.length; i++) {
    const row = [i];
    for (let j = 1; j <= y.length; j++) row[j] = Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + (x[i - 1] === y[j - 1] ? 0 : 1));
    previous = row;
  }
  return previous[y.length]!;
}

/** The known key nearest to `key`, when it is close enough to be a typo. */
export function nearestKey(key: string, known: readonly string[]): string | undefined {
  let best: { key: string; distance: number } | undefined;
  for (const candidate of known) {
    const d = distance(key, candidate);
    if (!best || d < best.distance) best = { key: candidate, distance: d };
  }
  return best && best.distance <= Math.max(2, Math.floor(key.length / 3)) ? best.key : undefined;
}

/** The message for an unknown key: the nearest known one, else the list. */
export function unknownKeyMessage(key: string, known: readonly string[]): string {
  const near = nearestKey(key, known);
  if (near) return `unknown key; did you mean "${near}"?`;
  return known.length > 0 ? `unknown key (known here: ${known.join(", ")})` : "unknown key";
}
