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
  if (finding.kind === "canary")
    return {
      status: 403,
      rule: "canary",
      reason: `the sentinel of ${finding.credential} may only travel in its own header to its own hosts`,
      finding,
    };
  if (finding.kind === "secret")
    return { status: 403, rule: "dlp", reason: `the real value of ${finding.credential} is on its way out`, finding };
  return { status: 403, rule: "dlp", reason: `the request carries what looks like a ${finding.pattern}`, finding };
}

export interface ForwardHooks {
  refused(refusal: Refusal, bytesUp: number): void;
  done(status: number, bytesUp: number, bytesDown: number, warning: Finding | undefined, error?: string): void;
}

function answer(
  upstream: ClientRequest,
  res: ServerResponse,
  drop: ReadonlySet<string>,
  finish: (status: number, bytesDown: number, error?: string) => void,
): void {
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
    if (!res.headersSent)
      res
        .writeHead(502, { "content-type": "text/plain; charset=utf-8", connection: "close" })
        .end(`claude-bottle: upstream failed: ${error.message}\n`);
    else res.destroy();
    finish(502, 0, error.message);
  });
}

/** One request on its way: the held-back body, the upstream request once opened, the outcome. */
class Forwarding {
  private readonly scanner: StreamInspection;
  private held: Buffer[] = [];
  private heldBytes = 0;
  private bytesUp = 0;
  private warning: Finding | undefined;
  private upstream: ClientRequest | undefined;
  private over = false;

  constructor(
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    private readonly open: () => ClientRequest,
    inspection: Inspection,
    private readonly hooks: ForwardHooks,
    private readonly drop: ReadonlySet<string>,
  ) {
    this.scanner = new StreamInspection(inspection);
  }

  private start(): ClientRequest {
    if (this.upstream) return this.upstream;
    const upstream = (this.upstream = this.open());
    answer(upstream, this.res, this.drop, (status, bytesDown, error) => {
      if (this.over) return;
      this.over = true;
      this.hooks.done(status, this.bytesUp, bytesDown, this.warning, error);
    });
    return upstream;
  }

  /** Sends all but the last `keep` held bytes, pausing the client while the upstream is full. */
  private release(keep: number): void {
    const all = Buffer.concat(this.held);
    this.held = keep > 0 ? [all.subarray(all.length - keep)] : [];
    this.heldBytes = keep;
    const out = all.subarray(0, all.length - keep);
    if (out.length > 0 && !this.start().write(out)) {
      this.req.pause();
      this.upstream!.once("drain", () => this.req.resume());
    }
  }

  data(chunk: Buffer): void {
    if (this.over) return;
    this.bytesUp += chunk.length;
    const finding = this.scanner.push(chunk);
    if (finding && blocks(finding)) {
      this.over = true;
      this.upstream?.destroy();
      this.req.resume();
      return this.hooks.refused(findingRefusal(finding), this.bytesUp);
    }
    this.warning ??= finding;
    this.held.push(chunk);
    this.heldBytes += chunk.length;
    const carry = Math.max(CARRY_BYTES, this.scanner.span - 1);
    if (this.upstream || this.heldBytes > HOLD_BYTES) this.release(Math.min(carry, this.heldBytes));
  }

  end(): void {
    if (this.over) return;
    this.release(0);
    this.start().end();
  }

  abort(): void {
    this.upstream?.destroy();
  }
}

/** Streams `req`'s body through inspection to the request `open()` makes, and its answer back. */
export function forwardBody(
  req: IncomingMessage,
  res: ServerResponse,
  open: () => ClientRequest,
  inspection: Inspection,
  hooks: ForwardHooks,
  drop: ReadonlySet<string>,
): void {
  const forwarding = new Forwarding(req, res, open, inspection, hooks, drop);
  req.on("data", (chunk: Buffer) => forwarding.data(chunk));
  req.on("end", () => forwarding.end());
  req.on("error", () => forwarding.abort());
}
