/**
 * A hostile agent in a real docker-backend bottle, one bottle for many probes. Every probe a
 * guard should stop is aimed at a server this test runs on the host (TCP and UDP, bound to
 * 0.0.0.0), so a broken guard shows up as a hit there, never as traffic leaving the machine.
 * Each probe asserts the refusal, and at the end the servers saw nothing.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { createSocket, type Socket as UdpSocket } from "node:dgram";
import { connect, createServer, type AddressInfo, type Server } from "node:net";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCli, tempDir } from "../helpers/cli.ts";
import { cleanHome, cleanupDocker, requireDocker, sharedBundleImage, shInContainer as inAgent } from "../helpers/docker.ts";
import { compileLinuxBinary } from "../helpers/spawn.ts";
import { standInAgentImage } from "../helpers/agent-images.ts";
import { nodeRunner } from "../../src/runtime/node-runner.ts";
import { nodeFs } from "../../src/runtime/node-fs.ts";
import { httpProbe } from "../../src/runtime/http-probe.ts";

const run = `${process.pid}-${Date.now().toString(36)}`;
const AGENT = `claude-bottle-hostile:test-${run}`;
const NAME = `red${process.pid % 100_000}`;
let bundleImage = "";
let tcpServer: Server;
let udpServer: UdpSocket;
let tcpHits = 0;
let udpHits = 0;
let home = "";

beforeAll(async () => {
  requireDocker();
  bundleImage = sharedBundleImage(compileLinuxBinary);
  standInAgentImage(AGENT); // busybox: sh, nc, nslookup, wget
  tcpServer = createServer((socket) => {
    tcpHits++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => tcpServer.listen(0, "0.0.0.0", () => resolve()));
  udpServer = createSocket("udp4");
  udpServer.on("message", () => udpHits++);
  await new Promise<void>((resolve) => udpServer.bind(0, "0.0.0.0", () => resolve()));
}, 240_000);

afterAll(() => {
  if (home) cleanHome(home);
  tcpServer?.close();
  udpServer?.close();
  cleanupDocker();
});

/** The first line the proxy answers to `request` (CRLFs written by printf in the agent). */
function proxyStatus(agent: string, bundleIp: string, request: string): string {
  const answer = inAgent(agent, `printf '${request}' | nc -w 5 ${bundleIp} 8888`).out;
  return answer.split("\r\n")[0] ?? "";
}

/** IPv4 `a.b.c.d` as one decimal number, as hex and as octal dotted quads. */
function spellings(address: string): string[] {
  const parts = address.split(".").map(Number);
  const number = parts.reduce((sum, part) => sum * 256 + part, 0);
  const octal = parts.map((part) => `0${part.toString(8)}`).join(".");
  return [address, `${address}.`, String(number), `0x${number.toString(16)}`, octal];
}

test("a hostile agent reaches nothing but its bundle and cannot talk the proxy or supervise round", async () => {
  const dir = tempDir("hostile");
  home = join(dir, "home");
  mkdirSync(join(dir, "p"));
  const manifest = `name = "${NAME}"\nbackend = "docker"\n[agent]\nimage = "${AGENT}"\n[bundle]\nimage = "${bundleImage}"\n`;
  writeFileSync(join(dir, "p/bottle.toml"), manifest);
  const env = { PATH: process.env["PATH"] ?? "" };
  const user = { uid: process.getuid!(), gid: process.getgid!() };
  const deps = { cwd: join(dir, "p"), env, runner: nodeRunner(env), fs: nodeFs, http: httpProbe, user };
  const cli = (args: string[]) => runCli(["--home", home, ...args], deps);
  const up = await cli(["up", "--detach"]);
  expect({ code: up.code, stderr: up.code === 0 ? "" : up.stderr }).toEqual({ code: 0, stderr: "" });
  const plan = JSON.parse(readFileSync(join(home, "bottles", NAME, "state.json"), "utf8")).plan;
  const agent: string = plan.agent.agentContainer.name;
  const bundleIp: string = plan.bundleIp;
  const tcp = (tcpServer.address() as AddressInfo).port;
  const udp = (udpServer.address() as AddressInfo).port;
  const globalAddresses = "ip -4 -o addr show scope global | awk '{print $4}' | cut -d/ -f1";
  const local = spawnSync("sh", ["-c", globalAddresses], { encoding: "utf8" });
  const hostAddresses = [...new Set([plan.bundleGateway, "172.17.0.1", ...local.stdout.split("\n").filter(Boolean)])];

  // No docker socket, no global IPv6 address or route.
  expect(inAgent(agent, "test -S /var/run/docker.sock || test -S /run/docker.sock").code).not.toBe(0);
  expect(inAgent(agent, "cat /proc/net/if_inet6 2>/dev/null | awk '$4 == \"00\"'").out.trim()).toBe("");
  expect(inAgent(agent, "ip -6 route show default 2>/dev/null").out.trim()).toBe("");

  // DNS to any resolver but the bundle: the host's UDP server hears nothing. The bundle's sink refuses.
  for (const address of hostAddresses) inAgent(agent, `nslookup -timeout=2 -retry=1 leak.test ${address}:${udp}`);
  expect(inAgent(agent, `nslookup -timeout=2 -retry=1 leak.test ${bundleIp}`).code).not.toBe(0);

  // The proxy: CONNECT and absolute-URL to the host and loopback: dotted, trailing dot, decimal, hex, octal.
  for (const address of [...hostAddresses, "127.0.0.1"].flatMap(spellings)) {
    const refused = [address, expect.stringMatching(/^HTTP\/1\.1 (403|400)/)];
    expect([address, proxyStatus(agent, bundleIp, `CONNECT ${address}:${tcp} HTTP/1.1\\r\\n\\r\\n`)]).toEqual(refused);
    const get = `GET http://${address}:${tcp}/ HTTP/1.1\\r\\nHost: ${address}\\r\\nConnection: close\\r\\n\\r\\n`;
    expect([address, proxyStatus(agent, bundleIp, get)]).toEqual(refused);
  }
  // Smuggling: CL+TE, a duplicate Content-Length, an obsolete line fold: refused before any dial.
  const gw = plan.bundleGateway;
  for (const head of [
    `POST http://${gw}:${tcp}/ HTTP/1.1\\r\\nHost: x.test\\r\\nContent-Length: 4\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n0\\r\\n\\r\\n`,
    `POST http://${gw}:${tcp}/ HTTP/1.1\\r\\nHost: x.test\\r\\nContent-Length: 1\\r\\nContent-Length: 2\\r\\n\\r\\nab`,
    `GET http://${gw}:${tcp}/ HTTP/1.1\\r\\nHost: x.test\\r\\nX-A: a\\r\\n b\\r\\n\\r\\n`,
  ]) expect(proxyStatus(agent, bundleIp, head)).toStartWith("HTTP/1.1 400");

  // Supervise: the host-only endpoints refuse the agent; a forged approval opens nothing.
  for (const [method, path] of [["POST", "/allow"], ["POST", "/deny"], ["GET", "/events"], ["GET", "/requests"]]) {
    const body = '{"rule":"0.0.0.0/0","force":true}';
    const head = `${method} ${path} HTTP/1.1\\r\\nHost: x\\r\\nAuthorization: Bearer forged\\r\\nConnection: close`;
    const request = `${head}\\r\\nContent-Length: ${body.length}\\r\\n\\r\\n${body}`;
    const answer = inAgent(agent, `printf '${request}' | nc -w 5 ${bundleIp} 8890`).out.split("\r\n")[0];
    expect([path, answer]).toEqual([path, "HTTP/1.1 401 Unauthorized"]);
  }
  expect(proxyStatus(agent, bundleIp, `CONNECT ${gw}:${tcp} HTTP/1.1\\r\\n\\r\\n`)).toStartWith("HTTP/1.1 403");

  // A request for a host with terminal escapes in its reason is taken (the host CLI shows it escaped:
  // test/unit/core/terminal-safe.test.ts); one with escapes in the host name is refused.
  const reason = "\\\\u001b]52;c;ZXZpbA==\\\\u0007\\302\\233\\342\\200\\256evil\\342\\200\\213 ok";
  const body = (host: string) => `$(printf '{"host":"${host}","reason":"${reason}"}')`;
  const ask = (host: string) => `wget -Y off -q -O - --post-data "${body(host)}" http://${bundleIp}:8890/requests`;
  expect(inAgent(agent, ask("pkgs.test")).out).toContain('"status":"pending"');
  expect(inAgent(agent, ask("\\\\u001b[2Jx.test")).out).toContain("400 Bad Request");

  // Controls from the host, after every probe: each server answers, and (first in, first out) a
  // probe that had reached it while docker exec held this process would be counted by now.
  const sender = createSocket("udp4");
  await new Promise<void>((resolve) => {
    udpServer.once("message", () => resolve());
    sender.send("control", udp, "127.0.0.1");
  });
  sender.close();
  await new Promise<void>((resolve, reject) => {
    connect(tcp, "127.0.0.1").on("close", () => resolve()).on("error", reject);
  });
  expect({ tcpHits, udpHits }).toEqual({ tcpHits: 1, udpHits: 1 });
  expect((await cli(["down", NAME])).code).toBe(0);
}, 240_000);
