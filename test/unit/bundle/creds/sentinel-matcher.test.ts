import { expect, test } from "bun:test";
import { makeSentinel, sentinelPrefix } from "../../../../src/core/sentinel.ts";
import { Matcher, encodedForms, exactForms, normalise } from "../../../../src/bundle/serve/creds/matcher.ts";
import { swapHeader, type Credential } from "../../../../src/bundle/serve/creds/credential-header.ts";

const ANTHROPIC = `sk-ant-api03-${"Zq8_x-".repeat(15)}${"k".repeat(3)}AA`;

test("a sentinel keeps the real value's prefix, length and alphabet, and nothing else of it", () => {
  const sentinel = makeSentinel(ANTHROPIC, "seed-1", "ANTHROPIC_API_KEY");
  expect(sentinel.length).toBe(ANTHROPIC.length);
  expect(sentinel.startsWith("sk-ant-api03-")).toBe(true);
  expect(sentinel).toMatch(/^sk-ant-api03-[A-Za-z0-9_-]+$/);
  expect(sentinel).not.toBe(ANTHROPIC);
  const hex = makeSentinel("0123456789abcdef0123456789abcdef01234567", "s", "TOKEN");
  expect(hex).toMatch(/^[0-9a-f]{40}$/);
  expect(makeSentinel("ghp_" + "A1b2".repeat(9), "s", "GH_TOKEN")).toMatch(/^ghp_[A-Za-z0-9]{36}$/);
});

test("sentinels differ per bottle seed and per credential, and repeat for the same pair", () => {
  const a = makeSentinel(ANTHROPIC, "bottle-a", "ANTHROPIC_API_KEY");
  expect(makeSentinel(ANTHROPIC, "bottle-a", "ANTHROPIC_API_KEY")).toBe(a);
  expect(makeSentinel(ANTHROPIC, "bottle-b", "ANTHROPIC_API_KEY")).not.toBe(a);
  expect(makeSentinel(ANTHROPIC, "bottle-a", "OTHER")).not.toBe(a);
});

test("prefixes: provider words only, and never most of a short value", () => {
  expect(sentinelPrefix(ANTHROPIC)).toBe("sk-ant-api03-");
  expect(sentinelPrefix("github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz")).toBe("github_pat_");
  expect(sentinelPrefix("xoxb-1234-abcdefghijklmnopqrstuvwx")).toBe("xoxb-1234-");
  expect(sentinelPrefix("short-value")).toBe("");
  expect(makeSentinel("short", "s", "X")).toHaveLength(32);
});

test("the matcher finds a value as is, split over DNS labels, in any case, hex, base64 at every offset", () => {
  const sentinel = makeSentinel(ANTHROPIC, "seed", "ANTHROPIC_API_KEY");
  const matcher = new Matcher([{ name: "ANTHROPIC_API_KEY", value: sentinel }]);
  const labels = normalise(sentinel).match(/.{1,40}/g)!.join(".");
  const cases = [
    `x-api-key: ${sentinel}`,
    `GET /?k=${encodeURIComponent(sentinel)}`,
    `GET /?k=${[...sentinel].map((c) => `%${c.charCodeAt(0).toString(16)}`).join("")}`,
    `${labels}.exfil.test`,
    sentinel.toUpperCase(),
    Buffer.from(sentinel).toString("hex"),
    ...[0, 1, 2].map((pad) => Buffer.from(`${"x".repeat(pad)}${sentinel}tail`).toString("base64")),
    Buffer.from(`zz${sentinel}`).toString("base64url"),
  ];
  for (const text of cases) expect([text.slice(0, 20), matcher.find(text)]).toEqual([text.slice(0, 20), "ANTHROPIC_API_KEY"]);
  expect(matcher.find(`x-api-key: ${sentinel.slice(0, -3)}`)).toBeUndefined();
  expect(matcher.find("nothing to see")).toBeUndefined();
  expect(encodedForms("tiny").length).toBe(0);
});

const credential = (over: Partial<Credential> = {}): Credential => ({ name: "GH_TOKEN", hosts: ["github.com"], header: "authorization", schemes: ["bearer", "basic"], sentinel: "SENT-1234567890abcdef", value: "REAL-abcdef", ...over });

test("header swap: bearer, token, basic password or user get the real value; anything else is foreign", () => {
  const gh = [credential()];
  expect(swapHeader("Bearer SENT-1234567890abcdef", gh)).toEqual({ kind: "swapped", credential: "GH_TOKEN", value: "Bearer REAL-abcdef" });
  expect(swapHeader("token SENT-1234567890abcdef", gh)).toEqual({ kind: "swapped", credential: "GH_TOKEN", value: "token REAL-abcdef" });
  const basic = `Basic ${Buffer.from("x-access-token:SENT-1234567890abcdef").toString("base64")}`;
  expect(swapHeader(basic, gh)).toEqual({ kind: "swapped", credential: "GH_TOKEN", value: `Basic ${Buffer.from("x-access-token:REAL-abcdef").toString("base64")}` });
  expect(swapHeader("Bearer someone-elses-token", gh)).toEqual({ kind: "foreign", credential: "GH_TOKEN" });
  expect(swapHeader(basic, [credential({ schemes: ["bearer"] })])).toEqual({ kind: "foreign", credential: "GH_TOKEN" });
  const key = [credential({ name: "ANTHROPIC_API_KEY", header: "x-api-key", schemes: [] })];
  expect(swapHeader("SENT-1234567890abcdef", key)).toEqual({ kind: "swapped", credential: "ANTHROPIC_API_KEY", value: "REAL-abcdef" });
  expect(swapHeader("sk-ant-other", key)).toEqual({ kind: "foreign", credential: "ANTHROPIC_API_KEY" });
});

test("bodies are searched for exact forms: as is, hex in both cases, base64 at every offset", () => {
  const value = "sk-ant-api03-SENTINELsentinel0123456789";
  const matcher = new Matcher([{ name: "K", value }]);
  for (const body of [value, Buffer.from(value).toString("hex").toUpperCase(), Buffer.from(`xy${value}z`).toString("base64")]) {
    expect(matcher.findBytes(Buffer.from(`{"a":"${body}"}`))).toBe("K");
  }
  expect(matcher.findBytes(Buffer.from(value.slice(0, -1)))).toBeUndefined();
  expect(exactForms("short")).toEqual([]);
});
