import { expect, test } from "bun:test";
import { Matcher } from "../../../../src/bundle/serve/creds/matcher.ts";
import { inspectText, StreamInspection, type Inspection } from "../../../../src/bundle/serve/dlp/inspect.ts";

const SENTINEL = "sk-ant-api03-SENTINELsentinel0123456789abcdefABCDEF";
const REAL = "sk-ant-api03-REALrealREAL0123456789abcdefghijklmnopqrstuvwxyzAA";
const inspection = (dlp: Inspection["dlp"] = "block"): Inspection => ({
  canaries: new Matcher([{ name: "ANTHROPIC_API_KEY", value: SENTINEL }]),
  secrets: new Matcher([{ name: "ANTHROPIC_API_KEY", value: REAL }]),
  dlp,
});

// Fake keys assembled at run time, so this file itself never holds a string a scanner would flag.
const fake = {
  "anthropic-api-key": `sk-ant-api03-${"a1B2".repeat(10)}`,
  "openai-api-key": `sk-proj-${"Q9w8".repeat(12)}`,
  "github-token": `ghp_${"Ab1".repeat(12)}`,
  "gitlab-token": `glpat-${"x7Y".repeat(7)}`,
  "aws-access-key-id": `AKIA${"ABCD2345".repeat(2)}`,
  "slack-token": `xoxb-${"12345-".repeat(3)}`,
  "private-key": `-----BEGIN ${"RSA"} PRIVATE KEY-----`,
};

test("each strongly prefixed key blocks, named by its pattern", () => {
  for (const [pattern, key] of Object.entries(fake)) {
    expect(inspectText(inspection(), `{"note":"${key}"}`)).toEqual({ kind: "dlp", pattern, block: true });
  }
});

test("dlp = warn turns a block into a warning; off finds nothing but canaries", () => {
  expect(inspectText(inspection("warn"), fake["github-token"])).toEqual({ kind: "dlp", pattern: "github-token", block: false });
  expect(inspectText(inspection("off"), fake["github-token"])).toBeUndefined();
  expect(inspectText(inspection("off"), `x=${SENTINEL}`)).toEqual({ kind: "canary", credential: "ANTHROPIC_API_KEY" });
});

test("a canary wins over the key pattern it also looks like; the real secret is found base64-encoded", () => {
  expect(inspectText(inspection(), `body ${SENTINEL}`)).toEqual({ kind: "canary", credential: "ANTHROPIC_API_KEY" });
  expect(inspectText(inspection(), Buffer.from(`k=${REAL}`).toString("base64"))).toEqual({ kind: "secret", credential: "ANTHROPIC_API_KEY" });
});

test("high entropy only warns; hex hashes and prose pass", () => {
  const random = "q8Zr/4Lm+Tn2Vb7Xc0Wd9Ke3Jf6Hg1Ps5Ua";
  expect(inspectText(inspection(), `data=${random}`)).toEqual({ kind: "dlp", pattern: "high-entropy", block: false });
  expect(inspectText(inspection(), "commit 3f786850e387550fdab836ed7e6dc881de23001b3f786850e387550fdab836ed")).toBeUndefined();
  expect(inspectText(inspection(), "The quick brown fox jumps over the lazy dog, again and again.")).toBeUndefined();
});

test("streaming: a value split between chunks is still found, in the chunk that completes it", () => {
  const stream = new StreamInspection(inspection());
  const text = `${"padding ".repeat(100)}${SENTINEL}${" more".repeat(10)}`;
  const cut = text.indexOf(SENTINEL) + 10;
  expect(stream.push(Buffer.from(text.slice(0, cut)))).toBeUndefined();
  expect(stream.push(Buffer.from(text.slice(cut)))).toEqual({ kind: "canary", credential: "ANTHROPIC_API_KEY" });
  const keys = new StreamInspection(inspection());
  const key = fake["aws-access-key-id"];
  expect(keys.push(Buffer.from(`x ${key.slice(0, 7)}`))).toBeUndefined();
  expect(keys.push(Buffer.from(`${key.slice(7)} y`))).toEqual({ kind: "dlp", pattern: "aws-access-key-id", block: true });
});

const percentAll = (text: string) => [...Buffer.from(text)].map((byte) => `%${byte.toString(16).padStart(2, "0")}`).join("");

/** Pushes `body` in pieces of `size` bytes; the first finding, and how many pieces it took. */
function streamed(body: string, size: number, over: Inspection = inspection()): { finding: unknown; pieces: number } {
  const stream = new StreamInspection(over);
  const bytes = Buffer.from(body);
  for (let at = 0, pieces = 1; at < bytes.length; at += size, pieces++) {
    const finding = stream.push(bytes.subarray(at, at + size));
    if (finding) return { finding, pieces };
  }
  return { finding: undefined, pieces: 0 };
}

test("bodies: the sentinel percent-encoded (every byte, twice over), form-encoded, base64url — each a canary", () => {
  const canary = { kind: "canary", credential: "ANTHROPIC_API_KEY" };
  const bodies = [
    `k=${percentAll(SENTINEL)}`,
    `k=${encodeURIComponent(percentAll(SENTINEL))}`,
    `${new URLSearchParams({ k: Buffer.from(`!${SENTINEL}`).toString("base64") })}`,
    `{"k":"${Buffer.from(`ab${SENTINEL}`).toString("base64url")}"}`,
  ];
  for (const body of bodies) expect([body.slice(0, 12), streamed(body, 1 << 16).finding]).toEqual([body.slice(0, 12), canary]);
  // Split anywhere, one byte at a time: found in the piece that completes it, not before, not after.
  const body = `${"x".repeat(300)}k=${percentAll(SENTINEL)}&more`;
  expect(streamed(body, 1, inspection("off"))).toEqual({ finding: canary, pieces: body.indexOf("&more") });
  // With DLP on, the key pattern the sentinel is shaped like fires first, on its start: still named a canary.
  const plain = `${"x".repeat(300)}k=${SENTINEL}&more`;
  const early = streamed(plain, 1);
  expect(early.finding).toEqual(canary);
  expect(early.pieces).toBeLessThan(plain.indexOf("&more"));
  expect(inspectText(inspection(), `k=${REAL.slice(0, 45)}`)).toEqual({ kind: "secret", credential: "ANTHROPIC_API_KEY" });
});

test("bodies: a real secret with spaces is found form-encoded (+ for space); a provider key percent-encoded blocks", () => {
  const spaced = "correct horse battery staple 42";
  const over: Inspection = { ...inspection(), secrets: new Matcher([{ name: "DB_PASSWORD", value: spaced }]) };
  const form = `${new URLSearchParams({ password: spaced })}`;
  expect(form).toContain("+");
  expect(streamed(form, 7, over).finding).toEqual({ kind: "secret", credential: "DB_PASSWORD" });
  expect(streamed(`k=${percentAll(fake["github-token"])}`, 5).finding).toEqual({ kind: "dlp", pattern: "github-token", block: true });
});

test("hostile escapes never throw and never match by accident; a warning is given once per body", () => {
  for (const body of ["%", "%%", "%zz%4", "%%41%2", "+".repeat(1000), `%${"25".repeat(500)}`]) {
    expect(streamed(body, 3).finding).toBeUndefined();
    expect(inspectText(inspection(), body)).toBeUndefined();
  }
  expect(inspectText(inspection(), `/x?k=${encodeURIComponent(encodeURIComponent(percentAll(SENTINEL)))}`)).toEqual({ kind: "canary", credential: "ANTHROPIC_API_KEY" });
  const random = "q8Zr/4Lm+Tn2Vb7Xc0Wd9Ke3Jf6Hg1Ps5Ua";
  const stream = new StreamInspection(inspection());
  expect(stream.push(Buffer.from(`a=${random}`))).toEqual({ kind: "dlp", pattern: "high-entropy", block: false });
  expect(stream.push(Buffer.from(`&b=${random}`))).toBeUndefined();
});

const jsonEscapeAll = (text: string) =>
  [...text].map((char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`).join("");
test("bodies: the sentinel in JSON \\u escapes (every character, mixed case, JSON in JSON, split) is a canary", () => {
  const canary = { kind: "canary", credential: "ANTHROPIC_API_KEY" } as const;
  const escaped = jsonEscapeAll(SENTINEL);
  const bodies = [
    `{"k":"${escaped}"}`,
    `{"k":"${escaped.toUpperCase().replaceAll("\\U", "\\u")}"}`,
    JSON.stringify({ inner: `{"k":"${escaped}"}` }),
    `{"k":"${SENTINEL.slice(0, 20)}${jsonEscapeAll(SENTINEL.slice(20))}"}`,
  ];
  for (const body of bodies) {
    expect([body.slice(0, 20), inspectText(inspection("off"), body)]).toEqual([body.slice(0, 20), canary]);
    const { finding } = streamed(body, 1 << 16, inspection("off"));
    expect([body.slice(0, 20), finding]).toEqual([body.slice(0, 20), canary]);
  }
  // One byte at a time, behind padding: found in the piece that completes it.
  const body = `${"x".repeat(300)}{"k":"${JSON.stringify({ k: escaped }).slice(6, -2)}"}`;
  expect(streamed(body, 1, inspection("off"))).toEqual({ finding: canary, pieces: body.length - 2 });
  for (const stray of ["\\", "\\u", "\\u12", "\\\\\\", `\\u${"005c".repeat(200)}`]) {
    expect(streamed(stray, 3).finding).toBeUndefined();
    expect(inspectText(inspection(), stray)).toBeUndefined();
  }
});
