/** The decision function with an injected resolver: private targets are judged, never dialled. */
import { describe, expect, test } from "bun:test";
import { decide, type PolicyRule } from "../../../src/bundle/serve/decide.ts";
import { manifestRules } from "../../../src/bundle/serve/config.ts";

const rules: PolicyRule[] = manifestRules(["api.example.com", "*.github.com", "db.example.com:5432", "rebind.example.com", "10.50.0.0/16"]);
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
    expect((decision as { reason: string }).reason).toBe("rebind.example.com resolves only to 10.0.0.5 (private (RFC 1918)), 169.254.169.254 (link-local / cloud metadata); only a CIDR rule can admit it");
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
    const failing = manifestRules(["gone.example.com"]);
    expect(await decide("gone.example.com", 443, failing, resolve)).toMatchObject({ allowed: false, kind: "resolve" });
  });

  test("the bundle's own subnet is refused", async () => {
    expect(await decide("192.0.2.7", 443, manifestRules(["192.0.2.0/24"]), resolve, { base: 3221225984, prefix: 24 })).toMatchObject({ allowed: true });
    expect(await decide("api.example.com", 443, rules, async () => ["192.0.2.2"], { base: 3221225984, prefix: 24 })).toMatchObject({ allowed: false, kind: "ssrf" });
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
    expect(await decide("_acme.codeload.github.com", 443, manifestRules(["*.github.com"]), async () => ["140.82.112.9"])).toMatchObject({ allowed: true });
  });
});
