/**
 * Sentinels: what the guest holds in place of a credential. Unique per bottle and credential,
 * shaped like the real value (its prefix such as `sk-ant-api03-`, its length, its alphabet) so
 * a client's format check passes, and otherwise unrelated to it. Not secrets: they may appear
 * in plans and logs; they double as canaries. Pure and deterministic for a given seed.
 */
import { createHmac } from "node:crypto";

const HEX = "0123456789abcdef";
const BASE62 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const BASE64URL = `${BASE62}-_`;

/** The provider prefix: up to four `word-`/`word_` groups within the first 16 characters. */
export function sentinelPrefix(real: string): string {
  const match = /^(?:[A-Za-z0-9]{1,12}[-_]){1,4}/.exec(real.slice(0, 16));
  const prefix = match?.[0] ?? "";
  // A prefix that is most of the value would copy the value; keep at least 16 characters random.
  return real.length - prefix.length >= 16 ? prefix : "";
}

function alphabetOf(body: string): string {
  if (/^[0-9a-f]*$/.test(body)) return HEX;
  if (/^[A-Za-z0-9]*$/.test(body)) return BASE62;
  return BASE64URL;
}

/**
 * The sentinel for credential `name` of the bottle whose seed is `seed`, shaped like `real`.
 * Never equal to `real` (a collision would take 16 random characters coinciding). Values
 * shorter than 16 characters get a 32-character sentinel: shorter ones would not be unique.
 */
export function makeSentinel(real: string, seed: string, name: string): string {
  const prefix = sentinelPrefix(real);
  const length = Math.max(real.length, 32);
  const alphabet = alphabetOf(real.slice(prefix.length));
  let body = "";
  for (let block = 0; prefix.length + body.length < length; block++) {
    const bytes = createHmac("sha256", seed).update(`${name}\0${block}`).digest();
    for (const byte of bytes) body += alphabet[byte % alphabet.length];
  }
  const sentinel = prefix + body.slice(0, length - prefix.length);
  return sentinel === real ? makeSentinel(real, `${seed}!`, name) : sentinel;
}
