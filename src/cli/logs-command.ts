/**
 * `logs NAME [-f]`: the bundle's decisions (the audit log, rotated files included), then the
 * bundle process and the agent console. Everything passes through the one terminal-safety filter
 * and is streamed: the audit log is never read whole, so memory stays constant at any size.
 */
import { join } from "node:path";
import { BottleError, EXIT } from "../core/errors.ts";
import type { BottleState } from "../core/state.ts";
import { latestArchive, SUMMARY_FILE } from "../lifecycle/archive.ts";
import type { Runner } from "../core/runner.ts";
import { lineSplitter, safeStream } from "../core/terminal-safe.ts";
import { placementOf } from "../bundle/docker-placement.ts";
import { AUDIT_FILE_NAME, auditFilesOldestFirst } from "../bundle/audit-files.ts";
import type { BackendDeps } from "../core/deps.ts";
import type { Plan } from "../core/plan.ts";
import { recordedPlan } from "../lifecycle/bottle.ts";
import { backendOfState } from "../plugins/resolve-backend.ts";
import { backendDeps, type CliContext } from "./context.ts";
import { requireState } from "./require-state.ts";
import { formatAuditLine, terminalSafe } from "./report.ts";

/** Output gathered into writes of about 64 KiB: a line per write costs a syscall per line. */
function batched(write: (text: string) => void): { add(text: string): void; flush(): void } {
  let buffer: string[] = [];
  let size = 0;
  const flush = () => {
    if (buffer.length > 0) write(buffer.join(""));
    buffer = [];
    size = 0;
  };
  return { add: (text) => ((size += text.length), buffer.push(text), size >= 65_536 && flush()), flush };
}

/**
 * A runner whose "connect to our terminal" runs go through the filter instead: what a backend's
 * `logs` prints reaches the user escaped. Output a runner collected anyway is filtered too.
 */
export function terminalSafeRunner(runner: Runner, out: (text: string) => void, err: (text: string) => void): Runner {
  return {
    async run(argv, options = {}) {
      if (!options.inheritStdio) return runner.run(argv, options);
      const { inheritStdio: _, ...rest } = options;
      const streams = { stdout: safeStream(out), stderr: safeStream(err) };
      const result = await runner.run(argv, { ...rest, onOutput: (chunk, stream) => streams[stream].push(chunk) });
      streams.stdout.push(result.stdout);
      streams.stderr.push(result.stderr);
      streams.stdout.end();
      streams.stderr.end();
      return result;
    },
  };
}

/** Canary hits and DLP findings: shown first, before every other decision. */
export function isAlarm(line: string): boolean {
  return line.includes('"canary":') || line.includes('"dlp":');
}

/** The audit files of a bundle dir, oldest first, each as formatted, escaped lines (those `only` keeps). */
export async function printAudit(ctx: CliContext, dir: string, only: (line: string) => boolean = () => true): Promise<void> {
  const out = batched(ctx.out);
  const lines = lineSplitter((line) => line && only(line) && out.add(`${formatAuditLine(line)}\n`));
  for (const name of auditFilesOldestFirst(await ctx.fs.listDir(dir))) {
    const path = join(dir, name);
    if (ctx.fs.readStream) for await (const chunk of ctx.fs.readStream(path)) lines.push(chunk);
    else lines.push((await ctx.fs.readTextIfExists(path)) ?? "");
    lines.push("\n");
  }
  lines.end();
  out.flush();
}

async function follow(ctx: CliContext, plan: Plan, agent: () => Promise<number>, deps: BackendDeps): Promise<number> {
  const lines = lineSplitter((line) => line && ctx.out(`${formatAuditLine(line)}\n`));
  const auditPath = join(plan.bundle.dir, AUDIT_FILE_NAME);
  const streams = [
    ctx.runner.run(["tail", "-n", "50", "-F", auditPath], { onOutput: (chunk, stream) => (stream === "stdout" ? lines.push(chunk) : undefined) }),
    placementOf(plan).logs(plan, deps, { follow: true, tail: 50 }).then((exitCode) => ({ exitCode })),
    agent().then((exitCode) => ({ exitCode })),
  ];
  const results = await Promise.all(streams);
  return results.find((result) => result.exitCode !== 0)?.exitCode ?? EXIT.ok;
}

/** A bottle that is down: its newest archive, said to be one. */
async function archivedLogs(ctx: CliContext, name: string, dir: string, follow: boolean): Promise<number> {
  const summary = JSON.parse((await ctx.fs.readTextIfExists(join(dir, SUMMARY_FILE))) ?? "{}") as Record<string, unknown>;
  const counts = (summary["counts"] ?? {}) as Record<string, unknown>;
  const facts = `backend ${String(summary["backend"])}, up ${String(summary["createdAt"])}, down ${String(summary["downAt"])}`;
  const tally = `${String(counts["lines"])} decisions: ${String(counts["allow"])} allowed, ${String(counts["deny"])} denied`;
  ctx.out(terminalSafe(`== bottle "${name}" is down: archived record in ${dir} ==`) + "\n");
  ctx.out(terminalSafe(`${facts}; ${tally}`) + "\n");
  ctx.out("== canary hits and DLP findings (archived) ==\n");
  await printAudit(ctx, dir, isAlarm);
  ctx.out("== egress decisions (archived) ==\n");
  await printAudit(ctx, dir);
  if (follow) ctx.err(`nothing to follow: bottle "${name}" is down\n`);
  return EXIT.ok;
}

/** The bottle's state, or for a bottle that is down the newest archive of it. */
async function stateOrArchive(ctx: CliContext, name: string): Promise<{ state: BottleState } | { archive: string }> {
  try {
    return { state: await requireState(ctx, name) };
  } catch (error) {
    const archive = error instanceof BottleError && error.code === "E_NO_BOTTLE" ? await latestArchive(ctx.fs, ctx.home, name) : undefined;
    if (!archive) throw error;
    return { archive };
  }
}

export async function logsCommand(ctx: CliContext, name: string, options: { follow?: boolean }): Promise<number> {
  const found = await stateOrArchive(ctx, name);
  if ("archive" in found) return archivedLogs(ctx, name, found.archive, Boolean(options.follow));
  const { state } = found;
  const backend = await backendOfState(ctx.registry, state);
  const deps: BackendDeps = { ...backendDeps(ctx), runner: terminalSafeRunner(ctx.runner, ctx.out, ctx.err) };
  const plan = recordedPlan(backend, state.plan);
  const agent = () => (backend.logs ? backend.logs(plan, deps, { follow: Boolean(options.follow) }) : Promise.resolve(0));
  if (options.follow) return follow(ctx, plan, agent, deps);
  ctx.out("== canary hits and DLP findings ==\n");
  await printAudit(ctx, plan.bundle.dir, isAlarm);
  ctx.out(`== egress decisions (${join(plan.bundle.dir, AUDIT_FILE_NAME)}) ==\n`);
  await printAudit(ctx, plan.bundle.dir);
  ctx.out("== bundle process ==\n");
  const bundle = await placementOf(plan).logs(plan, deps, { follow: false, tail: 200 });
  ctx.out("== agent console ==\n");
  return bundle || (await agent());
}
