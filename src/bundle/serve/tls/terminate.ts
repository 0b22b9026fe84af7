/**
 * TLS termination for one CONNECT to a host with a credential rule (or an `inspect` rule):
 * the agent's TLS ends here with a leaf for exactly that host, each request inside is checked
 * and passed on over the bundle's own verified TLS to the real host. On bun 1.4 an
 * SNICallback on a socket taken from node:http's CONNECT is never called, so the leaf comes
 * from the CONNECT host and the client's SNI must match it.
 */
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type ServerResponse,
} from "node:http";
import { Agent, request as httpsRequest } from "node:https";
import { isIP, type Socket } from "node:net";
import type { Duplex } from "node:stream";
import { TLSSocket, type SecureContext } from "node:tls";
import type { Audit, AuditEvent } from "../audit.ts";
import { swapHeader, credentialsByHeader, type Credential } from "../creds/credential-header.ts";
import { blocks, inspectText, type Finding, type Inspection } from "../dlp/inspect.ts";
import { findingRefusal, forwardBody, type Refusal } from "./forward-body.ts";
import { relayUpgrade } from "./upgrade.ts";
import { upstreamTls, type OpenUpstream } from "./upstream.ts";

export interface TerminateContext {
  readonly bottle: string;
  readonly client: string;
  /** The CONNECT host, lowercase, and port. */
  readonly host: string;
  readonly port: number;
  /** The address the policy admitted (audit and direct dialling). */
  readonly address: string;
  readonly rule: string;
  /** Whether a protocol upgrade may pass (`[egress] upgrade`); refused otherwise. */
  readonly upgrade?: boolean;
  readonly secureContext: SecureContext;
  readonly credentials: readonly Credential[];
  readonly inspection: Inspection;
  readonly audit: Audit;
  readonly openUpstream: OpenUpstream;
  /** What upstream TLS trusts (upstreamTrust); undefined means the system roots. */
  readonly upstreamTrust: SecureContext | undefined;
  /** Upstream connections shared by every client connection to this host (a pool); per connection when absent. */
  readonly upstreamAgent?: Agent;
  /** Told of every finding (canary counters, on_canary = "stop"). */
  readonly onFinding?: (finding: Finding) => void;
}

const DROP_UP = new Set([
  "connection",
  "keep-alive",
  "proxy-authorization",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "expect",
]);
const DROP_DOWN = new Set([
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

const UPGRADE_REFUSED: Refusal = {
  status: 403,
  rule: "upgrade",
  reason: "protocol upgrades pass a terminated connection only for a host in [egress] upgrade",
};

type Checked = { readonly headers: OutgoingHttpHeaders; readonly warning?: Finding } | Refusal;

function sniMatches(context: TerminateContext, socket: TLSSocket): boolean {
  const sni = (socket as TLSSocket & { servername?: string | false }).servername;
  if (isIP(context.host.replace(/^\[(.*)\]$/, "$1"))) return !sni;
  return typeof sni === "string" && sni.toLowerCase() === context.host;
}

function hostMatches(context: TerminateContext, header: string | undefined): boolean {
  const host = (header ?? "").toLowerCase();
  return host === `${context.host}:${context.port}` || (context.port === 443 && host === context.host);
}

/** Everything but the body: SNI, Host, Upgrade, the credential header, canaries and DLP in URL and headers. */
function checkHead(context: TerminateContext, req: IncomingMessage): Checked {
  if (!sniMatches(context, req.socket as TLSSocket))
    return { status: 421, rule: "sni-mismatch", reason: `the TLS server name is not ${context.host}` };
  if (!hostMatches(context, req.headers.host))
    return {
      status: 421,
      rule: "host-mismatch",
      reason: `Host ${JSON.stringify(req.headers.host ?? "")} is not ${context.host}`,
    };
  if (req.headers.upgrade !== undefined && !context.upgrade) return UPGRADE_REFUSED;
  const byHeader = credentialsByHeader(context.credentials, context.host);
  const headers: OutgoingHttpHeaders = {};
  const inspected: string[] = [req.url ?? ""];
  for (const [name, value] of Object.entries(req.headers as IncomingHttpHeaders)) {
    if (DROP_UP.has(name) || value === undefined) continue;
    const swap = byHeader.has(name) && typeof value === "string" ? swapHeader(value, byHeader.get(name)!) : undefined;
    if (swap?.kind === "foreign")
      return {
        status: 403,
        rule: "foreign-credential",
        reason: `${name} does not carry the sentinel of ${swap.credential}; refusing to pass on a credential the bundle did not issue`,
      };
    if (swap?.kind === "swapped") headers[name] = swap.value;
    else {
      headers[name] = value;
      inspected.push(`${name}: ${Array.isArray(value) ? value.join(", ") : value}`);
    }
  }
  const finding = inspectText(context.inspection, inspected.join("\n"));
  if (finding && blocks(finding)) return findingRefusal(finding);
  return finding ? { headers, warning: finding } : { headers };
}

function refuse(res: ServerResponse, refusal: Refusal): void {
  if (res.headersSent) return void res.destroy();
  const body = `claude-bottle refused this request: ${refusal.reason} (rule ${refusal.rule})\n`;
  res.writeHead(refusal.status, {
    "content-type": "text/plain; charset=utf-8",
    "x-claude-bottle-rule": refusal.rule,
    connection: "close",
  });
  res.end(body);
}

function auditFields(finding: Finding | undefined): Partial<AuditEvent> {
  if (!finding) return {};
  if (finding.kind === "canary") return { canary: finding.credential };
  return { dlp: finding.kind === "secret" ? `secret:${finding.credential}` : finding.pattern };
}

function openVerified(context: TerminateContext): Promise<Socket> {
  const target = { host: context.host, port: context.port, address: context.address };
  return context.openUpstream(target).then((raw) => upstreamTls(raw, context.host, context.upstreamTrust));
}

/** Without a pool: one upstream connection for this client connection, opened on its first request. */
function upstreamAgent(context: TerminateContext): Agent {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  (agent as unknown as { createConnection: unknown }).createConnection = (
    _options: unknown,
    done: (error: Error | null, socket?: Socket) => void,
  ) => {
    openVerified(context).then(
      (socket) => done(null, socket),
      (error: Error) => done(error),
    );
    return undefined;
  };
  return agent;
}

function requestEvent(context: TerminateContext, req: IncomingMessage, started: number): AuditEvent {
  const path = (req.url ?? "/").split("?")[0]!;
  const { bottle, client, host, port, address, rule } = context;
  const time = new Date(started).toISOString();
  return {
    time,
    bottle,
    kind: "tls",
    client,
    method: req.method ?? "?",
    host,
    port,
    path,
    address,
    decision: "allow",
    rule,
  };
}

/** Refused: the answer, the finding counted, the audit line (bytes when the body was read). */
function refused(
  context: TerminateContext,
  res: ServerResponse,
  base: AuditEvent,
  refusal: Refusal,
  bytesUp?: number,
): void {
  if (refusal.finding) context.onFinding?.(refusal.finding);
  refuse(res, refusal);
  const { rule, reason, status } = refusal;
  const bytes = bytesUp === undefined ? {} : { bytesUp };
  context.audit.write({ ...base, decision: "deny", rule, reason, status, ...bytes, ...auditFields(refusal.finding) });
}

function handle(context: TerminateContext, agent: Agent, req: IncomingMessage, res: ServerResponse): void {
  const started = Date.now();
  const base = requestEvent(context, req, started);
  const checked = checkHead(context, req);
  if ("status" in checked) {
    refused(context, res, base, checked);
    req.resume();
    return;
  }
  if (checked.warning) context.onFinding?.(checked.warning);
  const { host, port } = context;
  const open = () => httpsRequest({ agent, host, port, method: req.method, path: req.url, headers: checked.headers });
  const hooks = {
    refused: (refusal: Refusal, bytesUp: number) => refused(context, res, base, refusal, bytesUp),
    done(status: number, bytesUp: number, bytesDown: number, warning: Finding | undefined, error?: string) {
      if (warning && warning !== checked.warning) context.onFinding?.(warning);
      const outcome = { decision: error ? ("error" as const) : ("allow" as const), status, bytesUp, bytesDown };
      const why = { ...auditFields(checked.warning ?? warning), ...(error ? { reason: error } : {}) };
      context.audit.write({ ...base, ...outcome, durationMs: Date.now() - started, ...why });
    },
  };
  forwardBody(req, res, open, context.inspection, hooks, DROP_DOWN);
}

/** A request asking for an upgrade: checked like any other, then relayed (if its host's rule allows) or refused. */
function onUpgrade(context: TerminateContext, req: IncomingMessage, socket: Duplex, head: Buffer): void {
  const base = requestEvent(context, req, Date.now());
  const checked = checkHead(context, req);
  if (!("status" in checked)) {
    if (checked.warning) context.onFinding?.(checked.warning);
    return relayUpgrade(context, req, socket, head, checked.headers, { ...base, ...auditFields(checked.warning) });
  }
  if (checked.finding) context.onFinding?.(checked.finding);
  const { status, rule, reason } = checked;
  socket.end(
    `HTTP/1.1 ${status} ${status === 421 ? "Misdirected Request" : "Forbidden"}\r\nX-Claude-Bottle-Rule: ${rule}\r\n` +
      "Content-Length: 0\r\nConnection: close\r\n\r\n",
  );
  context.audit.write({ ...base, decision: "deny", rule, reason, status, ...auditFields(checked.finding) });
}

/** Takes over `client` (a CONNECT socket already answered 200) and terminates its TLS. */
export function terminate(client: Duplex, head: Buffer, context: TerminateContext): void {
  if (head.length > 0) client.unshift(head);
  (client as Socket).setNoDelay?.(true);
  const tls = new TLSSocket(
    client as Socket,
    { isServer: true, secureContext: context.secureContext, ALPNProtocols: ["http/1.1"] } as ConstructorParameters<
      typeof TLSSocket
    >[1],
  );
  const agent = context.upstreamAgent ?? upstreamAgent(context);
  const inner = createServer({ maxHeaderSize: 16_384 }, (req, res) => handle(context, agent, req, res));
  inner.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => onUpgrade(context, req, socket, head));
  tls.on("error", () => tls.destroy());
  tls.once("close", () => {
    if (agent !== context.upstreamAgent) agent.destroy();
    client.destroy();
  });
  client.on("error", () => tls.destroy());
  inner.emit("connection", tls);
}
