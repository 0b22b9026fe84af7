/** The decision function with an injected resolver: private targets are judged, never dialled. */
import { describe, expect, test } from "bun:test";
import { decide, decideWithoutResolving, type PolicyRule } from "../../../src/bundle/serve/decide.ts";
import { manifestRules, parseRules } from "../../../src/bundle/serve/config.ts";

const rules: PolicyRule[] = manifestRules(parseRules(["api.example.com", "*.github.com", "db.example.com:5432", "rebind.example.com", "10.50.0.0/16"]));
const lookups: string[] = [];
const dnsTable: Record<string, string[]> = {
  "api.example.com": ["93.184.216.34"],
  "codeload.github.com": ["140.82.112.9"],
  "db.example.com": ["198.51.100.5"],
  "rebind.example.com": ["10.0.0.5", "169.254.169.254"],
  "internal.example.com": ["10.50.1.2"],
};
const resolve = async (name: string) => {
  lookups.push(name);
  const answer = dnsTable[name];
  if (!answer) throw new Error("ENOTFOUND");
  return answer;
};

describe("decide", () => {
  test("an allowed name is admitted at its resolved public address", async () => {
    expect(await decide("api.example.com", 443, rules, resolve)).toMatchObject({ allowed: true, address: "93.184.216.34", rule: { origin: "manifest" } });
    expect(await decide("codeload.github.com", 80, rules, resolve)).toMatchObject({ allowed: true, address: "140.82.112.9" });
  });

  test("default deny: unlisted host, wrong port, bare suffix", async () => {
    expect(await decide("evil.example.org", 443, rules, resolve)).toMatchObject({ allowed: false, kind: "policy", rule: "default-deny" });
    expect(await decide("api.example.com", 22, rules, resolve)).toMatchObject({ allowed: false, rule: "default-deny" });
    expect(await decide("github.com", 443, rules, resolve)).toMatchObject({ allowed: false, rule: "default-deny" });
    expect(await decide("db.example.com", 443, rules, resolve)).toMatchObject({ allowed: false });
    expect(await decide("db.example.com", 5432, rules, resolve)).toMatchObject({ allowed: true });
  });

  test("a denied name is never even resolved", async () => {
    lookups.length = 0;
    await decide("exfil.attacker.test", 443, rules, resolve);
    expect(lookups).toEqual([]);
  });

  test("an allowed name resolving only to private or metadata addresses is refused (DNS rebinding)", async () => {
    const decision = await decide("rebind.example.com", 443, rules, resolve);
    expect(decision).toMatchObject({ allowed: false, kind: "ssrf", rule: "ssrf-guard" });
    expect((decision as { reason: string }).reason).toBe("rebind.example.com resolves only to 10.0.0.5 (private (RFC 1918)), 169.254.169.254 (link-local / cloud metadata); a CIDR rule can admit only the private ones");
  });

  test.each(["169.254.169.254", "10.0.0.1", "100.64.0.1", "192.168.1.1", "172.16.0.1", "127.0.0.1", "0x7f.1", "2130706433", "[::1]", "[::ffff:169.254.169.254]", "[fd00:ec2::254]"])("IP literal %s is refused by the guard", async (host) => {
    expect(await decide(host, 80, rules, resolve)).toMatchObject({ allowed: false, kind: "ssrf" });
  });

  test("a CIDR rule admits a private range, and only that range", async () => {
    expect(await decide("10.50.3.4", 8080, rules, resolve)).toMatchObject({ allowed: true, address: "10.50.3.4" });
    expect(await decide("10.51.0.1", 8080, rules, resolve)).toMatchObject({ allowed: false, kind: "ssrf" });
  });

  test("a public IP literal needs a CIDR rule", async () => {
    expect(await decide("93.184.216.34", 443, rules, resolve)).toMatchObject({ allowed: false, kind: "policy" });
  });

  test("resolution failure is a resolve error, not an allow", async () => {
    const failing = manifestRules(parseRules(["gone.example.com"]));
    expect(await decide("gone.example.com", 443, failing, resolve)).toMatchObject({ allowed: false, kind: "resolve" });
  });

  test("the bundle's own subnet is refused, even with a CIDR rule naming it", async () => {
    const own = { v4: [{ base: 0xc0000200, prefix: 24 }], v6: [] };
    expect(await decide("192.0.2.7", 443, manifestRules(parseRules(["192.0.2.0/24"])), resolve, own)).toMatchObject({ allowed: false, kind: "ssrf", rule: "ssrf-guard", reason: "192.0.2.7 is the bundle's own network; no rule can admit it" });
    expect(await decide("api.example.com", 443, rules, async () => ["192.0.2.2"], own)).toMatchObject({ allowed: false, kind: "ssrf" });
    expect(await decide("192.0.3.7", 443, manifestRules(parseRules(["192.0.2.0/23"])), resolve, own)).toMatchObject({ allowed: true, address: "192.0.3.7" });
  });
});

describe("the guard no CIDR rule can switch off", () => {
  const wide = manifestRules(parseRules(["0.0.0.0/0", "guarded.example.com"]));
  test.each(["127.0.0.1", "127.1", "169.254.169.254", "100.100.100.200", "0.0.0.0", "[::1]", "[::ffff:127.0.0.1]", "[64:ff9b::a9fe:a9fe]", "[fe80::1]", "[fd00:ec2::254]"])("%s stays refused under 0.0.0.0/0", async (host) => {
    expect(await decide(host, 80, wide, resolve)).toMatchObject({ allowed: false, kind: "ssrf", rule: "ssrf-guard" });
  });

  test("a name resolving into a guarded range stays refused under 0.0.0.0/0", async () => {
    const decision = await decide("guarded.example.com", 443, wide, async () => ["127.0.0.1", "169.254.169.254"]);
    expect(decision).toMatchObject({ allowed: false, kind: "ssrf", reason: "guarded.example.com resolves only to 127.0.0.1 (loopback), 169.254.169.254 (link-local / cloud metadata); no rule can admit those" });
  });

  test("the same wide rule does admit private ranges (the guard is not everything)", async () => {
    expect(await decide("10.9.8.7", 80, wide, resolve)).toMatchObject({ allowed: true, address: "10.9.8.7" });
    expect(await decide("guarded.example.com", 443, wide, async () => ["127.0.0.1", "172.20.0.5"])).toMatchObject({ allowed: true, address: "172.20.0.5" });
  });
});

describe("decideWithoutResolving (what /why answers)", () => {
  test("a name a rule admits is reported with its rule, and nothing is resolved", () => {
    expect(decideWithoutResolving("x.github.com", 443, rules)).toMatchObject({ allowed: "if-resolved", name: "x.github.com", rule: { rule: { source: "*.github.com" } } });
    expect(decideWithoutResolving("nope.example.org", 443, rules)).toMatchObject({ allowed: false, rule: "default-deny" });
    expect(decideWithoutResolving("127.0.0.1", 80, manifestRules(parseRules(["127.0.0.0/8"])))).toMatchObject({ allowed: false, rule: "ssrf-guard" });
    expect(decideWithoutResolving("10.50.0.1", 80, rules)).toMatchObject({ allowed: true, address: "10.50.0.1" });
  });
});

describe("host names that could differ between matching and resolving are refused", () => {
  test.each(["evil.com\u0000.github.com", "evil.com%00.github.com", "a b.github.com", "évil.github.com", "evil.com\n.github.com", "..github.com", "-x.github.com"])("%p", async (host) => {
    lookups.length = 0;
    expect(await decide(host, 443, rules, resolve)).toMatchObject({ allowed: false, rule: "malformed-host" });
    expect(lookups).toEqual([]);
  });

  test("ordinary names with underscores, digits and a trailing dot still pass", async () => {
    expect(await decide("api.example.com.", 443, rules, resolve)).toMatchObject({ allowed: true });
    expect(await decide("_acme.codeload.github.com", 443, manifestRules(parseRules(["*.github.com"])), async () => ["140.82.112.9"])).toMatchObject({ allowed: true });
  });
});
