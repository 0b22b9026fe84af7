/**
 * One inspection of what the agent sends: the canaries (sentinels anywhere they do not belong),
 * the bottle's own real secrets in any encoding, and the DLP patterns. A finding names a
 * credential or a pattern, never the matched text. Pure; the streaming form carries just
 * enough of the previous chunk over that a value split between chunks is still found.
 */
import { formDecode, Matcher, normalise, percentEncoded, safeDecode } from "../creds/matcher.ts";
import { BLOCKING_PATTERNS, ENTROPY_WARN_BITS, TOKEN_RUN, entropy } from "./dlp-patterns.ts";

export type DlpMode = "block" | "warn" | "off";

export type Finding =
  | { readonly kind: "canary"; readonly credential: string }
  | { readonly kind: "secret"; readonly credential: string }
  | { readonly kind: "dlp"; readonly pattern: string; readonly block: boolean };

export interface Inspection {
  /** Sentinels: a hit is a canary. */
  readonly canaries: Matcher;
  /** The bottle's real secrets: the agent never has them, so one on the way out is a leak. */
  readonly secrets: Matcher;
  readonly dlp: DlpMode;
}

export const NO_INSPECTION: Inspection = { canaries: new Matcher([]), secrets: new Matcher([]), dlp: "off" };

/** Whether a finding refuses the request (a canary always does; DLP only in block mode). */
export function blocks(finding: Finding): boolean {
  return finding.kind !== "dlp" || finding.block;
}

function knownValues(inspection: Inspection, normalised: readonly string[]): Finding | undefined {
  for (const text of normalised) {
    const canary = inspection.canaries.findNormalised(text);
    if (canary) return { kind: "canary", credential: canary };
  }
  if (inspection.dlp === "off") return undefined;
  for (const text of normalised) {
    const secret = inspection.secrets.findNormalised(text);
    if (secret) return { kind: "secret", credential: secret };
  }
  return undefined;
}

function patterns(inspection: Inspection, text: string, warnings = true): Finding | undefined {
  if (inspection.dlp === "off") return undefined;
  for (const pattern of BLOCKING_PATTERNS) {
    const match = pattern.regex.exec(text)?.[0];
    if (match === undefined) continue;
    // A sentinel (or the bottle's own secret) whose end is still to come: name it, not the pattern.
    const canary = inspection.canaries.startOf(match);
    if (canary) return { kind: "canary", credential: canary };
    const secret = inspection.secrets.startOf(match);
    if (secret) return { kind: "secret", credential: secret };
    return { kind: "dlp", pattern: pattern.name, block: inspection.dlp === "block" };
  }
  if (!warnings) return undefined;
  for (const run of text.matchAll(TOKEN_RUN)) {
    if (entropy(run[0]) >= ENTROPY_WARN_BITS) return { kind: "dlp", pattern: "high-entropy", block: false };
  }
  return undefined;
}

/**
 * The first finding in `text` (as is and percent-decoded): canaries first, then real secrets,
 * then blocking patterns, then warnings. Undefined when clean.
 */
export function inspectText(inspection: Inspection, text: string): Finding | undefined {
  const decoded = safeDecode(text);
  const forms = decoded === text ? [text] : [text, decoded];
  return knownValues(inspection, forms.map(normalise)) ?? forms.map((form) => patterns(inspection, form)).find(Boolean);
}

/** How much raw text a pattern match can span, at least: carried over between chunks. */
const PATTERN_SPAN = 512;
/** A value fully written as JSON-in-JSON escapes (`\\u0073`) is seven times its length; percent-encoded, three. */
const ESCAPE_GROWTH = 7;
/**
 * Entropy warnings look at a body's first 64 KiB only: they never block, and over a large
 * upload (an image, an archive) they would cost most of the scan for a warning already given.
 */
const WARN_SCAN_BYTES = 64 * 1024;

/**
 * Inspects a body chunk by chunk; `push` returns the first finding that involves the new bytes.
 * The last `span - 1` bytes are carried over and searched again with the next chunk, so a value
 * split between chunks is found in the chunk that completes it; a sender that holds back that
 * many bytes never lets any byte of a match leave before the match is found. Each body is also
 * searched percent- and JSON-unescaped (and form-decoded where a known value has a space) when it holds an
 * escape. A warning is given once per body.
 */
export class StreamInspection {
  /** The longest stretch of bytes one match can cover. */
  readonly span: number;
  private tail = Buffer.alloc(0);
  private scanned = 0;
  private warned = false;

  constructor(private readonly inspection: Inspection) {
    const longest = Math.max(inspection.canaries.longestExact, inspection.secrets.longestExact);
    this.span = Math.max(PATTERN_SPAN, longest * ESCAPE_GROWTH);
  }

  private known(bytes: Buffer): Finding | undefined {
    const canary = this.inspection.canaries.findBytes(bytes);
    if (canary) return { kind: "canary", credential: canary };
    if (this.inspection.dlp === "off") return undefined;
    const secret = this.inspection.secrets.findBytes(bytes);
    return secret ? { kind: "secret", credential: secret } : undefined;
  }

  /** The decoded view of `raw`, when decoding changes something that could matter. */
  private decoded(raw: string): string | undefined {
    const { canaries, secrets } = this.inspection;
    if ((canaries.spaced || secrets.spaced) && raw.includes("+")) return formDecode(raw);
    return percentEncoded(raw) ? safeDecode(raw) : undefined;
  }

  private search(bytes: Buffer, warnings: boolean): Finding | undefined {
    const raw = bytes.toString("latin1");
    const decoded = this.decoded(raw);
    const view = decoded === undefined ? undefined : Buffer.from(decoded, "latin1");
    return (
      this.known(bytes) ??
      (view && this.known(view)) ??
      patterns(this.inspection, raw, warnings) ??
      (decoded === undefined ? undefined : patterns(this.inspection, decoded, false))
    );
  }

  push(chunk: Buffer): Finding | undefined {
    const bytes = this.tail.length > 0 ? Buffer.concat([this.tail, chunk]) : chunk;
    this.tail = Buffer.from(bytes.subarray(Math.max(0, bytes.length - this.span + 1)));
    const finding = this.search(bytes, !this.warned && this.scanned < WARN_SCAN_BYTES);
    this.scanned += chunk.length;
    if (!finding || blocks(finding)) return finding;
    if (this.warned) return undefined;
    this.warned = true;
    return finding;
  }
}
