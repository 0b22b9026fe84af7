/**
 * The credential checks the proxy makes outside terminated connections: a bottle stopped by a
 * canary refuses everything; a sentinel in a CONNECT authority, or in a plain-HTTP URL, header
 * or body is a canary; DLP reads plain-HTTP requests too. Each returns what to refuse with.
 */
import type { IncomingHttpHeaders, ClientRequest, IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { AuditEvent } from "../audit.ts";
import { blocks, inspectText, StreamInspection, type Finding } from "../dlp/inspect.ts";
import { findingRefusal, type Refusal } from "../tls/forward-body.ts";
import type { CredsRuntime } from "./creds-runtime.ts";

/** Everything is refused once `on_canary = "stop"` has tripped. */
export function stoppedRefusal(creds: CredsRuntime | undefined): Refusal | undefined {
  if (creds?.stopped === undefined) return undefined;
  return {
    status: 403,
    rule: "canary-stop",
    reason: `egress stopped: the sentinel of ${creds.stopped} showed up where it must not (on_canary = "stop")`,
  };
}

/** A sentinel in a CONNECT authority (or any name the agent chose). */
export function nameRefusal(creds: CredsRuntime | undefined, name: string): Refusal | undefined {
  const credential = creds?.inspection.canaries.find(name);
  if (!credential) return undefined;
  const finding: Finding = { kind: "canary", credential };
  creds!.record(finding);
  return findingRefusal(finding);
}

/** URL and headers of a plain-HTTP request: a refusal, or a warning to audit, or nothing. */
export function requestHeadFinding(
  creds: CredsRuntime | undefined,
  url: string,
  headers: IncomingHttpHeaders,
): { refusal?: Refusal; warning?: Finding } {
  if (!creds) return {};
  const text = [
    url,
    ...Object.entries(headers).map(
      ([name, value]) => `${name}: ${Array.isArray(value) ? value.join(", ") : (value ?? "")}`,
    ),
  ].join("\n");
  const finding = inspectText(creds.inspection, text);
  if (!finding) return {};
  creds.record(finding);
  return blocks(finding) ? { refusal: findingRefusal(finding) } : { warning: finding };
}

/**
 * Pipes a plain-HTTP body to `upstream`, inspecting each chunk before any of it is written and
 * holding the last `span - 1` bytes back until the next chunk (or the end) is inspected, so no
 * byte of a value split between chunks leaves before the value is found. A blocking finding
 * destroys the upstream request (it never completes) and calls `refused`.
 */
export function pipeInspected(
  creds: CredsRuntime,
  req: IncomingMessage,
  upstream: ClientRequest,
  refused: (refusal: Refusal) => void,
): void {
  const scanner = new StreamInspection(creds.inspection);
  let held = Buffer.alloc(0);
  let over = false;
  req.on("data", (chunk: Buffer) => {
    if (over) return;
    const finding = scanner.push(chunk);
    if (finding) creds.record(finding);
    if (finding && blocks(finding)) {
      over = true;
      upstream.destroy();
      return refused(findingRefusal(finding));
    }
    const all = held.length > 0 ? Buffer.concat([held, chunk]) : chunk;
    const keep = Math.min(all.length, scanner.span - 1);
    held = Buffer.from(all.subarray(all.length - keep));
    if (keep < all.length && !upstream.write(all.subarray(0, all.length - keep))) {
      req.pause();
      upstream.once("drain", () => req.resume());
    }
  });
  req.on("end", () => {
    if (over) return;
    if (held.length > 0) upstream.end(held);
    else upstream.end();
  });
}

/** The 403 for a credential gate (canary, stopped bottle), as a CONNECT answer. */
export function refuseConnect(client: Duplex, refusal: Refusal): void {
  const body = `claude-bottle refused this CONNECT: ${refusal.reason} (rule ${refusal.rule})\n`;
  client.end(
    `HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain; charset=utf-8\r\nX-Claude-Bottle-Rule: ${refusal.rule}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/** The audit fields of a refusal: its rule, reason and the credential or pattern behind it. */
export function refusalFields(refusal: Refusal): Pick<AuditEvent, "rule" | "reason" | "canary" | "dlp"> {
  const finding = refusal.finding;
  const named =
    finding?.kind === "canary"
      ? { canary: finding.credential }
      : finding?.kind === "secret"
        ? { dlp: `secret:${finding.credential}` }
        : finding
          ? { dlp: finding.pattern }
          : {};
  return { rule: refusal.rule, reason: refusal.reason, ...named };
}
