/**
 * One inspection of what the agent sends: the canaries (sentinels anywhere they do not belong),
 * the bottle's own real secrets in any encoding, and the DLP patterns. A finding names a
 * credential or a pattern, never the matched text. Pure; the streaming form carries just
 * enough of the previous chunk over that a value split between chunks is still found.
 */
import { Matcher, normalise, safeDecode } from "../creds/matcher.ts";
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
    if (pattern.regex.test(text)) return { kind: "dlp", pattern: pattern.name, block: inspection.dlp === "block" };
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

/** How much raw text a pattern match can span: carried over between chunks. */
const RAW_CARRY = 512;
/**
 * Entropy warnings look at a body's first 64 KiB only: they never block, and over a large
 * upload (an image, an archive) they would cost most of the scan for a warning already given.
 */
const WARN_SCAN_BYTES = 64 * 1024;

/** Inspects a body chunk by chunk; `push` returns the first finding that involves the new bytes. */
export class StreamInspection {
  private rawTail = "";
  private byteTail = Buffer.alloc(0);
  private scanned = 0;
  private readonly byteCarry: number;

  constructor(private readonly inspection: Inspection) {
    this.byteCarry = Math.max(inspection.canaries.longestExact, inspection.secrets.longestExact);
  }

  private known(bytes: Buffer): Finding | undefined {
    const canary = this.inspection.canaries.findBytes(bytes);
    if (canary) return { kind: "canary", credential: canary };
    if (this.inspection.dlp === "off") return undefined;
    const secret = this.inspection.secrets.findBytes(bytes);
    return secret ? { kind: "secret", credential: secret } : undefined;
  }

  push(chunk: Buffer): Finding | undefined {
    const bytes = this.byteTail.length > 0 ? Buffer.concat([this.byteTail, chunk]) : chunk;
    this.byteTail = Buffer.from(bytes.subarray(Math.max(0, bytes.length - this.byteCarry + 1)));
    const raw = this.rawTail + chunk.toString("latin1");
    this.rawTail = raw.slice(-RAW_CARRY);
    const warnings = this.scanned < WARN_SCAN_BYTES;
    this.scanned += chunk.length;
    return this.known(bytes) ?? patterns(this.inspection, raw, warnings);
  }
}
