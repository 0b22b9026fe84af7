/**
 * Finding known values — sentinels (canaries) or the bottle's own real secrets — in text the
 * bundle can read, in the encodings an agent would use to smuggle them: as is, URL-encoded, JSON-escaped,
 * split over DNS labels, upper/lower case, hex, base64 and base64url at any alignment.
 * Matching is on a normalised form (lowercase letters and digits only), so separators and case
 * change nothing; a form shorter than 16 characters is never used (it could match by chance).
 * Pure; usable by the proxy, the terminator, the DNS sink and the git gate.
 */

const MIN_FORM = 16;

/** Lowercase letters and digits only: what every matched form is reduced to. */
export function normalise(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, "");
}

function base64Middles(bytes: Buffer, alphabet: "base64" | "base64url"): string[] {
  const forms: string[] = [];
  for (let shift = 0; shift < 3; shift++) {
    const encoded = Buffer.concat([Buffer.alloc(shift), bytes]).toString(alphabet);
    // Characters touching the unknown neighbours at either end depend on them: drop them.
    forms.push(encoded.slice(shift === 0 ? 0 : 4, -4));
  }
  return forms;
}

/** Every normalised form of `value` worth looking for. */
export function encodedForms(value: string): string[] {
  const bytes = Buffer.from(value, "utf8");
  const forms = [value, bytes.toString("hex"), ...base64Middles(bytes, "base64"), ...base64Middles(bytes, "base64url")];
  return [...new Set(forms.map(normalise))].filter((form) => form.length >= MIN_FORM);
}

export interface Known {
  /** What a hit is reported as: a credential's name, never its value. */
  readonly name: string;
  readonly value: string;
}

/**
 * The exact byte forms a body search looks for: as is, hex (both cases), base64/base64url at
 * every alignment. Bodies are searched natively (Buffer.indexOf), not normalised: ~10x faster
 * on bulk uploads, and a body is not split into labels or re-cased by any protocol.
 */
export function exactForms(value: string): Buffer[] {
  const bytes = Buffer.from(value, "utf8");
  const hex = bytes.toString("hex");
  const forms = [
    value,
    hex,
    hex.toUpperCase(),
    ...base64Middles(bytes, "base64"),
    ...base64Middles(bytes, "base64url"),
  ];
  return [...new Set(forms)].filter((form) => form.length >= MIN_FORM).map((form) => Buffer.from(form, "latin1"));
}

export class Matcher {
  private readonly forms: { readonly name: string; readonly form: string }[];
  private readonly exact: { readonly name: string; readonly form: Buffer }[];
  /** Longest exact form: how many bytes a streaming body search carries over. */
  readonly longestExact: number;
  /** Longest normalised form: how much normalised text a streaming scan must carry over. */
  readonly longest: number;
  private readonly hasSpace: boolean;
  private readonly values: readonly Known[];

  constructor(known: readonly Known[]) {
    this.forms = known.flatMap(({ name, value }) => encodedForms(value).map((form) => ({ name, form })));
    this.longest = Math.max(0, ...this.forms.map(({ form }) => form.length));
    this.exact = known.flatMap(({ name, value }) => exactForms(value).map((form) => ({ name, form })));
    this.longestExact = Math.max(0, ...this.exact.map(({ form }) => form.length));
    this.hasSpace = this.exact.some(({ form }) => form.includes(0x20));
    this.values = known;
  }

  /** The name of the first known value found in `bytes` in one of its exact forms. */
  findBytes(bytes: Buffer): string | undefined {
    return this.exact.find(({ form }) => bytes.includes(form))?.name;
  }

  /**
   * Whether a known value holds a space: only then can "+" (a space in form encoding) hide one,
   * so only then is a body with "+" in it worth form-decoding.
   */
  get spaced(): boolean {
    return this.hasSpace;
  }

  /**
   * The name of a known value that `text` (at least 16 characters) begins: a key pattern that
   * matched the start of a value cut off at a chunk's end is that value, not a stranger's key.
   */
  startOf(text: string): string | undefined {
    if (text.length < MIN_FORM) return undefined;
    return this.values.find(({ value }) => value.startsWith(text))?.name;
  }

  get empty(): boolean {
    return this.forms.length === 0;
  }

  /** The name of the first known value found in already-normalised text. */
  findNormalised(normalised: string): string | undefined {
    return this.forms.find(({ form }) => normalised.includes(form))?.name;
  }

  /** The name of the first known value found in `text`, in any of its forms. */
  find(text: string): string | undefined {
    if (this.forms.length === 0) return undefined;
    return this.findNormalised(normalise(text)) ?? this.findNormalised(normalise(safeDecode(text)));
  }
}

const PERCENT = /%([0-9A-Fa-f]{2})/g;
/** A JSON string escape: `\u0073`, or `\\`, `\"`, `\/` and the control letters (`\\u0073` is JSON in JSON). */
const JSON_ESCAPE = /\\(u[0-9A-Fa-f]{4}|["\\/bfnrt])/g;
const JSON_LETTERS: Readonly<Record<string, string>> = { b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };
/** Rounds of decoding: "%2573" is "%73" is "s"; a value encoded more often than this is noise. */
const DECODE_ROUNDS = 3;

function jsonUnescape(text: string): string {
  return text.replace(JSON_ESCAPE, (_match, escape: string) =>
    escape.length === 5 ? String.fromCharCode(Number.parseInt(escape.slice(1), 16)) : (JSON_LETTERS[escape] ?? escape),
  );
}

function decodeOnce(text: string): string {
  const unescaped = text.includes("\\") ? jsonUnescape(text) : text;
  return unescaped.includes("%")
    ? unescaped.replace(PERCENT, (_match, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)))
    : unescaped;
}

/**
 * Percent-decoding byte by byte and JSON-unescaping that never throw (a stray "%" or "\\" stays
 * as it is), repeated while it changes something, so a value encoded two or three times over, or
 * written with JSON `\u` escapes inside a JSON body, decodes to itself.
 */
export function safeDecode(text: string): string {
  let decoded = text;
  for (let round = 0; round < DECODE_ROUNDS && (decoded.includes("%") || decoded.includes("\\")); round++) {
    const next = decodeOnce(decoded);
    if (next === decoded) break;
    decoded = next;
  }
  return decoded;
}

/** Whether `text` holds a percent or JSON `\u` escape `safeDecode` would change. */
export function percentEncoded(text: string): boolean {
  const percent = text.includes("%") && /%[0-9A-Fa-f]{2}/.test(text);
  return percent || (text.includes("\\u") && /\\u[0-9A-Fa-f]{4}/.test(text));
}

/** HTML-form decoding ("+" is a space, then percent-decoding), as a form body or a query is read. */
export function formDecode(text: string): string {
  return safeDecode(text.includes("+") ? text.replaceAll("+", " ") : text);
}
