/**
 * What the DLP scanner looks for. Strongly prefixed provider keys and private keys block: a
 * match is almost never anything else. Generic shapes (high entropy) only warn, as pipelock
 * ships new patterns: they match too much to refuse on. Patterns follow gitleaks' rules.
 */

export interface DlpPattern {
  readonly name: string;
  readonly regex: RegExp;
}

export const BLOCKING_PATTERNS: readonly DlpPattern[] = [
  { name: "anthropic-api-key", regex: /sk-ant-(?:api|admin|oat|ort)\d{2}-[A-Za-z0-9_-]{32,}/ },
  {
    name: "openai-api-key",
    regex: /sk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{40,}|sk-[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}/,
  },
  { name: "github-token", regex: /\bgh[pousr]_[A-Za-z0-9]{36,}|\bgithub_pat_[A-Za-z0-9_]{60,}/ },
  { name: "gitlab-token", regex: /\bgl(?:pat|dt|ptt|rt)-[A-Za-z0-9_-]{20,}/ },
  { name: "aws-access-key-id", regex: /\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}\b/ },
  {
    name: "slack-token",
    regex: /\bxox[abposr]-[A-Za-z0-9-]{10,}|hooks\.slack\.com\/(?:services|workflows)\/[A-Za-z0-9+/]{20,}/,
  },
  { name: "private-key", regex: /-----BEGIN[ A-Z0-9]{0,20} PRIVATE KEY(?: BLOCK)?-----/ },
];

/** Runs of token characters long enough to be a key. */
export const TOKEN_RUN = /[A-Za-z0-9+/_=-]{32,}/g;
/** Bits per character above which a token run draws a warning (hex tops out at 4, so hashes pass). */
export const ENTROPY_WARN_BITS = 4.3;

/** Shannon entropy of `text` (its first 128 characters: a key is shorter) in bits per character. */
export function entropy(text: string): number {
  const sample = text.slice(0, 128);
  const counts = new Uint16Array(256);
  for (let i = 0; i < sample.length; i++) counts[sample.charCodeAt(i) & 255]!++;
  let bits = 0;
  for (const count of counts) {
    if (count === 0) continue;
    const p = count / sample.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}
