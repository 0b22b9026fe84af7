/**
 * The egress proxy on :8888: absolute-URI HTTP requests (keep-alive, each request decided on its
 * own) and CONNECT tunnels to any TCP port the policy admits, streamed both ways with
 * half-close. Every decision is audited; denials are a 403 the agent can read.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import type { AuditEvent } from "./audit.ts";
import { decide, decideWithoutResolving, type Decision } from "./decide.ts";
import { nameRefusal, refusalFields, refuseConnect, requestHeadFinding, stoppedRefusal } from "./creds/proxy-gates.ts";
import { terminate } from "./tls/terminate.ts";
import { upstreamOpener, type OpenUpstream } from "./tls/upstream.ts";
import { denyBody } from "./deny-body.ts";
import { framingHeaders, requestFraming } from "./framing.ts";
import { dialer, type ProxyDeps } from "./proxy-deps.ts";
import { forward } from "./forward-request.ts";

export type { ProxyDeps, ProxyTimeouts } from "./proxy-deps.ts";

/** "host:port" of a CONNECT line, IPv6 in brackets; undefined when malformed. */
export function parseAuthority(authority: string): { host: string; port: number } | undefined {
  const match = /^(\[[0-9a-fA-F:.]+\]|[^:[\]\s/]+):(\d{1,5})$/.exec(authority);
  if (!match) return undefined;
  const port = Number(match[2]);
  return port >= 1 && port <= 65535 ? { host: match[1]!, port } : undefined;
}

/** With an upstream proxy a name is dialled by name: the operator's proxy resolves it, not the bundle. */
async function decideHere(deps: ProxyDeps, host: string, port: number): Promise<Decision> {
  if (!deps.upstreamProxy) return decide(host, port, deps.policy.active(), deps.resolve, deps.own);
  const verdict = decideWithoutResolving(host, port, deps.policy.active(), deps.own);
  return verdict.allowed === "if-resolved" ? { allowed: true, rule: verdict.rule, address: verdict.name } : verdict;
}

async function decideAndCount(deps: ProxyDeps, host: string, port: number): Promise<Decision> {
  const decision = await decideHere(deps, host, port);
  if (decision.allowed) {
    deps.policy.consume(decision.rule);
    deps.counters.allowed++;
  } else {
    deps.counters.denied++;
  }
  return decision;
}

const STATUS_TEXT: Record<number, string> = { 403: "Forbidden", 429: "Too Many Requests", 502: "Bad Gateway" };

function denial(deps: ProxyDeps, decision: Extract<Decision, { allowed: false }>, method: string, host: string, port: number): { status: number; body: string } {
  const status = decision.kind === "resolve" ? 502 : decision.kind === "limit" ? 429 : 403;
  return { status, body: denyBody({ bottle: deps.bottle, bundleIp: deps.bundleIp, supervisePort: deps.supervisePort, method, host, port, rule: decision.rule, reason: decision.reason }) };
}

/** Copies bytes one way with backpressure, passing the end (half-close) along. */
function relay(from: Duplex, to: Duplex): void {
  from.on("data", (chunk: Buffer) => {
    if (!to.write(chunk)) {
      from.pause();
      to.once("drain", () => from.resume());
    }
  });
  from.once("end", () => to.end());
}

type ConnectBase = Omit<AuditEvent, "decision" | "rule">;

async function onConnect(deps: ProxyDeps, req: IncomingMessage, client: Duplex, head: Buffer): Promise<void> {
  const started = Date.now();
  const clientAddress = req.socket.remoteAddress ?? "?";
  const target = parseAuthority(req.url ?? "");
  if (!target) {
    client.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
    return;
  }
  const base: ConnectBase = { time: new Date(started).toISOString(), bottle: deps.bottle, kind: "connect", client: clientAddress, method: "CONNECT", host: target.host, port: target.port };
  const gate = stoppedRefusal(deps.creds) ?? nameRefusal(deps.creds, req.url ?? "");
  if (gate) {
    refuseConnect(client, gate);
    deps.audit.write({ ...base, decision: "deny", ...refusalFields(gate) });
    return;
  }
  const decision = await decideAndCount(deps, target.host, target.port);
  if (!decision.allowed) {
    const { status, body } = denial(deps, decision, "CONNECT", target.host, target.port);
    client.end(`HTTP/1.1 ${status} ${STATUS_TEXT[status]}\r\nContent-Type: text/plain; charset=utf-8\r\nX-Claude-Bottle-Rule: ${decision.rule}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
    deps.audit.write({ ...base, decision: "deny", rule: decision.rule, reason: decision.reason, ...(decision.address ? { address: decision.address } : {}) });
    return;
  }
  if (deps.creds?.terminates(terminationName(target.host))) return terminated(deps, client, head, base, decision);
  tunnel(deps, client, head, base, decision);
}

/**
 * The name termination is decided by, as the policy read it (lowercase, no trailing dot):
 * "api.test." must not pass as an opaque tunnel where "api.test" is terminated.
 */
function terminationName(host: string): string {
  return host.toLowerCase().replace(/\.$/, "");
}

/** A CONNECT to a host with a credential or inspect rule: answered 200, then its TLS ends here. */
function terminated(deps: ProxyDeps, client: Duplex, head: Buffer, base: ConnectBase, decision: Extract<Decision, { allowed: true }>): void {
  const started = Date.parse(base.time);
  const rule = decision.rule.rule.source;
  let context: ReturnType<NonNullable<ProxyDeps["creds"]>["contextFor"]>;
  try {
    const host = terminationName(base.host);
    context = deps.creds!.contextFor({ host, port: base.port!, address: decision.address, rule, client: base.client });
  } catch (error) {
    // A wildcard-inspected name no leaf can carry: refused, never let through uninspected.
    const refusal = { status: 403, rule: "inspect-name", reason: (error as Error).message };
    refuseConnect(client, refusal);
    return deps.audit.write({ ...base, address: decision.address, decision: "deny", ...refusalFields(refusal) });
  }
  deps.counters.activeTunnels++;
  client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
  terminate(client, head, context);
  client.once("close", () => {
    deps.counters.activeTunnels--;
    deps.audit.write({ ...base, address: decision.address, decision: "allow", rule, reason: "terminated: each request is audited on its own", durationMs: Date.now() - started });
  });
}

type Allowed = Extract<Decision, { allowed: true }>;
type Finish = (outcome: "allow" | "error", reason?: string) => void;

/** The one audit line of a tunnel, written once when it ends, with the bytes its upstream socket saw. */
function tunnelFinisher(
  deps: ProxyDeps,
  base: ConnectBase,
  decision: Allowed,
  upstream: () => Socket | undefined,
): Finish {
  const started = Date.parse(base.time);
  let finished = false;
  return (outcome, reason) => {
    if (finished) return;
    finished = true;
    deps.counters.activeTunnels--;
    const socket = upstream();
    const bytes = { bytesUp: socket?.bytesWritten ?? 0, bytesDown: socket?.bytesRead ?? 0 };
    const why = reason ? { reason } : {};
    const rule = decision.rule.rule.source;
    const durationMs = Date.now() - started;
    deps.audit.write({ ...base, address: decision.address, decision: outcome, rule, ...why, ...bytes, durationMs });
  };
}

/** The opened upstream joined to the client: answered 200, relayed both ways, closed when idle. */
function splice(deps: ProxyDeps, client: Duplex, head: Buffer, socket: Socket, finish: Finish): void {
  const { idleMs } = deps.timeouts;
  socket.on("error", (error) => {
    client.destroy();
    finish("error", error.message);
  });
  socket.on("close", () => {
    client.destroy();
    finish("allow");
  });
  client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
  if (head.length > 0) socket.write(head);
  relay(client, socket);
  relay(socket, client);
  socket.resume();
  // Idle: no byte either way on the upstream socket (every byte of the tunnel passes it).
  socket.setTimeout(idleMs, () => {
    finish("allow", `closed after ${idleMs / 1000} s idle`);
    socket.destroy();
  });
}

/** Every other CONNECT: an opaque tunnel, direct or through the operator's proxy. */
function tunnel(deps: ProxyDeps, client: Duplex, head: Buffer, base: ConnectBase, decision: Allowed): void {
  deps.counters.activeTunnels++;
  let upstream: Socket | undefined;
  const finish = tunnelFinisher(deps, base, decision, () => upstream);
  let clientGone = false;
  client.on("error", () => upstream?.destroy());
  client.on("close", () => {
    clientGone = true;
    upstream?.destroy();
  });
  let dialling: Socket | undefined;
  const dial = (address: string, port: number) => (dialling = dialer(deps)(address, port));
  const open = deps.upstreamProxy ?? upstreamOpener(undefined, dial);
  const target = { host: base.host, port: base.port!, address: decision.address };
  openWithin(open, target, deps.timeouts.dialMs, () => dialling?.destroy()).then((socket) => {
    upstream = socket;
    if (clientGone) {
      socket.on("close", () => finish("allow"));
      return void socket.destroy();
    }
    splice(deps, client, head, socket, finish);
  }, (error: Error) => {
    // Before the tunnel opened the client can still be told; after, the tunnel just ends.
    const status = error instanceof DialTimeout ? "504 Gateway Timeout" : "502 Bad Gateway";
    client.end(`HTTP/1.1 ${status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
    finish("error", error.message);
  });
}

class DialTimeout extends Error {}

/**
 * `open`, bounded: past `ms` it rejects with a DialTimeout and `abandon` closes the pending dial
 * (where there is one to close); a socket that arrives later anyway is closed on arrival.
 */
function openWithin(open: OpenUpstream, target: Parameters<OpenUpstream>[0], ms: number, abandon: () => void): Promise<Socket> {
  return new Promise((resolve, reject) => {
    let late = false;
    const timer = setTimeout(() => {
      late = true;
      reject(new DialTimeout(`no connection within ${ms / 1000} s`));
      abandon();
    }, ms);
    open(target).then(
      (socket) => (clearTimeout(timer), late ? socket.destroy() : resolve(socket)),
      (error: Error) => (clearTimeout(timer), late ? undefined : reject(error)),
    );
  });
}

async function onRequest(deps: ProxyDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const started = Date.now();
  let url: URL;
  try {
    url = new URL(req.url ?? "");
  } catch {
    res.writeHead(400, { "content-type": "text/plain" }).end("claude-bottle: this is an HTTP proxy; send absolute-URI requests or CONNECT\n");
    return;
  }
  if (url.protocol !== "http:") {
    res.writeHead(400, { "content-type": "text/plain" }).end("claude-bottle: only http:// URLs are proxied this way; use CONNECT for https\n");
    return;
  }
  const port = Number(url.port || 80);
  const host = url.hostname;
  const base = { time: new Date(started).toISOString(), bottle: deps.bottle, kind: "http" as const, client: req.socket.remoteAddress ?? "?", method: req.method ?? "?", host, port, path: url.pathname };
  const framing = requestFraming(req.headers);
  if (framing.kind === "refuse") {
    res.writeHead(framing.status, { "content-type": "text/plain", connection: "close" }).end(`claude-bottle: cannot forward a request body framed with ${framing.reason}\n`);
    deps.audit.write({ ...base, decision: "deny", rule: "request-framing", reason: framing.reason });
    return;
  }
  const gate = stoppedRefusal(deps.creds);
  const head = gate ? { refusal: gate } : requestHeadFinding(deps.creds, req.url ?? "", req.headers);
  if (head.refusal) {
    res.writeHead(head.refusal.status, { "content-type": "text/plain; charset=utf-8", "x-claude-bottle-rule": head.refusal.rule, connection: "close" });
    res.end(`claude-bottle refused this request: ${head.refusal.reason} (rule ${head.refusal.rule})\n`);
    deps.audit.write({ ...base, decision: "deny", ...refusalFields(head.refusal) });
    return;
  }
  const decision = await decideAndCount(deps, host, port);
  if (!decision.allowed) {
    const { status, body } = denial(deps, decision, req.method ?? "GET", host, port);
    res.writeHead(status, { "content-type": "text/plain; charset=utf-8", "x-claude-bottle-rule": decision.rule }).end(body);
    deps.audit.write({ ...base, decision: "deny", rule: decision.rule, reason: decision.reason });
    return;
  }
  const warned = head.warning?.kind === "dlp" ? { dlp: head.warning.pattern } : {};
  forward(deps, req, res, { url, port, base: { ...base, ...warned }, address: decision.address, rule: decision.rule.rule.source, headers: framingHeaders(framing) });
}

export function createProxy(deps: ProxyDeps): Server {
  const server = createServer({ maxHeaderSize: 16_384 }, (req, res) => {
    onRequest(deps, req, res).catch(() => res.destroy());
  });
  server.on("connect", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    onConnect(deps, req, socket, head).catch(() => socket.destroy());
  });
  // A malformed request line, oversized headers, or a dead client: answer if possible, never crash.
  server.on("clientError", (_error, socket: Duplex) => {
    if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
    else socket.destroy();
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 0; // long uploads and downloads stream for as long as they need
  server.keepAliveTimeout = 30_000;
  return server;
}
