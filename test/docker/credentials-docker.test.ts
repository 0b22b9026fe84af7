/**
 * Issue 11's "done when", on a real engine: a docker-backend bottle with
 * [credentials.ANTHROPIC_API_KEY] from_env. curl in the agent container sends the sentinel; the
 * test's own upstream (own CA, a .test name) sees the real key, reached through the test's own
 * corporate-style proxy (upstream_proxy + upstream_ca). The guest never holds the real value
 * (env, files, docker inspect); a canary is refused and `logs` shows it first.
 */
import { afterAll, afterEach, beforeAll, expect, test } from "bun:test";
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, watch, writeFileSync } from "node:fs";
import { createServer as createHttpServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { dirname, join } from "node:path";
import { runCli, tempDir } from "../helpers/cli.ts";
import { cleanHome, cleanupDocker, docker, requireDocker, sharedBundleImage } from "../helpers/docker.ts";
import { standInAgentImage } from "../helpers/agent-images.ts";
import { compileLinuxBinary } from "../helpers/spawn.ts";
import { recordingUpstream, spliceTunnel } from "../helpers/terminator.ts";
import { nodeRunner } from "../../src/runtime/node-runner.ts";
import { nodeFs } from "../../src/runtime/node-fs.ts";
import { httpProbe } from "../../src/runtime/http-probe.ts";

const run = `${process.pid}-${Date.now().toString(36)}`;
// A name per run: the subnet follows the name's hash; concurrent runs on one engine would race for it.
const NAME = `creds${process.pid % 100_000}`;
const AGENT = `claude-bottle-curl:test-${run}`;
const REAL = `sk-ant-api03-${"Dk3r".repeat(23)}AA`;
const PROXY_PASSWORD = "C0rp-pr0xy-pa55word";
const PROXY_AUTH = `Basic ${Buffer.from(`corp-user:${PROXY_PASSWORD}`).toString("base64")}`;
let bundleImage = "";
let corporate: Server;
const homes: string[] = [];
const tunnels: Duplex[] = [];

/**
 * The corporate proxy, on every host address: each CONNECT with the right Proxy-Authorization goes
 * to the test's upstream on loopback; one without it gets a 407.
 */
async function corporateProxy(upstreamPort: number, asked: string[]): Promise<number> {
  corporate = createHttpServer();
  corporate.on("connect", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    tunnels.push(socket);
    if (req.headers["proxy-authorization"] !== PROXY_AUTH) return void socket.end("HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n");
    asked.push(req.url ?? "");
    spliceTunnel(socket, head, upstreamPort);
  });
  return new Promise((resolve) => corporate.listen(0, "0.0.0.0", () => resolve((corporate.address() as AddressInfo).port)));
}

beforeAll(() => {
  requireDocker();
  bundleImage = sharedBundleImage(compileLinuxBinary);
  standInAgentImage(AGENT, { binaries: ["/usr/bin/curl"] }); // passes preflight's agent image checks
}, 240_000);

afterEach(() => {
  for (const home of homes.splice(0)) cleanHome(home);
});

afterAll(() => {
  for (const socket of tunnels) socket.destroy();
  corporate?.close();
  cleanupDocker();
});

/** Resolves once `file` holds `text`: the bundle appends its audit after it answered. */
function auditHolds(file: string, text: string): Promise<void> {
  const holds = () => existsSync(file) && readFileSync(file, "utf8").includes(text);
  if (holds()) return Promise.resolve();
  return new Promise((resolve) => {
    const watcher = watch(dirname(file), () => {
      if (!holds()) return;
      watcher.close();
      resolve();
    });
  });
}

/** Asynchronously: the upstream and the corporate proxy live in this process and must keep serving. */
function inAgent(container: string, script: string): Promise<{ code: number; out: string }> {
  return new Promise((done) => {
    execFile("docker", ["exec", container, "sh", "-c", script], (error, stdout, stderr) => done({ code: error ? Number(error.code ?? 1) : 0, out: stdout + stderr }));
  });
}

test("curl in a docker bottle sends the sentinel; the upstream gets the real key; the guest never holds it", async () => {
  const upstream = await recordingUpstream("api.anthropic.test");
  const asked: string[] = [];
  const proxyPort = await corporateProxy(upstream.port, asked);
  const dir = tempDir("credsdk");
  const home = join(dir, "home");
  homes.push(home);
  mkdirSync(join(dir, "p"));
  writeFileSync(join(dir, "p/corp-ca.pem"), upstream.caPem);
  writeFileSync(join(dir, "p/bottle.toml"), `name = "${NAME}"
backend = "docker"
[agent]
image = "${AGENT}"
[bundle]
image = "${bundleImage}"
[egress]
upstream_proxy = "http://corp-user:${PROXY_PASSWORD}@172.17.0.1:${proxyPort}"
upstream_ca = ["corp-ca.pem"]
[credentials.ANTHROPIC_API_KEY]
from_env = "HOST_KEY"
hosts = ["api.anthropic.test"]
`);
  const env = { PATH: process.env["PATH"] ?? "", HOST_KEY: REAL };
  const cli = (args: string[]) => runCli(["--home", home, ...args], { cwd: join(dir, "p"), env, runner: nodeRunner(env), fs: nodeFs, http: httpProbe, user: { uid: process.getuid!(), gid: process.getgid!() } });
  const up = await cli(["up", "--detach"]);
  expect(up.stderr).toContain(`bottle "${NAME}" is up`);
  const plan = JSON.parse(readFileSync(join(home, `bottles/${NAME}/state.json`), "utf8")).plan;
  const agent = plan.agent.agentContainer.name;
  const sentinel: string = plan.env.ANTHROPIC_API_KEY;

  const ok = await inAgent(agent, `curl -sS --max-time 30 --cacert /etc/claude-bottle/bundle-ca.crt -H "x-api-key: $ANTHROPIC_API_KEY" https://api.anthropic.test/v1/messages?beta=true`);
  expect(JSON.parse(ok.out).url).toBe("/v1/messages?beta=true");
  expect(upstream.seen.map((seen) => seen.headers["x-api-key"])).toEqual([REAL]);
  expect(asked).toEqual(["api.anthropic.test:443"]);

  // The guest: its environment, its files, and what docker shows of both containers.
  expect((await inAgent(agent, "env")).out).toContain(`ANTHROPIC_API_KEY=${sentinel}`);
  expect((await inAgent(agent, `grep -rl "${REAL.slice(13, 40)}" /etc /tmp /workspace /bin /usr 2>/dev/null; echo done`)).out.trim()).toBe("done");
  for (const name of [agent, plan.bundle.containerName]) {
    for (const secret of [REAL, PROXY_PASSWORD, PROXY_AUTH.slice(6)]) expect(docker(["inspect", name]).stdout).not.toContain(secret);
  }
  expect(docker(["inspect", agent]).stdout).toContain(sentinel);

  // A canary: the sentinel in a URL is refused before anything leaves; logs shows it first.
  const canary = await inAgent(agent, `curl -sS --max-time 30 -o /dev/null -w "%{http_code}" --cacert /etc/claude-bottle/bundle-ca.crt "https://api.anthropic.test/leak?k=$ANTHROPIC_API_KEY"`);
  expect(canary.out).toBe("403");
  expect(upstream.seen).toHaveLength(1);
  await auditHolds(join(home, `bottles/${NAME}/bundle/audit.jsonl`), '"canary":"ANTHROPIC_API_KEY"');
  const logs = await cli(["logs", NAME]);
  expect(logs.stdout).toStartWith("== canary hits and DLP findings ==\n");
  expect(logs.stdout.split("\n")[1]).toContain("GET api.anthropic.test:443/leak [canary] 403 CANARY ANTHROPIC_API_KEY");
  expect(logs.stdout).not.toContain(REAL);
  // The proxy's password: nowhere in the plan, state.json, bundle.json, audit or logs; in the 0600 material only.
  const bottleDir = join(home, `bottles/${NAME}`);
  const planOut = (await cli(["plan", "--json"])).stdout;
  for (const file of ["state.json", "bundle/bundle.json", "bundle/audit.jsonl"]) {
    const text = readFileSync(join(bottleDir, file), "utf8") + planOut + logs.stdout;
    for (const secret of [PROXY_PASSWORD, PROXY_AUTH.slice(6)]) expect(text).not.toContain(secret);
  }
  expect(readFileSync(join(bottleDir, "bundle/credentials.json"), "utf8")).toContain(PROXY_AUTH);

  expect((await cli(["down", NAME])).code).toBe(0);
}, 240_000);
