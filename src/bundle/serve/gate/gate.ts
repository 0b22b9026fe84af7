/**
 * The git gate on :8889, `http://<bundle-ip>:8889/workspace.git`: clone and fetch over smart
 * HTTP upload-pack (upload-pack.ts) or git's dumb HTTP protocol from the read-only mirror, push
 * over smart HTTP receive-pack into quarantine (the host keeper's verdict awaited when one
 * runs). Every request is audited. No git binary: files and TypeScript only.
 */
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { createGunzip } from "node:zlib";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { join } from "node:path";
import { GATE_REPO_PATH } from "../../../core/agent-env.ts";
import type { Fs } from "../../../core/fs.ts";
import type { Audit, AuditEvent } from "../audit.ts";
import { GateStore, parseInfoRefs } from "./gate-store.ts";
import { concatBytes, FLUSH, pkt } from "./pkt-line.ts";
import {
  finalAnswer,
  MAX_REQUEST_BYTES,
  mirrorPacks,
  negotiationAnswer,
  neededPacks,
  parseUploadRequest,
  sendPacks,
  uploadAdvertisement,
} from "./upload-pack.ts";
import type { PackLimits } from "./pack-check.ts";
import { awaitVerdict, DEFAULT_VERDICT_WAIT_MS, VERDICTS_DIR } from "./keeper-verdict.ts";
import { handleReceivePack, receiveAdvertisement, type RefVetter } from "./receive-pack.ts";
import type { RefRules } from "./ref-policy.ts";
import type { PushInspector } from "./push-canary.ts";

export { GATE_REPO_PATH };

export interface GateConfig extends RefRules {
  /** The mirror as the bundle sees it (read-only). */
  readonly mirror: string;
  /** Where pushes land (writable). */
  readonly quarantine: string;
  readonly limits: PackLimits;
  /** How long a push waits for the host keeper's verdict (default 30 s). */
  readonly verdictWaitMs?: number;
}

export interface GateDeps {
  readonly bottle: string;
  readonly audit: Audit;
  /** The quarantine and the mirror's refs are read and written through it. */
  readonly fs: Fs;
  /** Undefined when the bottle has no workspace: every request is then a 404 saying so. */
  readonly config?: GateConfig;
  readonly vet?: RefVetter;
  /** Canaries in pushes; `onCanary` hears each hit (counted for /status, on_canary applied). */
  readonly inspect?: PushInspector;
  readonly onCanary?: (credential: string) => void;
}

/** Files of the mirror a dumb-HTTP client may fetch, with their content types. Nothing else. */
const FILES: readonly (readonly [RegExp, string])[] = [
  [/^\/info\/refs$/, "text/plain; charset=utf-8"],
  [/^\/HEAD$/, "text/plain"],
  [/^\/objects\/info\/packs$/, "text/plain; charset=utf-8"],
  [/^\/objects\/pack\/pack-[0-9a-f]{40}\.pack$/, "application/x-git-packed-objects"],
  [/^\/objects\/pack\/pack-[0-9a-f]{40}\.idx$/, "application/x-git-packed-objects-toc"],
  [/^\/objects\/[0-9a-f]{2}\/[0-9a-f]{38}$/, "application/x-git-loose-object"],
];

function text(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8", "cache-control": "no-cache" }).end(body);
}

/** Serves one mirror file; resolves with the bytes sent, or undefined for a 404. */
async function serveFile(res: ServerResponse, path: string, type: string): Promise<number | undefined> {
  const info = await stat(path).catch(() => undefined);
  if (!info?.isFile()) return undefined;
  res.writeHead(200, { "content-type": type, "content-length": String(info.size), "cache-control": "no-cache" });
  await new Promise<void>((resolve) => {
    const stream = createReadStream(path);
    stream.on("error", () => {
      res.destroy();
      resolve();
    });
    res.on("close", resolve);
    stream.pipe(res);
  });
  return info.size;
}

type Audited = Pick<AuditEvent, "decision"> & Partial<Pick<AuditEvent, "reason" | "bytesUp" | "bytesDown" | "refs" | "canary">>;

async function handleGet(
  req: IncomingMessage,
  res: ServerResponse,
  config: GateConfig & { fs: Fs },
  store: GateStore,
  sub: string,
  query: URLSearchParams,
): Promise<Audited> {
  if (sub === "/info/refs" && query.get("service") === "git-receive-pack") {
    const body = receiveAdvertisement(await store.currentRefs());
    res
      .writeHead(200, { "content-type": "application/x-git-receive-pack-advertisement", "cache-control": "no-cache" })
      .end(body);
    return { decision: "allow", bytesDown: body.length };
  }
  if (sub === "/info/refs" && query.get("service") === "git-upload-pack") {
    const body = await uploadAdvertisement(config.fs, config.mirror);
    res
      .writeHead(200, { "content-type": "application/x-git-upload-pack-advertisement", "cache-control": "no-cache" })
      .end(body);
    return { decision: "allow", bytesDown: body.length };
  }
  // Anything else gets the dumb answer, which git falls back to.
  const file = FILES.find(([pattern]) => pattern.test(sub));
  const sent = file ? await serveFile(res, join(config.mirror, sub), file[1]) : undefined;
  if (sent !== undefined) return { decision: "allow", bytesDown: sent };
  text(res, 404, "not found\n");
  return { decision: "deny", reason: file ? "no such file in the mirror" : "not a path the gate serves" };
}

async function handlePost(
  req: IncomingMessage,
  res: ServerResponse,
  deps: GateDeps & { config: GateConfig },
  store: GateStore,
  sub: string,
): Promise<Audited> {
  if (sub === "/git-upload-pack") return handleUpload(req, res, deps.fs, deps.config.mirror);
  if (sub !== "/git-receive-pack") {
    text(res, 403, "only git-upload-pack and git-receive-pack may be POSTed\n");
    return { decision: "deny", reason: "not a git service" };
  }
  if (req.headers["content-type"] !== "application/x-git-receive-pack-request") {
    text(res, 415, "expected application/x-git-receive-pack-request\n");
    return { decision: "deny", reason: "wrong content type" };
  }
  const outcome = await handleReceivePack(req, {
    store,
    rules: deps.config,
    limits: deps.config.limits,
    ...(deps.vet ? { vet: deps.vet } : {}),
    ...(deps.inspect ? { inspect: deps.inspect } : {}),
    verdict: (id) => awaitVerdict(deps.fs, deps.config.quarantine, id, deps.config.verdictWaitMs ?? DEFAULT_VERDICT_WAIT_MS),
  });
  const type = "application/x-git-receive-pack-result";
  if (outcome.kind === "probe") {
    res.writeHead(200, { "content-type": type, "cache-control": "no-cache" }).end();
    return { decision: "allow", reason: "probe" };
  }
  if (outcome.kind === "malformed") {
    text(res, 400, `cannot read the push: ${outcome.reason}\n`);
    return { decision: "deny", reason: outcome.reason, bytesUp: outcome.bytes };
  }
  res.writeHead(200, { "content-type": type, "cache-control": "no-cache" }).end(outcome.body);
  if (outcome.canary) {
    deps.onCanary?.(outcome.canary);
    // No refs: a ref name may be where the sentinel is, and the audit names the credential only.
    return { decision: "refused", reason: "canary", canary: outcome.canary, bytesUp: outcome.bytes };
  }
  const accepted = outcome.refs.some((ref) => ref.result === "ok");
  const reason = outcome.unpack === "ok" ? outcome.keeper : outcome.unpack;
  return {
    decision: accepted ? "allow" : "deny",
    bytesUp: outcome.bytes,
    refs: outcome.refs,
    ...(reason ? { reason } : {}),
  };
}

async function readBody(req: IncomingMessage, limit: number): Promise<Uint8Array | undefined> {
  const source: AsyncIterable<Uint8Array> = req.headers["content-encoding"] === "gzip" ? req.pipe(createGunzip()) : req;
  const parts: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of source) {
    size += chunk.length;
    if (size > limit) return undefined;
    parts.push(chunk);
  }
  return concatBytes(parts);
}

/** POST git-upload-pack: one negotiation round, or (after `done`) the packs the client lacks. */
async function handleUpload(req: IncomingMessage, res: ServerResponse, fs: Fs, mirror: string): Promise<Audited> {
  const type = "application/x-git-upload-pack-result";
  const body = await readBody(req, MAX_REQUEST_BYTES);
  const request = body === undefined ? "the request is too large" : parseUploadRequest(body);
  if (typeof request === "string") {
    res.writeHead(200, { "content-type": type, "cache-control": "no-cache" }).end(pkt(`ERR ${request}\n`));
    return { decision: "deny", reason: request };
  }
  const refs = parseInfoRefs((await fs.readTextIfExists(join(mirror, "info", "refs"))) ?? "");
  const tips = new Set(refs.values());
  const stranger = request.wants.find((id) => !tips.has(id));
  if (stranger) {
    res.writeHead(200, { "content-type": type, "cache-control": "no-cache" }).end(pkt(`ERR upload-pack: not our ref ${stranger}\n`));
    return { decision: "deny", reason: "want of an object that is no ref tip" };
  }
  const packs = await mirrorPacks(fs, mirror);
  res.writeHead(200, { "content-type": type, "cache-control": "no-cache" });
  if (!request.done) {
    const answer = negotiationAnswer(request, packs);
    res.end(answer);
    return { decision: "allow", reason: "negotiation", bytesDown: answer.length };
  }
  const banded = request.capabilities.includes("side-band-64k");
  res.write(finalAnswer(request, packs));
  const needed = neededPacks(packs, request.haves);
  const sent = await sendPacks(res, needed, banded);
  res.end(banded ? FLUSH : undefined);
  return { decision: "allow", reason: `${needed.length} of ${packs.length} packs`, bytesDown: sent };
}

async function route(
  req: IncomingMessage,
  res: ServerResponse,
  deps: GateDeps,
  store: GateStore | undefined,
): Promise<Audited> {
  const url = new URL(req.url ?? "/", "http://gate.invalid");
  if (!deps.config || !store) {
    text(res, 404, "this bottle has no workspace ([workspace] in bottle.toml)\n");
    return { decision: "deny", reason: "no workspace" };
  }
  if (!url.pathname.startsWith(`${GATE_REPO_PATH}/`)) {
    text(res, 404, `not found: the repository is ${GATE_REPO_PATH}\n`);
    return { decision: "deny", reason: "unknown repository path" };
  }
  const sub = url.pathname.slice(GATE_REPO_PATH.length);
  if (req.method === "GET") return handleGet(req, res, { ...deps.config, fs: deps.fs }, store, sub, url.searchParams);
  if (req.method === "POST") return handlePost(req, res, { ...deps, config: deps.config }, store, sub);
  text(res, 405, "method not allowed\n");
  return { decision: "deny", reason: "method not allowed" };
}

/** The gate's HTTP server (not listening yet). Prepares the quarantine directories first. */
export async function createGate(deps: GateDeps): Promise<Server> {
  const store = deps.config ? new GateStore(deps.config.mirror, deps.config.quarantine, deps.fs) : undefined;
  await store?.prepare();
  if (deps.config) await deps.fs.makeDir(join(deps.config.quarantine, VERDICTS_DIR), 0o700);
  return createServer((req, res) => {
    const started = performance.now();
    const path = new URL(req.url ?? "/", "http://gate.invalid").pathname;
    const finish = (audited: Audited) =>
      deps.audit.write({
        time: new Date().toISOString(),
        bottle: deps.bottle,
        kind: "git",
        client: req.socket.remoteAddress ?? "?",
        method: req.method ?? "?",
        host: "gate",
        path: path.slice(0, 200),
        rule: "git-gate",
        durationMs: Math.round(performance.now() - started),
        ...audited,
      });
    route(req, res, deps, store).then(finish, (error: Error) => {
      if (!res.headersSent) text(res, 500, "the gate failed on this request\n");
      else res.destroy();
      finish({ decision: "error", reason: error.message });
    });
  });
}
