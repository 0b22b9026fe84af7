/**
 * Passing one inspected request on: the body is scanned as it streams, and nothing of it (nor
 * the request head, which carries the real credential) leaves until either the body ended
 * clean or more than HOLD_BYTES arrived; after that, the last CARRY_BYTES are always held back,
 * so a value being smuggled is found before its last byte leaves.
 */
import type { ClientRequest, IncomingMessage, ServerResponse } from "node:http";
import { blocks, StreamInspection, type Finding, type Inspection } from "../dlp/inspect.ts";

export interface Refusal {
  readonly status: number;
  readonly rule: string;
  readonly reason: string;
  readonly finding?: Finding;
}

export const HOLD_BYTES = 1024 * 1024;
export const CARRY_BYTES = 64 * 1024;

export function findingRefusal(finding: Finding): Refusal {
  if (finding.kind === "canary") return { status: 403, rule: "canary", reason: `the sentinel of ${finding.credential} may only travel in its own header to its own hosts`, finding };
  if (finding.kind === "secret") return { status: 403, rule: "dlp", reason: `the real value of ${finding.credential} is on its way out`, finding };
  return { status: 403, rule: "dlp", reason: `the request carries what looks like a ${finding.pattern}`, finding };
}

export interface ForwardHooks {
  refused(refusal: Refusal, bytesUp: number): void;
  done(status: number, bytesUp: number, bytesDown: number, warning: Finding | undefined, error?: string): void;
}

function answer(upstream: ClientRequest, res: ServerResponse, drop: ReadonlySet<string>, finish: (status: number, bytesDown: number, error?: string) => void): void {
  upstream.on("response", (response: IncomingMessage) => {
    const headers = Object.fromEntries(Object.entries(response.headers).filter(([name]) => !drop.has(name)));
    res.writeHead(response.statusCode ?? 502, headers);
    let bytesDown = 0;
    response.on("data", (chunk: Buffer) => (bytesDown += chunk.length));
    response.on("end", () => finish(response.statusCode ?? 502, bytesDown));
    response.on("error", (error) => finish(response.statusCode ?? 502, bytesDown, error.message));
    response.pipe(res);
  });
  upstream.on("error", (error) => {
    if (!res.headersSent) res.writeHead(502, { "content-type": "text/plain; charset=utf-8", connection: "close" }).end(`claude-bottle: upstream failed: ${error.message}\n`);
    else res.destroy();
    finish(502, 0, error.message);
  });
}

/** Streams `req`'s body through inspection to the request `open()` makes, and its answer back. */
export function forwardBody(req: IncomingMessage, res: ServerResponse, open: () => ClientRequest, inspection: Inspection, hooks: ForwardHooks, drop: ReadonlySet<string>): void {
  const scanner = new StreamInspection(inspection);
  let held: Buffer[] = [];
  let heldBytes = 0;
  let bytesUp = 0;
  let warning: Finding | undefined;
  let upstream: ClientRequest | undefined;
  let over = false;
  const start = (): ClientRequest => {
    if (upstream) return upstream;
    upstream = open();
    answer(upstream, res, drop, (status, bytesDown, error) => {
      if (over) return;
      over = true;
      hooks.done(status, bytesUp, bytesDown, warning, error);
    });
    return upstream;
  };
  const release = (keep: number) => {
    const all = Buffer.concat(held);
    held = keep > 0 ? [all.subarray(all.length - keep)] : [];
    heldBytes = keep;
    const out = all.subarray(0, all.length - keep);
    if (out.length > 0 && !start().write(out)) {
      req.pause();
      upstream!.once("drain", () => req.resume());
    }
  };
  req.on("data", (chunk: Buffer) => {
    if (over) return;
    bytesUp += chunk.length;
    const finding = scanner.push(chunk);
    if (finding && blocks(finding)) {
      over = true;
      upstream?.destroy();
      req.resume();
      return hooks.refused(findingRefusal(finding), bytesUp);
    }
    warning ??= finding;
    held.push(chunk);
    heldBytes += chunk.length;
    if (upstream || heldBytes > HOLD_BYTES) release(Math.min(CARRY_BYTES, heldBytes));
  });
  req.on("end", () => {
    if (over) return;
    release(0);
    start().end();
  });
  req.on("error", () => upstream?.destroy());
}
