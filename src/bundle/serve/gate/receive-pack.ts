/**
 * Smart-HTTP `git-receive-pack`, the push half of the gate, with no git binary: the ref
 * advertisement, the request (probe, commands, pack streamed to quarantine and checked) and the
 * report-status answer, in side-band-64k when asked.
 */
import { open, type FileHandle } from "node:fs/promises";
import type { IncomingMessage } from "node:http";
import { createGunzip } from "node:zlib";
import { concatBytes, FLUSH, pkt, sideBand } from "./pkt-line.ts";
import { PackCheck, type PackLimits } from "./pack-check.ts";
import {
  GATE_CAPABILITIES,
  parseReceiveRequest,
  ZERO_ID,
  type ReceiveRequest,
  type RefCommand,
} from "./receive-request.ts";
import { pushVerdicts, type RefRules, type RefVerdict } from "./ref-policy.ts";
import type { GateStore } from "./gate-store.ts";
import type { KeeperAnswer } from "./keeper-verdict.ts";
import type { PushInspector } from "./push-canary.ts";

/** A refusal reason for a ref the policy accepted, or undefined; `creds` can fill this in. */
export type RefVetter = (command: RefCommand) => string | undefined;

export interface ReceiveDeps {
  readonly store: GateStore;
  readonly rules: RefRules;
  readonly limits: PackLimits;
  readonly vet?: RefVetter;
  /** Canaries in the refs and the pack's objects (absent: the bottle has no credentials). */
  readonly inspect?: PushInspector;
  /** The host keeper's verdict on an accepted push (absent: accept and let the host import later). */
  readonly verdict?: (id: string) => Promise<KeeperAnswer>;
}

export interface RefOutcome extends RefCommand {
  readonly result: string;
}

export type ReceiveOutcome =
  | { readonly kind: "probe" }
  | { readonly kind: "malformed"; readonly reason: string; readonly bytes: number }
  | {
      readonly kind: "report";
      readonly unpack: string;
      readonly refs: readonly RefOutcome[];
      readonly bytes: number;
      readonly body: Uint8Array;
      /** How the host answered an accepted push: "imported", "refused", or why it did not. */
      readonly keeper?: string;
      /** The credential whose sentinel the push carried (every ref refused). */
      readonly canary?: string;
    };

/** The info/refs answer for `?service=git-receive-pack`. Never advertises delete-refs. */
export function receiveAdvertisement(refs: ReadonlyMap<string, string>): Uint8Array {
  const caps = GATE_CAPABILITIES.join(" ");
  const sorted = [...refs].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const lines =
    sorted.length === 0
      ? [`${ZERO_ID} capabilities^{}\0${caps}\n`]
      : sorted.map(([ref, id], index) => `${id} ${ref}${index === 0 ? `\0${caps}` : ""}\n`);
  return concatBytes([pkt("# service=git-receive-pack\n"), FLUSH, ...lines.map((line) => pkt(line)), FLUSH]);
}

/** report-status, wrapped in band 1 when the client asked for side-band-64k. */
export function reportStatus(unpack: string, refs: readonly RefOutcome[], sideBand64k: boolean): Uint8Array {
  const lines = [
    `unpack ${unpack}\n`,
    ...refs.map((ref) => (ref.result === "ok" ? `ok ${ref.ref}\n` : `ng ${ref.ref} ${ref.result}\n`)),
  ];
  const report = concatBytes([...lines.map((line) => pkt(line)), FLUSH]);
  return sideBand64k ? concatBytes([sideBand(1, report), FLUSH]) : report;
}

function bodySource(req: IncomingMessage): AsyncIterable<Uint8Array> {
  return req.headers["content-encoding"] === "gzip" ? req.pipe(createGunzip()) : req;
}

/** Reads until the command section is parsed; the rest of the first chunks is returned too. */
async function readCommands(
  source: AsyncIterator<Uint8Array>,
): Promise<{ request?: ReceiveRequest; probe?: true; error?: string; rest: Uint8Array; bytes: number }> {
  let body: Uint8Array = new Uint8Array(0);
  for (;;) {
    const next = await source.next();
    if (next.done) {
      const parsed = parseReceiveRequest(body);
      if (parsed.state === "probe") return { probe: true, rest: new Uint8Array(0), bytes: body.length };
      return {
        error: parsed.state === "error" ? parsed.reason : "request ended inside the commands",
        rest: new Uint8Array(0),
        bytes: body.length,
      };
    }
    body = concatBytes([body, next.value]);
    const parsed = parseReceiveRequest(body);
    if (parsed.state === "error") return { error: parsed.reason, rest: new Uint8Array(0), bytes: body.length };
    if (parsed.state === "done")
      return {
        request: parsed.request,
        rest: body.subarray(parsed.request.packOffset),
        bytes: parsed.request.packOffset,
      };
  }
}

/** Streams the pack to `path` through the checker; past the limit it only counts, then gives up. */
async function receivePack(
  source: AsyncIterator<Uint8Array>,
  first: Uint8Array,
  path: string,
  limits: PackLimits,
): Promise<PackCheck> {
  const check = new PackCheck(limits);
  const file: FileHandle = await open(path, "wx", 0o600);
  try {
    let chunk: Uint8Array | undefined = first;
    while (chunk !== undefined) {
      check.push(chunk);
      if (check.failed === undefined) await file.write(chunk);
      else if (check.bytes > limits.maxBytes * 2 + 1_048_576) break;
      const next = await source.next();
      chunk = next.done ? undefined : next.value;
    }
  } finally {
    await file.close();
  }
  return check;
}

/** The accepted refs' results once the keeper has answered: its refusal reason on each. */
function applyAnswer(outcomes: RefOutcome[], answer: KeeperAnswer): RefOutcome[] {
  if ("none" in answer || answer.ok) return outcomes;
  const reason = answer.reason ?? "the host refused the push";
  return outcomes.map((outcome) => (outcome.result === "ok" ? { ...outcome, result: reason } : outcome));
}

function keeperNote(answer: KeeperAnswer): string {
  if ("none" in answer) return `accepted unchecked (${answer.none}); the host imports it on pull or down`;
  return answer.ok ? "imported" : "refused by the host";
}

async function decide(
  deps: ReceiveDeps,
  request: ReceiveRequest,
  packPath: string,
  pack: { objects: number; bytes: number },
): Promise<{ outcomes: RefOutcome[]; keeper?: string }> {
  return deps.store.exclusive(async () => {
    const current = await deps.store.currentRefs();
    const atomic = request.capabilities.includes("atomic");
    const verdicts: RefVerdict[] = pushVerdicts(request.commands, current, deps.rules, atomic).map((verdict, index) => {
      const vetoed = verdict.ok ? deps.vet?.(request.commands[index] as RefCommand) : undefined;
      return vetoed ? { ok: false, reason: vetoed } : verdict;
    });
    const refused = atomic && verdicts.some((verdict) => !verdict.ok);
    const outcomes = request.commands.map((command, index): RefOutcome => {
      const verdict = verdicts[index] as RefVerdict;
      return { ...command, result: verdict.ok && !refused ? "ok" : verdict.ok ? "atomic push failed" : verdict.reason };
    });
    const accepted = outcomes
      .filter((outcome) => outcome.result === "ok")
      .map(({ oldId, newId, ref }) => ({ oldId, newId, ref }));
    if (accepted.length === 0) {
      await deps.store.discard(packPath);
      return { outcomes };
    }
    const record = await deps.store.commit(packPath, { refs: accepted, ...pack });
    // Still inside the lock: the next push compares against what the host made of this one.
    if (!deps.verdict) return { outcomes };
    const answer = await deps.verdict(record.id);
    return { outcomes: applyAnswer(outcomes, answer), keeper: keeperNote(answer) };
  });
}

/** Handles one POST to git-receive-pack; the caller writes `body` (or a 400 for "malformed"). */
export async function handleReceivePack(req: IncomingMessage, deps: ReceiveDeps): Promise<ReceiveOutcome> {
  const source = bodySource(req)[Symbol.asyncIterator]();
  const head = await readCommands(source);
  if (head.probe) return { kind: "probe" };
  if (!head.request) return { kind: "malformed", reason: head.error ?? "bad request", bytes: head.bytes };
  const { request } = head;
  const sideBand64k = request.capabilities.includes("side-band-64k");
  const packPath = deps.store.incomingPath();
  const check = await receivePack(source, head.rest, packPath, deps.limits);
  const onlyDeletes = request.commands.every((command) => command.newId === ZERO_ID);
  const verdict = onlyDeletes && check.bytes === 0 ? { ok: true as const, objects: 0, bytes: 0 } : check.finish();
  let refs: RefOutcome[];
  let unpack = "ok";
  let keeper: string | undefined;
  const finding = verdict.ok ? await deps.inspect?.(request.commands, packPath, verdict.objects) : undefined;
  if (!verdict.ok || (finding && "unreadable" in finding)) {
    await deps.store.discard(packPath);
    unpack = verdict.ok ? (finding as { unreadable: string }).unreadable : verdict.reason;
    refs = request.commands.map((command) => ({ ...command, result: "unpacker error" }));
  } else if (finding) {
    await deps.store.discard(packPath);
    refs = request.commands.map((command) => ({ ...command, result: "canary" }));
  } else {
    ({ outcomes: refs, keeper } = await decide(deps, request, packPath, verdict));
  }
  const canary = finding && "canary" in finding ? { canary: finding.canary } : {};
  return {
    kind: "report",
    unpack,
    refs,
    bytes: head.bytes + check.bytes,
    body: reportStatus(unpack, refs, sideBand64k),
    ...(keeper ? { keeper } : {}),
    ...canary,
  };
}
