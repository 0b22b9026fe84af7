/**
 * A protocol upgrade (a WebSocket handshake) inside a terminated connection, for a host whose
 * rule allows it (`[egress] upgrade`). The handshake has been checked like any request (SNI,
 * Host, the credential header swapped, canaries and DLP in URL and headers); it is sent over the
 * bundle's own verified TLS, and only a `101` answer turns the connection into a relay. After
 * that the bytes pass unread both ways: a client masks its WebSocket frames with a fresh key
 * each (RFC 6455 §5.3), so nothing in them can be searched — which is why upgrades take a rule.
 */
import type { IncomingMessage, OutgoingHttpHeaders } from "node:http";
import type { Duplex } from "node:stream";
import type { AuditEvent } from "../audit.ts";
import type { TerminateContext } from "./terminate.ts";
import { upstreamTls } from "./upstream.ts";

const MAX_ANSWER_HEAD = 16_384;

/** The handshake as it goes upstream: the checked headers plus the upgrade's own two. */
export function upgradeHead(req: IncomingMessage, headers: OutgoingHttpHeaders): string {
  const lines = [`${req.method ?? "GET"} ${req.url ?? "/"} HTTP/1.1`];
  for (const [name, value] of Object.entries(headers)) {
    for (const one of Array.isArray(value) ? value : [value]) if (one !== undefined) lines.push(`${name}: ${one}`);
  }
  lines.push("connection: Upgrade", `upgrade: ${req.headers.upgrade ?? ""}`);
  return `${lines.join("\r\n")}\r\n\r\n`;
}

/** Resolves the upstream's answer head (and what followed it) once it is complete. */
function answerHead(upstream: Duplex): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let answer = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      answer = Buffer.concat([answer, chunk]);
      if (answer.indexOf("\r\n\r\n") === -1 && answer.length < MAX_ANSWER_HEAD) return;
      upstream.off("data", onData);
      upstream.pause();
      resolve(answer);
    };
    upstream.on("data", onData);
    upstream.once("error", reject);
    upstream.once("end", () => reject(new Error("the upstream closed before answering the upgrade")));
  });
}

/** Relays both ways until either side closes; `closed` gets the bytes each way, once. */
function pipeBoth(client: Duplex, upstream: Duplex, closed: (bytesUp: number, bytesDown: number) => void): void {
  let [bytesUp, bytesDown] = [0, 0];
  client.on("data", (chunk: Buffer) => (bytesUp += chunk.length));
  upstream.on("data", (chunk: Buffer) => (bytesDown += chunk.length));
  client.pipe(upstream);
  upstream.pipe(client);
  let open = 2;
  const end = () => {
    if (--open > 0) return;
    closed(bytesUp, bytesDown);
  };
  client.once("close", () => (upstream.destroy(), end()));
  upstream.once("close", () => (client.destroy(), end()));
  upstream.resume();
}

/** Sends the checked handshake upstream; relays on 101, answers 502 (and closes) on anything else. */
export function relayUpgrade(
  context: TerminateContext,
  req: IncomingMessage,
  client: Duplex,
  head: Buffer,
  headers: OutgoingHttpHeaders,
  base: AuditEvent,
): void {
  const started = Date.parse(base.time);
  const target = { host: context.host, port: context.port, address: context.address };
  let upstream: Duplex | undefined;
  const fail = (message: string) => {
    upstream?.destroy();
    client.end(`HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
    context.audit.write({ ...base, decision: "error", status: 502, reason: message, durationMs: Date.now() - started });
  };
  client.on("error", () => upstream?.destroy());
  context
    .openUpstream(target)
    .then((raw) => upstreamTls(raw, context.host, context.upstreamTrust))
    .then(async (socket) => {
      upstream = socket;
      socket.on("error", () => socket.destroy());
      socket.write(upgradeHead(req, headers));
      if (head.length > 0) socket.write(head);
      const answer = await answerHead(socket);
      const status = /^HTTP\/1\.1 (\d{3}) /.exec(answer.toString("latin1", 0, 20))?.[1];
      if (status !== "101") return fail(`the upstream answered the upgrade with ${status ?? "no status"}, not 101`);
      client.write(answer);
      pipeBoth(client, socket, (bytesUp, bytesDown) => {
        const outcome = { status: 101, bytesUp, bytesDown };
        const reason = `upgraded to ${req.headers.upgrade}: frames relayed unread`;
        context.audit.write({ ...base, decision: "allow", ...outcome, reason, durationMs: Date.now() - started });
      });
    })
    .catch((error: Error) => fail(error.message));
}
