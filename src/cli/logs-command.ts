/**
 * `logs NAME [-f]`: the bundle's decisions (the audit log, rotated files included), then the
 * bundle process and the agent console. Everything passes through the one terminal-safety filter
 * and is streamed: the audit log is never read whole, so memory stays constant at any size.
 */
import { join } from "node:path";
import { EXIT } from "../core/errors.ts";
import type { Runner } from "../core/runner.ts";
import { lineSplitter, safeStream } from "../core/terminal-safe.ts";
import { containerLogsArgv } from "../bundle/docker-argv.ts";
import { AUDIT_FILE_NAME, auditFilesOldestFirst } from "../bundle/audit-files.ts";
import type { BundlePlan } from "../bundle/bundle-plan.ts";
import type { BackendDeps } from "../plugins/types.ts";
import { backendOfState } from "../plugins/resolve-backend.ts";
import { backendDeps, type CliContext } from "./context.ts";
import { requireState } from "./require-state.ts";
import { formatAuditLine } from "./report.ts";

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

/** The audit files of a bundle dir, oldest first, each as formatted, escaped lines. */
export async function printAudit(ctx: CliContext, dir: string): Promise<void> {
  const out = batched(ctx.out);
  const lines = lineSplitter((line) => line && out.add(`${formatAuditLine(line)}\n`));
  for (const name of auditFilesOldestFirst(await ctx.fs.listDir(dir))) {
    const path = join(dir, name);
    if (ctx.fs.readStream) for await (const chunk of ctx.fs.readStream(path)) lines.push(chunk);
    else lines.push((await ctx.fs.readTextIfExists(path)) ?? "");
    lines.push("\n");
  }
  lines.end();
  out.flush();
}

async function follow(ctx: CliContext, plan: BundlePlan, agent: () => Promise<number>, deps: BackendDeps): Promise<number> {
  const lines = lineSplitter((line) => line && ctx.out(`${formatAuditLine(line)}\n`));
  const auditPath = join(plan.bundle.dir, AUDIT_FILE_NAME);
  const streams = [
    ctx.runner.run(["tail", "-n", "50", "-F", auditPath], { onOutput: (chunk, stream) => (stream === "stdout" ? lines.push(chunk) : undefined) }),
    deps.runner.run(containerLogsArgv(plan.bundle.containerName, { follow: true, tail: 50 }), { inheritStdio: true }),
    agent().then((exitCode) => ({ exitCode })),
  ];
  const results = await Promise.all(streams);
  return results.find((result) => result.exitCode !== 0)?.exitCode ?? EXIT.ok;
}

export async function logsCommand(ctx: CliContext, name: string, options: { follow?: boolean }): Promise<number> {
  const state = await requireState(ctx, name);
  const backend = await backendOfState(ctx.registry, state);
  const deps: BackendDeps = { ...backendDeps(ctx), runner: terminalSafeRunner(ctx.runner, ctx.out, ctx.err) };
  const plan = state.plan as unknown as BundlePlan;
  const agent = () => (backend.logs ? backend.logs(state.plan, deps, { follow: Boolean(options.follow) }) : Promise.resolve(0));
  if (options.follow) return follow(ctx, plan, agent, deps);
  ctx.out(`== egress decisions (${join(plan.bundle.dir, AUDIT_FILE_NAME)}) ==\n`);
  await printAudit(ctx, plan.bundle.dir);
  ctx.out("== bundle process ==\n");
  const bundle = await deps.runner.run(containerLogsArgv(plan.bundle.containerName, { tail: 200 }), { inheritStdio: true });
  ctx.out("== agent console ==\n");
  return bundle.exitCode || (await agent());
}
