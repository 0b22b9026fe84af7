import { describe, expect, test } from "bun:test";
import {
  lineSplitter,
  MAX_LINE,
  safeStream,
  terminalSafe,
  terminalSafeJson,
  terminalSafeText,
} from "../../../src/core/terminal-safe.ts";

describe("terminal-safety filter", () => {
  test.each([
    ["OSC 52", "\u001b]52;c;ZXZpbA==\u0007", "\\x1b]52;c;ZXZpbA==\\x07"],
    ["CSI clear", "\u001b[2J\u001b[H", "\\x1b[2J\\x1b[H"],
    ["C1 CSI", "\u009b2J", "\\x9b2J"],
    ["DEL and BS", "a\u007f\u0008b", "a\\x7f\\x08b"],
    ["a lone CR", "real\rfake", "real\\x0dfake"],
    ["CRLF", "line\r\n", "line\n"],
    ["bidi override", "\u202eabc\u2066", "\\u{202e}abc\\u{2066}"],
    ["lone surrogates", "a\ud800b\udc00", "a\\u{d800}b\\u{dc00}"],
    ["a surrogate pair, newline, tab and accents", "😀\tünï\n", "😀\tünï\n"],
  ])("%s", (_name, input, expected) => {
    expect(terminalSafeText(input)).toBe(expected);
  });

  test("one-line fields escape newlines and tabs too", () => {
    expect(terminalSafe("a\nb\tc\u001b")).toBe("a\\x0ab\\x09c\\x1b");
  });

  test("a stream decodes UTF-8 and pairs CRLF across chunk boundaries; invalid bytes become U+FFFD", () => {
    let out = "";
    const stream = safeStream((text) => (out += text));
    const bytes = Buffer.from("ü\r\n\u009b");
    for (const byte of [...bytes, 0x9b]) stream.push(Uint8Array.of(byte));
    stream.end();
    expect(out).toBe("ü\n\\x9b\ufffd");
  });

  test("lines are split across chunks; an over-long line is cut once and its rest dropped", () => {
    const lines: string[] = [];
    const split = lineSplitter((line) => lines.push(line));
    split.push("one\ntw");
    split.push(`o\n${"x".repeat(MAX_LINE + 10)}`);
    split.push(`${"y".repeat(MAX_LINE * 2)}\nthree`);
    split.end();
    expect(lines).toEqual(["one", "two", `${"x".repeat(MAX_LINE)}…(line cut)`, "three"]);
  });

  test("invisible characters that make two names look alike are escaped; joiners only in one-line fields", () => {
    const lookalike = "ma\u200bin\u200e\u200f\u2060\ufeff\u2028\u061c";
    const escaped = "ma\\u{200b}in\\u{200e}\\u{200f}\\u{2060}\\u{feff}\\u{2028}\\u{61c}";
    expect(terminalSafeText(lookalike)).toBe(escaped);
    expect(terminalSafe(lookalike)).toBe(escaped);
    expect(terminalSafe("fix\u200d\u200c")).toBe("fix\\u{200d}\\u{200c}");
    expect(terminalSafeText("👨\u200d👩 می\u200cخواهم")).toBe("👨\u200d👩 می\u200cخواهم");
  });

  test("JSON for the terminal: the same value back, nothing raw a terminal acts on or hides", () => {
    const reason = "\u001b]52;c;x\u0007 \u009b2J \u007f \u202eevil\u2066 zero\u200bwidth \u2028";
    const value = { reason, ok: "ünï 😀" };
    const text = terminalSafeJson(value);
    expect(JSON.parse(text)).toEqual(value);
    const raw = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u200b-\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
    expect(text).not.toMatch(raw);
    expect(text).toContain("ünï 😀");
    expect(text).toContain("\\u009b2J");
    expect(terminalSafeJson(undefined)).toBe("null");
  });
});
