import { expect, test } from "bun:test";
import { parseEgressRule } from "../../../src/core/egress-rule.ts";

test.each([
  ["api.anthropic.com", { kind: "host", source: "api.anthropic.com", host: "api.anthropic.com", ports: [443, 80] }],
  ["API.Anthropic.com", { kind: "host", source: "API.Anthropic.com", host: "api.anthropic.com", ports: [443, 80] }],
  ["*.github.com", { kind: "suffix", source: "*.github.com", suffix: "github.com", ports: [443, 80] }],
  ["registry.npmjs.org:8443", { kind: "host", source: "registry.npmjs.org:8443", host: "registry.npmjs.org", ports: [8443] }],
  ["10.20.0.0/16", { kind: "cidr", source: "10.20.0.0/16", cidr: { base: 169082880, prefix: 16 }, ports: [] }],
  ["203.0.113.7:22", { kind: "cidr", source: "203.0.113.7:22", cidr: { base: 3405803783, prefix: 32 }, ports: [22] }],
])("%s parses", (text, rule) => {
  expect(parseEgressRule(text)).toEqual({ ok: true, rule: rule as never });
});

test.each(["", "*", "*.com", "a..b", "-a.com", "host:0", "host:70000", "host:x", "a b.com", "10.0.0.1/8", "http://x.com", "1.2.3"])("%p is refused", (text) => {
  expect(parseEgressRule(text).ok).toBe(false);
});
