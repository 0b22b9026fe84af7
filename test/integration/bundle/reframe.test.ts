/**
 * One request in, one request out: whatever body framing the client uses, the stand-in upstream
 * sees exactly the requests the audit recorded, each with its body as a body. A request hidden
 * in a body (the GET-with-chunked-body smuggle) would show up upstream as an extra request.
 */
import { expect, test } from "bun:test";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { startBundle, rawExchange, STAND_IN } from "../../helpers/bundle.ts";

const HIDDEN = "GET /hidden HTTP/1.1\r\nHost: up.test\r\n\r\n";

/** An HTTP server that records every request it parses, with its body. */
async function recordingUpstream(): Promise<{ port: number; seen: { method: string; url: string; body: string }[]; close: () => void }> {
  const seen: { method: string; url: string; body: string }[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    let body = "";
    req.setEncoding("latin1");
    req.on("data", (chunk: string) => (body += chunk));
    req.on("end", () => {
      seen.push({ method: req.method ?? "?", url: req.url ?? "?", body });
      res.end("ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { port: (server.address() as AddressInfo).port, seen, close: () => server.closeAllConnections() };
}

function request(method: string, path: string, port: number, framing: string, body: string): string {
  const head = `${method} http://up.test:${port}${path} HTTP/1.1\r\nHost: up.test:${port}\r\n${framing}`;
  return `${head}\r\n${body}`;
}

const chunked = (text: string) => `${Buffer.byteLength(text).toString(16)}\r\n${text}\r\n0\r\n\r\n`;

test("bodies are re-framed: the upstream sees exactly the audited requests, never a hidden one", async () => {
  const upstream = await recordingUpstream();
  const bundle = await startBundle([`up.test:${upstream.port}`], { resolve: async () => [STAND_IN] });
  const p = upstream.port;
  const close = "Connection: close\r\n";
  const exchanges: [string, number][] = [
    [request("GET", "/chunked-get", p, `Transfer-Encoding: chunked\r\n${close}`, chunked(HIDDEN)), 1],
    [request("GET", "/length-get", p, `Content-Length: ${HIDDEN.length}\r\n${close}`, HIDDEN), 1],
    [request("POST", "/chunked-post", p, `Transfer-Encoding: chunked\r\n${close}`, chunked(HIDDEN)), 1],
    [request("DELETE", "/plain", p, close, ""), 1],
    // Two on one keep-alive connection, each with a body that looks like a request.
    [request("PUT", "/first", p, `Content-Length: ${HIDDEN.length}\r\n`, HIDDEN) + request("GET", "/second", p, `Transfer-Encoding: chunked\r\n${close}`, chunked(HIDDEN)), 2],
  ];
  for (const [exchange, responses] of exchanges) {
    const answer = await rawExchange(bundle.ports.proxy, exchange);
    expect(answer.match(/HTTP\/1\.1 200/g)?.length).toBe(responses);
  }
  await bundle.audit.flushed();
  const audited = readFileSync(join(bundle.dir, "audit.jsonl"), "utf8").trim().split("\n").map((line) => JSON.parse(line));
  const allowed = audited.filter((event) => event.kind === "http" && event.decision === "allow").map((event) => `${event.method} ${event.path}`);
  expect(upstream.seen.map((r) => `${r.method} ${r.url}`).sort()).toEqual(allowed.sort());
  expect(upstream.seen.map((r) => r.url).sort()).toEqual(["/chunked-get", "/chunked-post", "/first", "/length-get", "/plain", "/second"]);
  for (const seen of upstream.seen) expect(seen.body).toBe(seen.url === "/plain" ? "" : HIDDEN);
  upstream.close();
});

test("a transfer coding other than chunked is refused and audited, and nothing reaches the upstream", async () => {
  const upstream = await recordingUpstream();
  const bundle = await startBundle([`up.test:${upstream.port}`], { resolve: async () => [STAND_IN] });
  for (const coding of ["gzip, chunked", "chunked, identity", "identity"]) {
    const answer = await rawExchange(bundle.ports.proxy, request("POST", "/x", upstream.port, `Transfer-Encoding: ${coding}\r\nConnection: close\r\n`, chunked(HIDDEN)));
    expect(answer).toMatch(/^HTTP\/1\.1 (400|501)/);
  }
  // Content-Length and Transfer-Encoding together: refused before any decision.
  const both = await rawExchange(bundle.ports.proxy, request("POST", "/y", upstream.port, `Content-Length: 5\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n`, chunked(HIDDEN)));
  expect(both).toStartWith("HTTP/1.1 400");
  expect(upstream.seen).toEqual([]);
  await bundle.audit.flushed();
  const audit = readFileSync(join(bundle.dir, "audit.jsonl"), "utf8");
  expect(audit).toContain('"rule":"request-framing","reason":"Transfer-Encoding \\"gzip, chunked\\" (only chunked is forwarded)"');
  upstream.close();
});
