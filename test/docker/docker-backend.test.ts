/**
 * The docker backend's isolation on a real engine: from inside the agent container the bundle
 * answers, and a direct connection to anything else fails — the host's own addresses (a server
 * this test runs on the host) and a server in another container of the test's own. A broken
 * isolation shows up as a hit on those servers, never as traffic leaving the machine.
 */
import { afterAll, afterEach, beforeAll, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { connect, createServer, type AddressInfo, type Server } from "node:net";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCli, tempDir } from "../helpers/cli.ts";
import { cleanHome, cleanupDocker, docker, requireDocker, sharedBundleImage, trackNetwork, TEST_LABEL, shInContainer as inAgent } from "../helpers/docker.ts";
import { compileLinuxBinary } from "../helpers/spawn.ts";
import { standInAgentImage } from "../helpers/agent-images.ts";
import { nodeRunner } from "../../src/runtime/node-runner.ts";
import { nodeFs } from "../../src/runtime/node-fs.ts";
import { httpProbe } from "../../src/runtime/http-probe.ts";

const run = `${process.pid}-${Date.now().toString(36)}`;
const AGENT = `claude-bottle-busybox:test-${run}`;
const OTHER_NET = `cb-test-other-${run}`;
const OTHER = `cb-test-other-${run}`;
// A /24 of its own per run: concurrent runs on one engine must not ask for the same subnet.
// A name per run: the subnet follows the name's hash, and concurrent runs on one engine would
// race for the same /24 between planning and creating it.
const NAME = `iso${process.pid % 100_000}`;
const OTHER_SUBNET = `10.213.${process.pid % 200 + 20}`;
let bundleImage = "";
let hostServer: Server;
let hostHits = 0;
const homes: string[] = [];

beforeAll(async () => {
  requireDocker();
  bundleImage = sharedBundleImage(compileLinuxBinary);
  standInAgentImage(AGENT); // passes preflight's image checks; busybox has nc for the probes
  hostServer = createServer((socket) => {
    hostHits++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => hostServer.listen(0, "0.0.0.0", () => resolve()));
  trackNetwork(OTHER_NET);
  expect(docker(["network", "create", "--label", TEST_LABEL, "--subnet", `${OTHER_SUBNET}.0/24`, OTHER_NET]).code).toBe(0);
  const other = docker(["run", "-d", "--name", OTHER, "--label", TEST_LABEL, "--network", OTHER_NET, "--ip", `${OTHER_SUBNET}.9`, AGENT, "sh", "-c", "while :; do nc -l -p 8080 >> /tmp/hits; echo hit >> /tmp/hits; done"]);
  expect(other.code).toBe(0);
}, 240_000);

afterEach(() => {
  for (const home of homes.splice(0)) cleanHome(home);
});

afterAll(() => {
  docker(["rm", "-f", OTHER]);
  hostServer?.close();
  cleanupDocker();
});

test("the agent reaches its bundle and nothing else; the container is hardened; down removes it all", async () => {
  const dir = tempDir("dockerbk");
  const home = join(dir, "home");
  homes.push(home);
  mkdirSync(join(dir, "p"));
  writeFileSync(join(dir, "p/bottle.toml"), `name = "${NAME}"\nbackend = "docker"\n[agent]\nimage = "${AGENT}"\n[bundle]\nimage = "${bundleImage}"\n`);
  const env = { PATH: process.env["PATH"] ?? "" };
  const cli = (args: string[]) => runCli(["--home", home, ...args], { cwd: join(dir, "p"), env, runner: nodeRunner(env), fs: nodeFs, http: httpProbe, user: { uid: process.getuid!(), gid: process.getgid!() } });

  const up = await cli(["up", "--detach"]);
  expect(up.stderr).toContain("isolation: container");
  expect({ code: up.code, stderr: up.code === 0 ? "" : up.stderr }).toEqual({ code: 0, stderr: "" }); // a failure shows why
  const plan = JSON.parse(readFileSync(join(home, "bottles", NAME, "state.json"), "utf8")).plan;
  const agent = plan.agent.agentContainer.name;
  const port = (hostServer.address() as AddressInfo).port;

  // The bundle answers: supervise and a policy decision from the proxy.
  expect(inAgent(agent, `printf 'GET /healthz HTTP/1.0\\r\\n\\r\\n' | nc -w 5 ${plan.bundleIp} 8890`).out).toContain("200 OK");
  expect(inAgent(agent, `printf 'CONNECT blocked.example.com:443 HTTP/1.1\\r\\n\\r\\n' | nc -w 5 ${plan.bundleIp} 8888`).out).toContain("403 Forbidden");

  // Nothing else: the host by every address it has, and another container.
  const hostAddresses = [plan.bundleGateway, plan.bundle.egressNetwork.bundleIp.replace(/\.2$/, ".1"), "172.17.0.1", ...spawnSync("sh", ["-c", "ip -4 -o addr show scope global | awk '{print $4}' | cut -d/ -f1"], { encoding: "utf8" }).stdout.split("\n").filter(Boolean)];
  for (const address of new Set(hostAddresses)) {
    expect(inAgent(agent, `echo probe | nc -w 2 ${address} ${port}`).code).not.toBe(0);
  }
  expect(inAgent(agent, `echo probe | nc -w 2 ${OTHER_SUBNET}.9 8080`).code).not.toBe(0);
  expect(hostHits).toBe(0);
  expect(inAgent(OTHER, "cat /tmp/hits 2>/dev/null").out).toBe("");

  // Controls: both servers do answer when reached from where they should be.
  await new Promise<void>((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => socket.end());
    socket.on("close", () => resolve());
    socket.on("error", reject);
  });
  expect(docker(["run", "--rm", "--network", OTHER_NET, AGENT, "sh", "-c", `echo probe | nc -w 2 ${OTHER_SUBNET}.9 8080`]).code).toBe(0);
  expect(hostHits).toBe(1);

  // Hardening as the plan says: not root, read-only root, writable workspace, CA mounted.
  expect(inAgent(agent, "id -u").out.trim()).toBe("1000");
  expect(inAgent(agent, "touch /etc/x").code).not.toBe(0);
  expect(inAgent(agent, "touch /workspace/x && echo ok").out.trim()).toBe("ok");
  expect(inAgent(agent, "cat /etc/claude-bottle/bundle-ca.crt").out).toContain("BEGIN CERTIFICATE");
  const hostConfig = JSON.parse(docker(["inspect", agent]).stdout)[0].HostConfig;
  // The manifest's [agent] cpus/memory (defaults 2 and 4096 MiB) as the container's limits.
  expect(hostConfig).toMatchObject({ NanoCpus: 2e9, Memory: 4096 * 2 ** 20, MemorySwap: 4096 * 2 ** 20, PidsLimit: 4096 });
  expect(hostConfig.Tmpfs).toEqual({
    "/tmp": "rw,nosuid,nodev,size=1024m",
    "/workspace": "rw,exec,nosuid,nodev,uid=1000,gid=1000,mode=0700,size=2048m",
    "/home/agent": "rw,nosuid,nodev,uid=1000,gid=1000,mode=0700,size=512m",
  });
  // The agent's own home, not the clone: ~/.claude and ~/.claude.json stay out of /workspace.
  expect(inAgent(agent, 'echo "$HOME $(pwd)" && touch ~/.claude.json && ls -A /workspace').out).toBe("/home/agent /workspace\nx\n");
  expect(hostConfig).toMatchObject({ ReadonlyRootfs: true, CapDrop: ["ALL"], SecurityOpt: ["no-new-privileges"] });
  // Both containers' docker logs are capped: an agent printing without end fills no disk.
  for (const name of [agent, plan.bundle.containerName]) {
    expect(JSON.parse(docker(["inspect", name]).stdout)[0].HostConfig.LogConfig).toEqual({ Type: "json-file", Config: { "max-file": "3", "max-size": "10m" } });
  }

  // A hostile agent writes terminal escapes to its console; logs shows them escaped.
  expect(inAgent(agent, "printf 'hostile\\033]52;c;ZXZpbA==\\007\\033[2J\\302\\233end\\n' > /proc/1/fd/1").code).toBe(0);
  const logs = await cli(["logs", NAME]);
  expect(logs.code).toBe(0);
  expect(logs.stdout).toContain("hostile\\x1b]52;c;ZXZpbA==\\x07\\x1b[2J\\x9bend\n");
  expect(logs.stdout).not.toMatch(/[\u001b\u0007\u009b]/);

  expect((await cli(["exec", NAME, "--", "sh", "-c", "exit 4"])).code).toBe(4);
  expect((await cli(["down", NAME])).code).toBe(0);
  for (const name of [agent, plan.bundle.containerName]) expect(docker(["inspect", name]).code).not.toBe(0);
  for (const name of [plan.bundle.networkName, plan.bundle.egressNetwork.networkName]) expect(docker(["network", "inspect", name]).code).not.toBe(0);
}, 180_000);
