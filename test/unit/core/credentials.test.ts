import { expect, test } from "bun:test";
import { parseManifest } from "../../../src/core/load-manifest.ts";
import { ConfigError } from "../../../src/core/errors.ts";

function issuesOf(text: string): string[] {
  try {
    parseManifest(text, "/x/bottle.toml");
    return [];
  } catch (error) {
    return (error as ConfigError).issues.map((issue) => `${issue.path}: ${issue.message}`);
  }
}

test("well-known names get their hosts, header and scheme; spelled-out tables keep theirs", () => {
  const { manifest } = parseManifest(`name = "web"
[credentials]
on_canary = "stop"
[credentials.ANTHROPIC_API_KEY]
from_env = "MY_KEY"
[credentials.GH_TOKEN]
from_command = ["gh", "auth", "token"]
[credentials.INTERNAL]
from_file = "~/.config/internal/key"
hosts = ["api.internal.test"]
header = "Authorization"
scheme = "basic"
[credentials.CUSTOM]
from_env = "X"
hosts = ["x.test"]
header = "X-Token"
`, "/x/bottle.toml");
  expect(manifest.credentials).toEqual({
    onCanary: "stop",
    list: [
      { name: "ANTHROPIC_API_KEY", source: { kind: "env", name: "MY_KEY" }, hosts: ["api.anthropic.com"], header: "x-api-key", schemes: [] },
      { name: "CUSTOM", source: { kind: "env", name: "X" }, hosts: ["x.test"], header: "x-token", schemes: [] },
      { name: "GH_TOKEN", source: { kind: "command", argv: ["gh", "auth", "token"] }, hosts: ["api.github.com", "github.com"], header: "authorization", schemes: ["bearer", "basic"] },
      { name: "INTERNAL", source: { kind: "file", path: "~/.config/internal/key" }, hosts: ["api.internal.test"], header: "authorization", schemes: ["basic"] },
    ],
  });
});

test("every credential problem is reported with its path", () => {
  expect(issuesOf(`name = "web"
[credentials.UNKNOWN]
from_env = "A"
[credentials.TWO]
from_env = "A"
from_file = "b"
hosts = ["t.test"]
[credentials.WILD]
from_env = "A"
hosts = ["*.t.test"]
[credentials.SCHEME]
from_env = "A"
hosts = ["t.test"]
header = "x-key"
scheme = "bearer"
`).sort()).toEqual([
    "credentials.SCHEME.scheme: applies only to header = \"authorization\"",
    "credentials.TWO: needs exactly one of from_env, from_file, from_command",
    "credentials.UNKNOWN.hosts: is required: UNKNOWN is not a name claude-bottle knows the hosts of",
    'credentials.WILD.hosts.0: "*.t.test" must be a host name (no wildcard, port or address)',
  ]);
});

test("a credential may not also be in [agent.env], nor be a reserved name", () => {
  expect(issuesOf(`name = "web"
[agent.env]
ANTHROPIC_API_KEY = "x"
[credentials.ANTHROPIC_API_KEY]
from_env = "K"
[credentials.https_proxy]
from_env = "K"
hosts = ["t.test"]
`).sort()).toEqual([
    "credentials.ANTHROPIC_API_KEY: is also in [agent.env]; a credential's guest variable holds its sentinel, so remove one",
    "credentials.https_proxy: is set by claude-bottle to reach the bundle and cannot be a credential",
  ]);
});

test("[egress] inspect, dlp, upstream_proxy and upstream_ca are checked", () => {
  expect(issuesOf(`name = "web"
[egress]
inspect = ["*.x.test:8443"]
dlp = "loud"
upstream_proxy = "socks5://proxy.corp.test:3128"
`).sort()).toEqual([
    'egress.dlp: expected ("block" | "warn" | "off"), got "loud"',
    "egress.inspect.0: must be a host name or *.suffix (no port or address)",
    'egress.upstream_proxy: "socks5://proxy.corp.test:3128" must be an http:// or https:// proxy',
  ]);
  const { manifest } = parseManifest(`name = "web"\n[egress]\nupstream_proxy = "http://proxy.corp.test:3128"\nupstream_ca = ["corp.pem"]\n`, "/x/bottle.toml");
  expect(manifest.egress).toEqual({ allow: [], inspect: [], upgrade: [], dlp: "block", upstream_proxy: "http://proxy.corp.test:3128", upstream_ca: ["corp.pem"] });
});

test("[egress] upgrade names terminated hosts only; the plan and bundle.json carry it", async () => {
  expect(issuesOf(`name = "web"\n[egress]\ninspect = ["ws.test", "*.wild.test"]\nupgrade = ["a.wild.test", "ws.test", "*.x.test"]\n`)).toEqual([
    "egress.upgrade.2: must be a host name (no wildcard, port or address)",
  ]);
  expect(issuesOf(`name = "web"\n[egress]\ninspect = ["ws.test"]\nupgrade = ["ws.test", "plain.test"]\n`)).toEqual([
    'egress.upgrade.1: "plain.test" is not terminated (no credential or [egress] inspect names it), so its tunnel passes upgrades already; remove it',
  ]);
  const { planBottle } = await import("../../../src/lifecycle/bottle.ts");
  const { docker } = await import("../../../src/backends/docker/index.ts");
  const { bundleConfig } = await import("../../../src/core/bundle-config.ts");
  const { formatPlan } = await import("../../../src/cli/report.ts");
  const facts = { home: "/state", platform: "linux", arch: "x64", user: { uid: 1000, gid: 1000 }, usedSubnets: [], backend: undefined };
  const text = `name = "web"\n[egress]\ninspect = ["ws.test"]\nupgrade = ["api.anthropic.com"]\n[credentials.ANTHROPIC_API_KEY]\nfrom_env = "K"\n`;
  const plan = planBottle(docker, parseManifest(text, "/x/bottle.toml"), facts);
  expect(plan.bundle.inspection?.upgrade).toEqual(["api.anthropic.com"]);
  expect(bundleConfig(plan).upgrade).toEqual(["api.anthropic.com"]);
  expect(formatPlan(plan)).toContain("\nterminated  api.anthropic.com (upgrade passes), ws.test\n");
  const none = planBottle(docker, parseManifest(`name = "web"\n[egress]\ninspect = ["ws.test"]\n`, "/x/bottle.toml"), facts);
  expect(["upgrade" in none.bundle.inspection!, "upgrade" in bundleConfig(none)]).toEqual([false, false]);
});

test("upstream_proxy: a user and password become Proxy-Authorization; no message ever quotes them", async () => {
  const { parseUpstreamProxy, redactProxy } = await import("../../../src/core/upstream-proxy.ts");
  expect(parseUpstreamProxy("http://corp%40user:p%3Ass@[::1]:3128")).toEqual({
    ok: true, proxy: { host: "::1", port: 3128, authorization: `Basic ${Buffer.from("corp@user:p:ss").toString("base64")}` }, address: "http://[::1]:3128",
  });
  expect(parseUpstreamProxy("http://proxy.test")).toEqual({ ok: true, proxy: { host: "proxy.test", port: 80 }, address: "http://proxy.test" });
  expect(parseUpstreamProxy("https://proxy.test")).toEqual({ ok: true, proxy: { host: "proxy.test", port: 443, tls: true }, address: "https://proxy.test" });
  const refused = ["http://a%3Ab:pw-1@p.test:1", "http://u:pw-%0a@p.test:1", "http://u:pw-%zz@p.test:1", "ftp://u:pw-2@p.test", "http://u:pw-3@p.test/path", "http//u:pw-4@"];
  for (const text of refused) {
    const parsed = parseUpstreamProxy(text);
    expect(parsed.ok).toBe(false);
    expect(JSON.stringify(parsed)).not.toMatch(/pw-/);
  }
  expect([redactProxy("http://u:p@ss@h:1"), redactProxy("http//u:p@"), redactProxy("http://h:1")]).toEqual(["http://***@h:1", "***@", "http://h:1"]);
  const { BundleConfigSchema } = await import("../../../src/core/bundle-config.ts");
  const v = await import("valibot");
  expect(v.safeParse(BundleConfigSchema.entries.upstreamProxy, "http://u:p@h.test:1").success).toBe(false);
  expect(v.safeParse(BundleConfigSchema.entries.upstreamProxy, "http://h.test:1").success).toBe(true);
});
