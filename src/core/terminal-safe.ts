/**
 * The one terminal-safety filter: text that came from the agent (its console, the audit log, the
 * bundle's output) is shown with every control character escaped, so nothing it prints can move
 * the cursor, clear the screen, write the clipboard (OSC 52) or paint a fake line. Pure.
 *
 * Escaped: C0 controls (ESC, and so every CSI/OSC/DCS sequence, BEL, CR, BS…), DEL, C1 controls
 * (U+0080–U+009F, among them the one-character CSI U+009B), bidi overrides and isolates, and lone
 * surrogates; also the invisible characters that make two different names look alike (zero-width
 * space, LRM/RLM, word joiners, BOM, line/paragraph separators). One-line fields (names) also
 * escape the zero-width joiners; multi-line text keeps them (emoji and some scripts need them).
 * Bytes that are not UTF-8 (a raw 0x9B) decode to U+FFFD and never reach the terminal.
 */

const INVISIBLE = "\\u061c\\u180e\\u200b\\u200e\\u200f\\u2028\\u2029\\u2060-\\u2064\\ufeff";
/** DEL, C1, bidi overrides and isolates, invisibles: unsafe in every form, JSON included. */
const BEYOND_C0 = `\\u007f-\\u009f\\u202a-\\u202e\\u2066-\\u2069${INVISIBLE}`;
const JOINERS = "\\u200c\\u200d";
const LONE_SURROGATE = "[\\ud800-\\udbff](?![\\udc00-\\udfff])|(?<![\\ud800-\\udbff])[\\udc00-\\udfff]";
const UNSAFE = new RegExp(`[\\u0000-\\u0008\\u000b-\\u001f${BEYOND_C0}]|${LONE_SURROGATE}`, "g");
const UNSAFE_LINE = new RegExp(`[\\u0000-\\u001f${JOINERS}${BEYOND_C0}]|${LONE_SURROGATE}`, "g");
/** What JSON.stringify leaves raw (it escapes C0 and lone surrogates itself). */
const UNSAFE_IN_JSON = new RegExp(`[${JOINERS}${BEYOND_C0}]`, "g");

function escape(character: string): string {
  const code = character.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u{${code.toString(16)}}`;
}

/** Multi-line text: newlines and tabs are kept, CRLF becomes LF, everything else unsafe is escaped. */
export function terminalSafeText(text: string): string {
  return text.replace(/\r\n/g, "\n").replace(UNSAFE, escape);
}

/** One field on one line (a host name, a reason): newlines and tabs are escaped too. */
export function terminalSafe(text: string): string {
  return text.replace(UNSAFE_LINE, escape);
}

/**
 * JSON for the terminal: the same value (JSON.parse gives it back), with every character the
 * filter above escapes written as a `\\u` escape; JSON.stringify already escapes C0 controls.
 */
export function terminalSafeJson(value: unknown, indent = 2): string {
  const text = JSON.stringify(value, null, indent) ?? "null";
  return text.replace(UNSAFE_IN_JSON, (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** A sink for a byte stream that writes it safely: UTF-8 decoded across chunk boundaries. */
export interface SafeStream {
  push(chunk: Uint8Array | string): void;
  end(): void;
}

/** Filters a stream of chunks into `write`; a CR held back at a chunk's end may pair with an LF. */
export function safeStream(write: (text: string) => void): SafeStream {
  const decoder = new TextDecoder("utf-8");
  let held = "";
  const emit = (text: string, final: boolean) => {
    let all = held + text;
    held = "";
    if (!final && all.endsWith("\r")) {
      held = "\r";
      all = all.slice(0, -1);
    }
    // A high surrogate at the very end may be completed by the next chunk (strings only).
    if (!final && /[\ud800-\udbff]$/.test(all)) {
      held = all.slice(-1) + held;
      all = all.slice(0, -1);
    }
    if (all) write(terminalSafeText(all));
  };
  return {
    push: (chunk) => emit(typeof chunk === "string" ? chunk : decoder.decode(chunk, { stream: true }), false),
    end: () => emit(decoder.decode(), true),
  };
}

/** Longest line kept whole; the rest of a longer line is dropped and the cut is marked. */
export const MAX_LINE = 64 * 1024;

/** Splits a byte stream into lines (without the newline) in bounded memory. */
export function lineSplitter(onLine: (line: string) => void): SafeStream {
  const decoder = new TextDecoder("utf-8");
  let partial = "";
  let cut = false;
  const take = (text: string) => {
    const lines = (partial + text).split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines) {
      if (!cut) onLine(line); // after a cut, the first "line" is the dropped rest of the long one
      cut = false;
    }
    if (partial.length > MAX_LINE) {
      if (!cut) onLine(`${partial.slice(0, MAX_LINE)}…(line cut)`);
      // From here until the next newline, everything is dropped.
      partial = "";
      cut = true;
    }
  };
  return {
    push: (chunk) => take(typeof chunk === "string" ? chunk : decoder.decode(chunk, { stream: true })),
    end: () => {
      take(decoder.decode());
      if (partial && !cut) onLine(partial);
      partial = "";
    },
  };
}
