/**
 * Sentinels: what the guest holds in place of a credential. Unique per bottle and credential,
 * shaped like the real value (its prefix such as `sk-ant-api03-`, its length, its alphabet) so
 * a client's format check passes, and otherwise unrelated to it. Not secrets: they appear in
 * the plan and the guest; they double as canaries. Pure and deterministic: the same bottle,
 * name and shape give the same sentinel, so plans stay byte-identical.
 */
import { createHash, createHmac } from "node:crypto";

const HEX = "0123456789abcdef";
const BASE62 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const BASE64URL = `${BASE62}-_`;

/** What a sentinel copies of a real value: never the value itself. */
export interface SentinelShape {
  readonly prefix: string;
  readonly length: number;
  readonly alphabet: "hex" | "base62" | "base64url";
}

const ALPHABETS = { hex: HEX, base62: BASE62, base64url: BASE64URL } as const;

/** Shapes of the well-known credentials' values, used until `up` has read the real one. */
export const KNOWN_SHAPES: Readonly<Record<string, SentinelShape>> = {
  ANTHROPIC_API_KEY: { prefix: "sk-ant-api03-", length: 108, alphabet: "base64url" },
  CLAUDE_CODE_OAUTH_TOKEN: { prefix: "sk-ant-oat01-", length: 108, alphabet: "base64url" },
  GH_TOKEN: { prefix: "ghp_", length: 40, alphabet: "base62" },
  GITHUB_TOKEN: { prefix: "ghp_", length: 40, alphabet: "base62" },
};
export const DEFAULT_SHAPE: SentinelShape = { prefix: "", length: 40, alphabet: "base62" };

/** The provider prefix: up to four `word-`/`word_` groups within the first 16 characters. */
export function sentinelPrefix(real: string): string {
  const match = /^(?:[A-Za-z0-9]{1,12}[-_]){1,4}/.exec(real.slice(0, 16));
  const prefix = match?.[0] ?? "";
  // A prefix that is most of the value would copy the value; keep at least 16 characters random.
  return real.length - prefix.length >= 16 ? prefix : "";
}

/** The shape of a real value. Values shorter than 32 characters get 32: shorter would not be unique. */
export function shapeOf(real: string): SentinelShape {
  const prefix = sentinelPrefix(real);
  const body = real.slice(prefix.length);
  const alphabet = /^[0-9a-f]*$/.test(body) ? "hex" : /^[A-Za-z0-9]*$/.test(body) ? "base62" : "base64url";
  return { prefix, length: Math.max(real.length, 32), alphabet };
}

/** A bottle's sentinel seed: its home and name, so two bottles never share a sentinel. */
export function sentinelSeed(home: string, slug: string): string {
  return createHash("sha256").update(`claude-bottle sentinel\0${home}\0${slug}`).digest("hex");
}

/** The sentinel for credential `name` of the bottle with `seed`, in `shape`. */
export function sentinelFor(shape: SentinelShape, seed: string, name: string): string {
  const alphabet = ALPHABETS[shape.alphabet];
  let body = "";
  for (let block = 0; shape.prefix.length + body.length < shape.length; block++) {
    const bytes = createHmac("sha256", seed).update(`${name}\0${block}`).digest();
    for (const byte of bytes) body += alphabet[byte % alphabet.length];
  }
  return shape.prefix + body.slice(0, shape.length - shape.prefix.length);
}

/** The sentinel shaped like `real` (never equal to it: that would take 16 random characters coinciding). */
export function makeSentinel(real: string, seed: string, name: string): string {
  const sentinel = sentinelFor(shapeOf(real), seed, name);
  return sentinel === real ? sentinelFor(shapeOf(real), `${seed}!`, name) : sentinel;
}
