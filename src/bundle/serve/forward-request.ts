/**
 * A plain-HTTP request the policy admitted, forwarded upstream: one request on a connection of its
 * own (or through the operator's proxy), its body framed as the proxy decided, audited on the way back.
 */
import { request as httpRequest, type Agent, type IncomingMessage, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { AuditEvent } from "./audit.ts";
import { pipeInspected, refusalFields } from "./creds/proxy-gates.ts";
import { asyncAgent } from "./tls/upstream.ts";
import { dialer, HOP_BY_HOP, type ProxyDeps } from "./proxy-deps.ts";

export interface Forwarding {
  readonly url: URL;
  readonly port: number;
  readonly base: Omit<AuditEvent, "decision" | "rule">;
  readonly address: string;
  readonly rule: string;
  /** The body's framing as the proxy decided it; the client's own framing headers are dropped. */
  readonly headers: Record<string, string>;
}

/**
 * One request upstream on a connection of its own, framed by the headers the proxy chose: the
 * upstream reads exactly this request. No `agent` on purpose: with `createConnection` and no
 * agent nothing is pooled, while `agent: false` would ignore createConnection and dial the
 * default host (localhost:80), measured on bun 1.4.4.
 */
export function forward(deps: ProxyDeps, req: IncomingMessage, res: ServerResponse, f: Forwarding): void {
  const headers = Object.fromEntries(Object.entries(req.headers).filter(([name]) => !HOP_BY_HOP.includes(name) && name !== "content-length"));
  const upstream = httpRequest({ ...connectionFor(deps, f), method: req.method, path: `${f.url.pathname}${f.url.search}`, headers: { ...headers, ...f.headers, host: f.url.host, connection: "close" } });
  let refused = false;
  const started = Date.parse(f.base.time);
  let bytesUp = 0;
  let bytesDown = 0;
  req.on("data", (chunk: Buffer) => (bytesUp += chunk.length));
  upstream.on("response", (answer) => {
    const answerHeaders = Object.fromEntries(Object.entries(answer.headers).filter(([name]) => !HOP_BY_HOP.includes(name)));
    res.writeHead(answer.statusCode ?? 502, answerHeaders);
    answer.on("data", (chunk: Buffer) => (bytesDown += chunk.length));
    answer.pipe(res);
    answer.on("end", () => deps.audit.write({ ...f.base, address: f.address, decision: "allow", rule: f.rule, bytesUp, bytesDown, durationMs: Date.now() - started }));
  });
  upstream.setTimeout(deps.timeouts.idleMs, () => upstream.destroy(new Error(`idle for ${deps.timeouts.idleMs / 1000} s`)));
  upstream.on("error", (error) => {
    if (refused) return;
    if (!res.headersSent) res.writeHead(502, { "content-type": "text/plain" }).end(`claude-bottle: upstream ${f.url.hostname}:${f.port} failed: ${error.message}\n`);
    else res.destroy();
    deps.audit.write({ ...f.base, address: f.address, decision: "error", rule: f.rule, reason: error.message });
  });
  req.on("error", () => upstream.destroy());
  if (Object.keys(f.headers).length === 0) upstream.end();
  else if (!deps.creds) req.pipe(upstream);
  else {
    pipeInspected(deps.creds, req, upstream, (refusal) => {
      refused = true;
      if (!res.headersSent) res.writeHead(refusal.status, { "content-type": "text/plain; charset=utf-8", "x-claude-bottle-rule": refusal.rule, connection: "close" }).end(`claude-bottle refused this request: ${refusal.reason}\n`);
      deps.audit.write({ ...f.base, address: f.address, decision: "deny", ...refusalFields(refusal), bytesUp });
    });
  }
}

/** How the request reaches the upstream: a connection dialled here, or through the operator's proxy. */
function connectionFor(deps: ProxyDeps, f: Forwarding): { createConnection: () => Socket } | { agent: Agent } {
  if (deps.upstreamProxy) return { agent: asyncAgent(deps.upstreamProxy, { host: f.url.hostname, port: f.port, address: f.address }) };
  const dial = dialer(deps);
  return { createConnection: () => dial(f.address, f.port) };
}
