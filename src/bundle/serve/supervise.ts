/**
 * Supervise on :8890. Open to the agent: /healthz, /status and POST /requests (ask for a host).
 * Host only (bearer token from the bundle's 0600 token file, which the agent never sees):
 * /events (the audit stream, NDJSON), GET /requests, POST /allow and /deny.
 */
import { timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import * as v from "valibot";
import { parseEgressRule } from "../../core/egress-rule.ts";
import type { Audit } from "./audit.ts";
import type { Policy } from "./policy.ts";
import { ruleRefusal } from "./rule-scope.ts";

export interface SuperviseDeps {
  /** Explains a decision without dialling anything: the same function the proxy uses. */
  readonly why: (host: string, port: number) => Record<string, unknown>;
  readonly bottle: string;
  readonly token: string;
  readonly policy: Policy;
  readonly audit: Audit;
  readonly startedAt: number;
  readonly counters: Record<string, number>;
  /** Canary hits per credential name, when the bundle holds credentials. */
  readonly canaries?: () => Record<string, number>;
  /** How long a request body may take to arrive. */
  readonly bodyMs: number;
}

const MAX_BODY = 4096;

const portSchema = v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(65535));
const AskSchema = v.object({
  host: v.pipe(v.string(), v.minLength(1), v.maxLength(253)),
  port: v.optional(portSchema),
  reason: v.optional(v.pipe(v.string(), v.maxLength(500)), ""),
});
const AllowSchema = v.object({
  rule: v.pipe(v.string(), v.minLength(1), v.maxLength(300)),
  mode: v.picklist(["once", "ttl", "always"]),
  ttlSeconds: v.optional(v.pipe(v.number(), v.minValue(1), v.maxValue(31_536_000))),
  force: v.optional(v.boolean(), false),
});

/**
 * What the agent may ask for: a host, host:port, *.suffix or CIDR, the same forms the allowlist
 * takes; a CIDR no broader than `allow` would take without --force, and never a guarded range.
 */
export function askTarget(host: string, port: number | undefined): { host: string; port: number } | { error: string } {
  const parsed = parseEgressRule(host);
  if (!parsed.ok) return { error: `${parsed.reason}` };
  const refusal = ruleRefusal(parsed.rule, false);
  if (refusal) return { error: `cannot ask for ${refusal.reason}` };
  const rule = parsed.rule;
  const explicitPort = rule.kind !== "cidr" && host.includes(":") ? rule.ports[0] : undefined;
  const name = rule.kind === "host" ? rule.host : rule.kind === "suffix" ? `*.${rule.suffix}` : rule.source.trim().toLowerCase();
  return { host: name, port: explicitPort ?? port ?? 443 };
}
const DenySchema = v.object({ target: v.pipe(v.string(), v.minLength(1), v.maxLength(300)) });

function send(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { "content-type": "application/json" }).end(`${JSON.stringify(value)}\n`);
}

function authorized(req: IncomingMessage, token: string): boolean {
  const given = Buffer.from(req.headers.authorization ?? "");
  const wanted = Buffer.from(`Bearer ${token}`);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}

/** The JSON body, at most MAX_BODY bytes, arriving within `timeoutMs`; the connection is cut otherwise. */
function readJson(req: IncomingMessage, timeoutMs: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let body = "";
    const fail = (message: string) => {
      clearTimeout(timer);
      reject(new Error(message));
      req.socket.destroy();
    };
    const timer = setTimeout(() => fail(`body not received within ${timeoutMs / 1000} s`), timeoutMs);
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => {
      body += chunk;
      if (body.length > MAX_BODY) fail("body too large");
    });
    req.on("end", () => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(body || "{}"));
      } catch {
        reject(new Error("body is not JSON"));
      }
    });
    req.on("error", (error) => fail(error.message));
  });
}

async function handle(deps: SuperviseDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = (req.url ?? "/").split("?")[0];
  const route = `${req.method} ${path}`;
  if (route === "GET /healthz") return void res.writeHead(200, { "content-type": "text/plain" }).end("ok\n");
  if (route === "GET /status") {
    const canaries = deps.canaries ? { canaries: deps.canaries() } : {};
    return send(res, 200, { bottle: deps.bottle, uptimeSeconds: Math.round((Date.now() - deps.startedAt) / 1000), counters: deps.counters, audit: deps.audit.stats(), ...canaries, allow: deps.policy.active().map((r) => ({ rule: r.rule.source, origin: r.origin, ...(r.once ? { once: true } : {}), ...(r.expiresAt ? { expiresAt: new Date(r.expiresAt).toISOString() } : {}) })) });
  }
  if (route === "GET /why") {
    // Open to the agent too: "would this be allowed, and by what?" without trying it.
    const query = new URL(req.url ?? "/", "http://bundle").searchParams;
    const host = (query.get("host") ?? "").slice(0, 253);
    const port = Number(query.get("port") ?? 443);
    if (!host || !Number.isInteger(port) || port < 1 || port > 65535) return send(res, 400, { error: "expected ?host=NAME&port=N" });
    return send(res, 200, deps.why(host, port));
  }
  if (route === "POST /requests") {
    const parsed = v.safeParse(AskSchema, await readJson(req, deps.bodyMs));
    if (!parsed.success) return send(res, 400, { error: "expected {host, port?, reason?}" });
    const target = askTarget(parsed.output.host, parsed.output.port);
    if ("error" in target) return send(res, 400, { error: `${target.error}; ask for a host, host:port, *.suffix or CIDR` });
    const request = deps.policy.ask(target.host, target.port, parsed.output.reason);
    return send(res, 202, { id: request.id, status: request.status, note: "a human on the host will see this request; retry after they answer" });
  }
  if (!authorized(req, deps.token)) return send(res, 401, { error: "this endpoint is for the host" });
  if (route === "GET /events") {
    res.writeHead(200, { "content-type": "application/x-ndjson", "cache-control": "no-store" });
    const unsubscribe = deps.audit.subscribe((line) => res.write(line));
    req.on("close", unsubscribe);
    return;
  }
  if (route === "GET /requests") return send(res, 200, deps.policy.list());
  if (route === "POST /allow") {
    const parsed = v.safeParse(AllowSchema, await readJson(req, deps.bodyMs));
    if (!parsed.success) return send(res, 400, { error: "expected {rule, mode: once|ttl|always, ttlSeconds?, force?}" });
    const rule = parseEgressRule(parsed.output.rule);
    const refusal = rule.ok ? ruleRefusal(rule.rule, parsed.output.force) : undefined;
    if (refusal) return send(res, 400, { error: refusal.forcible ? `${refusal.reason}; send force to apply it anyway` : refusal.reason });
    try {
      const rule = await deps.policy.approve(parsed.output.rule, parsed.output.mode, parsed.output.ttlSeconds);
      return send(res, 200, { rule: rule.rule.source, mode: parsed.output.mode, ...(rule.expiresAt ? { expiresAt: new Date(rule.expiresAt).toISOString() } : {}) });
    } catch (error) {
      return send(res, 400, { error: (error as Error).message });
    }
  }
  if (route === "POST /deny") {
    const parsed = v.safeParse(DenySchema, await readJson(req, deps.bodyMs));
    if (!parsed.success) return send(res, 400, { error: "expected {target}" });
    return send(res, 200, { changed: await deps.policy.deny(parsed.output.target) });
  }
  send(res, 404, { error: `no route ${route}` });
}

export function createSupervise(deps: SuperviseDeps): Server {
  const server = createServer((req, res) => {
    handle(deps, req, res).catch((error: Error) => {
      if (!res.headersSent) send(res, 400, { error: error.message });
      else res.destroy();
    });
  });
  server.on("clientError", (_error, socket) => socket.destroy());
  server.headersTimeout = 10_000;
  return server;
}
