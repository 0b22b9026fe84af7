/**
 * Guest trust for any image, on a real engine: a docker bottle whose image is not the default one
 * (a stand-in with busybox, curl, git, python and openssl, and only public roots) reaches
 * terminated hosts with curl, git, python and openssl and no CA flag at all — `up` combined the
 * image's own roots with the bottle CA into a read-only file the trust variables point at.
 * Every upstream is the test's own (own CAs, .test names), reached through the test's proxy.
 */
import { afterAll, afterEach, beforeAll, expect, test } from "bun:test";
import { execFile, execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { join } from "node:path";
import { runCli, tempDir } from "../helpers/cli.ts";
import { cleanHome, cleanupDocker, docker, requireDocker, sharedBundleImage, trackImage } from "../helpers/docker.ts";
import { standInAgentImage } from "../helpers/agent-images.ts";
import { compileLinuxBinary } from "../helpers/spawn.ts";
import { gitHttpsServer } from "../helpers/servers.ts";
import { recordingUpstream, spliceTunnel } from "../helpers/terminator.ts";
import { nodeRunner } from "../../src/runtime/node-runner.ts";
import { nodeFs } from "../../src/runtime/node-fs.ts";
import { httpProbe } from "../../src/runtime/http-probe.ts";

const run = `${process.pid}-${Date.now().toString(36)}`;
const AGENT = `claude-bottle-trust:test-${run}`;
let bundleImage = "";
let corporate: Server | undefined;
const homes: string[] = [];
const tunnels: Duplex[] = [];

/** The stand-in plus Python's standard library (copied from this host) in a layer of its own. */
function agentWithPython(tag: string): void {
  const base = standInAgentImage(`${tag}-base`, { binaries: ["/usr/bin/curl", "/usr/bin/openssl", "/usr/bin/python3.11"] });
  const container = `claude-bottle-trust-build-${run}`;
  docker(["create", "--name", container, base, "true"]);
  try {
    execFileSync("docker", ["cp", "/usr/lib/python3.11", `${container}:/usr/lib/python3.11`]);
    trackImage(tag);
    execFileSync("docker", ["commit", container, tag]);
  } finally {
    docker(["rm", "-f", container]);
  }
}

/** The test's proxy on every host address: a CONNECT to NAME:443 goes to `routes[NAME]` on loopback. */
function routingProxy(routes: Record<string, number>, asked: string[]): Promise<number> {
  const server = createHttpServer();
  corporate = server;
  server.on("connect", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    tunnels.push(socket);
    asked.push(req.url ?? "");
    const port = routes[(req.url ?? "").split(":")[0]!];
    if (port === undefined) return void socket.end("HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n");
    spliceTunnel(socket, head, port);
  });
  return new Promise((resolve) => server.listen(0, "0.0.0.0", () => resolve((server.address() as AddressInfo).port)));
}

beforeAll(() => {
  requireDocker();
  bundleImage = sharedBundleImage(compileLinuxBinary);
  agentWithPython(AGENT);
}, 300_000);

afterEach(() => {
  for (const home of homes.splice(0)) cleanHome(home);
});

afterAll(() => {
  for (const socket of tunnels) socket.destroy();
  corporate?.close();
  cleanupDocker();
});

function inAgent(container: string, script: string): Promise<{ code: number; out: string }> {
  return new Promise((done) => {
    execFile("docker", ["exec", container, "sh", "-c", script], (error, stdout, stderr) => done({ code: error ? Number(error.code ?? 1) : 0, out: stdout + stderr }));
  });
}

test("curl, git, python and openssl in a non-default image trust the bottle CA with no flag; the file is read-only", async () => {
  const api = await recordingUpstream("api.anthropic.test");
  const repos = tempDir("trust-git");
  execFileSync("git", ["init", "--quiet", "--bare", "--initial-branch=main", join(repos, "repo.git")]);
  execFileSync("git", ["-C", join(repos, "repo.git"), "symbolic-ref", "HEAD", "refs/heads/main"]);
  const gitServer = await gitHttpsServer("git.test", repos);
  const asked: string[] = [];
  const proxyPort = await routingProxy({ "api.anthropic.test": api.port, "git.test": gitServer.port }, asked);
  const dir = tempDir("trust");
  const home = join(dir, "home");
  homes.push(home);
  mkdirSync(join(dir, "p"));
  writeFileSync(join(dir, "p/api-ca.pem"), api.caPem);
  writeFileSync(join(dir, "p/git-ca.pem"), gitServer.caPem);
  writeFileSync(join(dir, "p/bottle.toml"), `name = "trust"
backend = "docker"
[agent]
image = "${AGENT}"
[bundle]
image = "${bundleImage}"
[egress]
allow = ["git.test"]
inspect = ["git.test"]
upstream_proxy = "http://172.17.0.1:${proxyPort}"
upstream_ca = ["api-ca.pem", "git-ca.pem"]
[credentials.ANTHROPIC_API_KEY]
from_env = "HOST_KEY"
hosts = ["api.anthropic.test"]
`);
  const env = { PATH: process.env["PATH"] ?? "", HOST_KEY: `sk-ant-api03-${"Tr5t".repeat(23)}AA` };
  const cli = (args: string[]) => runCli(["--home", home, ...args], { cwd: join(dir, "p"), env, runner: nodeRunner(env), fs: nodeFs, http: httpProbe, user: { uid: process.getuid!(), gid: process.getgid!() } });
  const up = await cli(["up", "--detach"]);
  expect(up.stderr).toContain('bottle "trust" is up');
  const plan = JSON.parse(readFileSync(join(home, "bottles/trust/state.json"), "utf8")).plan;
  const agent = plan.agent.agentContainer.name;

  const curl = await inAgent(agent, 'curl -sS --max-time 30 -H "x-api-key: $ANTHROPIC_API_KEY" https://api.anthropic.test/v1/curl');
  expect(JSON.parse(curl.out).url).toBe("/v1/curl");
  const git = await inAgent(agent, "git ls-remote https://git.test/repo.git && echo git-ok");
  expect(git.out.trim()).toBe("git-ok");
  const python = await inAgent(agent, 'python3.11 -c "import urllib.request; print(urllib.request.urlopen(\'https://api.anthropic.test/v1/python\').status)"');
  expect(python.out.trim()).toBe("200");
  const openssl = await inAgent(agent, `openssl s_client -proxy ${plan.bundleIp}:8888 -connect api.anthropic.test:443 -servername api.anthropic.test -verify_return_error </dev/null 2>&1 | grep "Verify return code"`);
  expect(openssl.out.trim()).toBe("Verify return code: 0 (ok)");
  expect(api.seen.map((seen) => seen.url)).toEqual(["/v1/curl", "/v1/python"]);
  expect(asked).toContain("git.test:443");

  // Without the variables the image's own roots alone do not know the bottle CA: curl fails to verify.
  const bare = await inAgent(agent, "env -u SSL_CERT_FILE -u CURL_CA_BUNDLE curl -sS --max-time 30 https://api.anthropic.test/v1/bare");
  expect(bare.code).toBe(60);
  // The combined file: the image's roots then the bottle CA, mounted read-only.
  const trust = (await inAgent(agent, "cat /etc/claude-bottle/ca-bundle.crt")).out;
  const ca = readFileSync(join(home, "bottles/trust/ca/ca.crt"), "utf8");
  expect(trust.endsWith(ca)).toBe(true);
  expect(trust.split("BEGIN CERTIFICATE").length).toBeGreaterThan(100);
  expect((await inAgent(agent, "echo x >> /etc/claude-bottle/ca-bundle.crt")).code).not.toBe(0);
  expect(docker(["ps", "--all", "--filter", `name=${agent}-roots`, "--format", "{{.Names}}"]).stdout.trim()).toBe("");

  expect((await cli(["down", "trust"])).code).toBe(0);
}, 300_000);
