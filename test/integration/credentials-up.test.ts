/** `up` with credentials against the fakes: the real value reaches only the bundle's 0600 file. */
import { expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fakeWorld } from "../helpers/fake-world.ts";

const REAL = `sk-ant-api03-${"Xy9_".repeat(23)}AA`;
const manifest = (backend = "smolmachines") => `name = "web"
backend = "${backend}"
[egress]
allow = ["registry.npmjs.org"]
[credentials.ANTHROPIC_API_KEY]
from_env = "HOST_ANTHROPIC_KEY"
`;

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
}

test.each([["smolmachines"], ["docker"]])("%s: the guest gets a sentinel; the real key is only in bundle/credentials.json (0600)", async (backend) => {
  const world = fakeWorld({ smolvm: "1.9.3", manifest: manifest(backend), env: { HOST_ANTHROPIC_KEY: REAL } });
  const up = await world.cli(["up", "--detach"]);
  expect(up.stderr).toContain('bottle "web" is up');
  const dir = join(world.home, "bottles/web");
  const state = JSON.parse(readFileSync(join(dir, "state.json"), "utf8"));
  const sentinel: string = state.plan.env.ANTHROPIC_API_KEY;
  expect(sentinel).toStartWith("sk-ant-api03-");
  expect(sentinel).toHaveLength(REAL.length);
  expect(sentinel).not.toBe(REAL);
  expect(JSON.parse(readFileSync(join(dir, "bundle/bundle.json"), "utf8")).allow).toEqual(["registry.npmjs.org", "api.anthropic.com"]);
  const material = join(dir, "bundle/credentials.json");
  expect(statSync(material).mode & 0o777).toBe(0o600);
  expect(JSON.parse(readFileSync(material, "utf8")).credentials).toEqual([expect.objectContaining({ name: "ANTHROPIC_API_KEY", sentinel, value: REAL })]);
  const holding = filesUnder(dir).filter((file) => readFileSync(file, "latin1").includes(REAL));
  expect(holding).toEqual([material]);
  // Every docker/smolvm command line (what docker inspect and the Smolfile would show) carries the sentinel only.
  const argv = JSON.stringify(world.calls());
  expect(argv).not.toContain(REAL);
  expect(up.stdout + up.stderr).not.toContain(REAL);
  if (backend === "docker") {
    // Any image: its roots (the fake's) then the bottle CA, for SSL_CERT_FILE and the others; the roots container is gone.
    const trust = readFileSync(join(dir, "ca/guest-trust.pem"), "utf8");
    expect(trust).toBe(`-----BEGIN CERTIFICATE-----\nRkFLRS1JTUFHRS1ST09U\n-----END CERTIFICATE-----\n${readFileSync(join(dir, "ca/ca.crt"), "utf8")}`);
    expect(state.plan.env.SSL_CERT_FILE).toBe("/etc/claude-bottle/ca-bundle.crt");
    const calls = world.calls().map((argv) => argv.slice(0, 3).join(" "));
    expect(calls.filter((call) => call.startsWith("docker create") || call.startsWith("docker cp"))).toEqual(["docker create --pull", "docker cp --follow-link"]);
  }
  expect((await world.cli(["down", "web"])).code).toBe(0);
  expect(existsSync(dir)).toBe(false);
});

test("a credential that cannot be resolved stops up before anything is made, naming the fix", async () => {
  const world = fakeWorld({ smolvm: "1.9.3", manifest: manifest() });
  const up = await world.cli(["up", "--detach"]);
  expect(up.code).toBe(69);
  expect(up.stderr).toContain("ANTHROPIC_API_KEY from environment variable HOST_ANTHROPIC_KEY: HOST_ANTHROPIC_KEY is not set");
  expect(up.stderr).toContain("hint: export HOST_ANTHROPIC_KEY=");
  expect(existsSync(join(world.home, "bottles/web"))).toBe(false);
  expect(world.calls()).toEqual([]);
});

test("plan shows the sentinel and where the value comes from, never a value, and needs no secret", async () => {
  const world = fakeWorld({ smolvm: "1.9.3", manifest: manifest() });
  const plan = await world.cli(["plan", "--json"]);
  expect(plan.code).toBe(0);
  const parsed = JSON.parse(plan.stdout);
  expect(parsed.bundle.inspection.credentials).toEqual([{ name: "ANTHROPIC_API_KEY", hosts: ["api.anthropic.com"], header: "x-api-key", schemes: [], from: "env HOST_ANTHROPIC_KEY", sentinel: parsed.env.ANTHROPIC_API_KEY }]);
  expect(parsed.env.ANTHROPIC_API_KEY).toMatch(/^sk-ant-api03-[A-Za-z0-9_-]{95}$/);
  expect((await world.cli(["plan", "--json"])).stdout).toBe(plan.stdout);
});

test("logs shows canary hits and DLP findings first, then every decision", async () => {
  const world = fakeWorld({ smolvm: "1.9.3", manifest: manifest(), env: { HOST_ANTHROPIC_KEY: REAL } });
  await world.cli(["up", "--detach"]);
  const base = { bottle: "web", client: "192.168.1.3", port: 443 };
  const lines = [
    { ...base, time: "2026-11-24T10:00:00.000Z", kind: "connect", method: "CONNECT", host: "ok.test", decision: "allow", rule: "ok.test" },
    { ...base, time: "2026-11-24T10:00:01.000Z", kind: "tls", method: "POST", host: "api.anthropic.com", path: "/v1/messages", decision: "deny", rule: "canary", status: 403, canary: "ANTHROPIC_API_KEY" },
    { ...base, time: "2026-11-24T10:00:02.000Z", kind: "http", method: "POST", host: "paste.test", decision: "deny", rule: "dlp", dlp: "github-token" },
  ];
  const { writeFileSync } = await import("node:fs");
  writeFileSync(join(world.home, "bottles/web/bundle/audit.jsonl"), lines.map((line) => JSON.stringify(line)).join("\n") + "\n");
  const logs = (await world.cli(["logs", "web"])).stdout;
  const canary = "2026-11-24T10:00:01.000Z DENY    POST api.anthropic.com:443/v1/messages [canary] 403 CANARY ANTHROPIC_API_KEY";
  const dlp = "2026-11-24T10:00:02.000Z DENY    POST paste.test:443 [dlp] DLP github-token";
  expect(logs).toStartWith(`== canary hits and DLP findings ==\n${canary}\n${dlp}\n== egress decisions`);
  expect(logs.indexOf("ok.test")).toBeGreaterThan(logs.indexOf("== egress decisions"));
  await world.cli(["down", "web"]);
});

test("credentials NAME lists hosts, header, source, sentinel and canary hits; never the value", async () => {
  const world = fakeWorld({ smolvm: "1.9.3", manifest: manifest(), env: { HOST_ANTHROPIC_KEY: REAL } });
  await world.cli(["up", "--detach"]);
  const sentinel = JSON.parse(readFileSync(join(world.home, "bottles/web/state.json"), "utf8")).plan.env.ANTHROPIC_API_KEY;
  const hit = { time: "2026-11-24T10:00:01.000Z", bottle: "web", kind: "dns", client: "192.168.1.3", host: "x.test", decision: "refused", rule: "canary", canary: "ANTHROPIC_API_KEY" };
  const { writeFileSync } = await import("node:fs");
  writeFileSync(join(world.home, "bottles/web/bundle/audit.jsonl"), `${JSON.stringify(hit)}\n${JSON.stringify({ ...hit, rule: "dns-sink", canary: undefined })}\n${JSON.stringify(hit)}\n`);
  const text = await world.cli(["credentials", "web"]);
  expect(text.stdout).toBe(`ANTHROPIC_API_KEY\n  hosts:    api.anthropic.com\n  header:   x-api-key\n  from:     env HOST_ANTHROPIC_KEY\n  sentinel: ${sentinel}\n  canary hits: 2\n`);
  const listed = JSON.parse((await world.cli(["credentials", "web", "--json"])).stdout);
  expect(listed).toEqual([{ name: "ANTHROPIC_API_KEY", hosts: ["api.anthropic.com"], header: "x-api-key", schemes: [], from: "env HOST_ANTHROPIC_KEY", sentinel, canaryHits: 2 }]);
  expect(text.stdout + JSON.stringify(listed)).not.toContain(REAL);
  await world.cli(["down", "web"]);
});

test("preflight says which credential source is missing, with the fix, and passes once it is there", async () => {
  const world = fakeWorld({ smolvm: "1.9.3", manifest: manifest() });
  const failed = await world.cli(["preflight", "--json"]);
  expect(failed.code).toBe(69);
  expect(JSON.parse(failed.stdout).findings).toContainEqual({ code: "CREDENTIAL_UNSET", level: "fail", message: "credential ANTHROPIC_API_KEY: HOST_ANTHROPIC_KEY is not set on the host", fix: "export HOST_ANTHROPIC_KEY=… before claude-bottle up" });
  const passed = await world.cli(["preflight", "--json"], { env: { HOST_ANTHROPIC_KEY: REAL } });
  expect(passed.stdout).toContain("credentials readable: ANTHROPIC_API_KEY");
  expect(passed.stdout).not.toContain(REAL);
});

test("upstream_proxy with a user and password: only bundle/credentials.json holds them; plan, state, bundle.json, argv never", async () => {
  const password = "Pr0xy-S3cret-pa55";
  const proxied = `${manifest("docker")}`.replace("[egress]\n", `[egress]\nupstream_proxy = "http://corp%2Duser:${password}@proxy.corp.test:3128"\n`);
  const world = fakeWorld({ smolvm: "1.9.3", manifest: proxied, env: { HOST_ANTHROPIC_KEY: REAL } });
  const plan = await world.cli(["plan", "--json"]);
  const inspection = JSON.parse(plan.stdout).bundle.inspection;
  expect([inspection.upstreamProxy, inspection.upstreamProxyAuth]).toEqual(["http://proxy.corp.test:3128", true]);
  const up = await world.cli(["up", "--detach"]);
  expect(up.stderr).toContain('bottle "web" is up');
  const dir = join(world.home, "bottles/web");
  const material = join(dir, "bundle/credentials.json");
  const basic = `Basic ${Buffer.from(`corp-user:${password}`).toString("base64")}`;
  expect(JSON.parse(readFileSync(material, "utf8")).upstreamProxyAuthorization).toBe(basic);
  expect(JSON.parse(readFileSync(join(dir, "bundle/bundle.json"), "utf8")).upstreamProxy).toBe("http://proxy.corp.test:3128");
  for (const secret of [password, basic.slice(6)]) {
    expect(filesUnder(dir).filter((file) => readFileSync(file, "latin1").includes(secret))).toEqual(secret === password ? [] : [material]);
    expect(JSON.stringify(world.calls()) + plan.stdout + up.stdout + up.stderr).not.toContain(secret);
  }
  await world.cli(["down", "web"]);
  const refused = fakeWorld({ smolvm: "1.9.3", manifest: proxied.replace("http://corp", "socks5://corp") });
  const error = await refused.cli(["plan"]);
  expect(error.code).toBe(78);
  expect(error.stderr).toContain('egress.upstream_proxy: "socks5://***@proxy.corp.test:3128" must be an http:// or https:// proxy');
  expect(error.stderr).not.toContain(password);
});
