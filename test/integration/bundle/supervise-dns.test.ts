/** Supervise (health, status, events, approvals) and the DNS sink, on loopback. */
import { nodeFs } from "../../../src/runtime/node-fs.ts";
import { expect, test } from "bun:test";
import { createSocket } from "node:dgram";
import { connect } from "node:net";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startBundle, rawExchange, tunnel, STAND_IN } from "../../helpers/bundle.ts";
import { echoServer } from "../../helpers/servers.ts";
import { tempDir } from "../../helpers/cli.ts";
import { dnsQuery } from "../../helpers/dns.ts";

test("health and status are open; events, requests and approvals need the host's token", async () => {
  const bundle = await startBundle(["api.example.com"]);
  expect(await bundle.supervise("GET", "/healthz", undefined, "")).toEqual({ status: 200, body: "ok\n" });
  const status = JSON.parse((await bundle.supervise("GET", "/status", undefined, "")).body);
  expect(status).toMatchObject({ bottle: "test", allow: [{ rule: "api.example.com", origin: "manifest" }] });
  for (const [method, path] of [["GET", "/events"], ["GET", "/requests"], ["POST", "/allow"], ["POST", "/deny"]]) {
    expect((await bundle.supervise(method!, path!, method === "GET" ? undefined : {}, "wrong-token")).status).toBe(401);
  }
});

test("approval round trip: blocked, asked, allowed once by the host, used, blocked again", async () => {
  const port = await echoServer();
  const bundle = await startBundle([], { resolve: async () => [STAND_IN] });
  const target = `svc.example.com:${port}`;
  expect(await rawExchange(bundle.ports.proxy, `CONNECT ${target} HTTP/1.1\r\n\r\n`)).toStartWith("HTTP/1.1 403");
  const asked = await bundle.supervise("POST", "/requests", { host: "svc.example.com", port, reason: "run the tests" }, "");
  expect(asked.status).toBe(202);
  const pending = JSON.parse((await bundle.supervise("GET", "/requests")).body);
  expect(pending).toMatchObject([{ host: "svc.example.com", port, reason: "run the tests", status: "pending" }]);
  expect((await bundle.supervise("POST", "/allow", { rule: target, mode: "once" })).status).toBe(200);
  const socket = await tunnel(bundle.ports.proxy, target);
  socket.destroy();
  expect(JSON.parse((await bundle.supervise("GET", "/requests")).body)[0].status).toBe("allowed");
  expect(await rawExchange(bundle.ports.proxy, `CONNECT ${target} HTTP/1.1\r\n\r\n`)).toStartWith("HTTP/1.1 403");
});

test("--always persists; revoking does not cut an open tunnel (hot reload)", async () => {
  const port = await echoServer();
  const bundle = await startBundle([]);
  await bundle.supervise("POST", "/allow", { rule: `${STAND_IN}/32`, mode: "always" });
  expect(JSON.parse(readFileSync(join(bundle.dir, "approved.json"), "utf8"))).toEqual([`${STAND_IN}/32`]);
  const socket = await tunnel(bundle.ports.proxy, `${STAND_IN}:${port}`);
  await bundle.supervise("POST", "/deny", { target: `${STAND_IN}/32` });
  expect(await rawExchange(bundle.ports.proxy, `CONNECT ${STAND_IN}:${port} HTTP/1.1\r\n\r\n`)).toStartWith("HTTP/1.1 403");
  const echoed = await new Promise<string>((resolve) => {
    socket.once("data", (data) => resolve(String(data)));
    socket.resume();
    socket.write("still open");
  });
  expect(echoed).toBe("still open");
  socket.destroy();
});

test("events stream the audit lines as NDJSON", async () => {
  const bundle = await startBundle([]);
  await rawExchange(bundle.ports.proxy, "CONNECT blocked.example.com:443 HTTP/1.1\r\n\r\n");
  const response = await fetch(`http://127.0.0.1:${bundle.ports.supervise}/events`, { headers: { authorization: `Bearer ${bundle.token}` } });
  const reader = response.body!.getReader();
  const first = new TextDecoder().decode((await reader.read()).value);
  await reader.cancel();
  expect(JSON.parse(first.split("\n")[0]!)).toMatchObject({ kind: "connect", host: "blocked.example.com", decision: "deny", rule: "default-deny" });
});

test("the DNS sink answers REFUSED over UDP and TCP, and logs the name", async () => {
  const bundle = await startBundle([]);
  const udp = createSocket("udp4");
  const udpAnswer = await new Promise<Buffer>((resolve) => {
    udp.once("message", (message) => resolve(message));
    udp.send(dnsQuery("leak.via-dns.test"), bundle.ports.dns!, "127.0.0.1");
  });
  udp.close();
  expect([udpAnswer.readUInt16BE(0), udpAnswer[3]! & 0x0f]).toEqual([0xbeef, 5]);
  const query = dnsQuery("tcp.via-dns.test");
  const tcpAnswer = await new Promise<Buffer>((resolve) => {
    const socket = connect(bundle.ports.dns!, "127.0.0.1");
    socket.once("data", (data) => {
      resolve(data as Buffer);
      socket.destroy();
    });
    socket.write(Buffer.concat([Buffer.from([0, query.length]), query]));
  });
  expect(tcpAnswer.readUInt16BE(0)).toBe(tcpAnswer.length - 2);
  expect(tcpAnswer[2 + 3]! & 0x0f).toBe(5);
  const status = JSON.parse((await bundle.supervise("GET", "/status")).body);
  expect(status.counters.dnsRefused).toBe(2);
  await bundle.audit.flushed();
  expect(readFileSync(join(bundle.dir, "audit.jsonl"), "utf8")).toContain('"host":"leak.via-dns.test"');
});

test("a port in use is one clear error, and nothing is left listening", async () => {
  const { createServer } = await import("node:net");
  const { serveBundle } = await import("../../../src/bundle/serve/serve.ts");
  const holder = createServer().listen(0, "127.0.0.1");
  await new Promise((resolve) => holder.once("listening", resolve));
  const taken = (holder.address() as import("node:net").AddressInfo).port;
  const free = createServer().listen(0, "127.0.0.1");
  await new Promise((resolve) => free.once("listening", resolve));
  const supervisePort = (free.address() as import("node:net").AddressInfo).port;
  await new Promise((resolve) => free.close(resolve));
  const dir = tempDir("bundle-port");
  writeFileSync(join(dir, "supervise.token"), "t".repeat(64));
  writeFileSync(join(dir, "bundle.json"), JSON.stringify({ version: 1, bottle: "x", bundleIp: "127.0.0.1", subnet: "192.0.2.0/24", listen: "127.0.0.1", ports: { proxy: supervisePort, gitGate: 0, supervise: taken, dns: 0 }, allow: [] }));
  await expect(serveBundle(join(dir, "bundle.json"), { fs: nodeFs })).rejects.toThrow(`Cannot listen for supervise on 127.0.0.1:${taken}: EADDRINUSE`);
  // The proxy had bound before supervise failed: it must have been closed again.
  const again = createServer().listen(supervisePort, "127.0.0.1");
  await new Promise((resolve, reject) => {
    again.once("listening", resolve);
    again.once("error", reject);
  });
  await new Promise((resolve) => again.close(resolve));
  await new Promise((resolve) => holder.close(resolve));
});

test("/why explains a decision without resolving or dialling, for the agent and the host alike", async () => {
  const dialled: string[] = [];
  const resolved: string[] = [];
  const { Socket } = await import("node:net");
  const bundle = await startBundle(["api.example.com", "*.github.com:443", "10.9.0.0/16"], {
    resolve: async (name) => {
      resolved.push(name);
      return ["93.184.216.34"];
    },
    dial: (address, port) => {
      dialled.push(`${address}:${port}`);
      return new Socket();
    },
  });
  const ask = async (query: string) => JSON.parse((await bundle.supervise("GET", `/why?${query}`, undefined, "")).body);
  const note = "resolved only when a connection is made; refused then if every address is guarded or private";
  expect(await ask("host=api.example.com&port=443")).toEqual({ host: "api.example.com", port: 443, decision: "allow", rule: "api.example.com", origin: "manifest", resolves: true, note });
  expect(await ask("host=exfil-0a1b2c.github.com&port=443")).toMatchObject({ decision: "allow", rule: "*.github.com:443", resolves: true });
  expect(await ask("host=codeload.github.com&port=22")).toMatchObject({ decision: "deny", rule: "default-deny" });
  expect(await ask("host=169.254.169.254&port=80")).toMatchObject({ decision: "deny", rule: "ssrf-guard" });
  expect(await ask("host=10.9.8.7&port=5432")).toEqual({ host: "10.9.8.7", port: 5432, decision: "allow", rule: "10.9.0.0/16", origin: "manifest", address: "10.9.8.7" });
  expect(resolved).toEqual([]);
  expect(dialled).toEqual([]);
  expect((await bundle.supervise("GET", "/why?host=&port=1", undefined, "")).status).toBe(400);
});
