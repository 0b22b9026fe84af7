/** `up`, `down`, `ls`, `exec`, `attach`, `logs`, `gc`: the lifecycle, wired to the terminal. */
import { BottleError, EXIT, UsageError } from "../core/errors.ts";
import { parseDuration } from "../core/duration.ts";
import { pruneArchives } from "../lifecycle/archive.ts";
import { loadManifest, DEFAULT_MANIFEST } from "../core/load-manifest.ts";
import { requireState } from "./require-state.ts";
import { assertBottleName } from "../core/state.ts";
import type { BackendDeps } from "../core/deps.ts";
import { placementOf } from "../bundle/docker-placement.ts";
import { recordedPlan } from "../lifecycle/bottle.ts";
import type { LifecycleContext } from "../lifecycle/context.ts";
import { upBottle } from "../lifecycle/up.ts";
import { downBottle } from "../lifecycle/down.ts";
import { listBottles } from "../lifecycle/list.ts";
import { gcBottles } from "../lifecycle/gc.ts";
import { listKeptHomes, purgeKeptHome } from "../lifecycle/kept-homes.ts";
import { backendDeps, type CliContext } from "./context.ts";
import { json } from "./report.ts";
import { backendOfState } from "../plugins/resolve-backend.ts";

function lifecycle(ctx: CliContext, asJson: boolean, signal?: AbortSignal): LifecycleContext {
  const progress: LifecycleContext["progress"] = asJson ? (event) => ctx.out(JSON.stringify(event) + "\n") : (event) => ctx.err(`${event.message}\n`);
  const base = backendDeps(ctx, signal);
  const deps: BackendDeps = asJson ? { ...base, log: { info: (message) => progress({ event: "progress", message }), warn: (message) => progress({ event: "warning", message }) } } : base;
  return { home: ctx.home, host: ctx.host, deps, locks: ctx.locks, registry: ctx.registry, progress, ...(ctx.processes ? { processes: ctx.processes } : {}) };
}

/** `keeper NAME`: the host keeper, as `up` starts it (detached; its log is the state dir's keeper.log). */
export async function keeperCommand(ctx: CliContext, name: string): Promise<number> {
  assertBottleName(name);
  if (!ctx.processes) throw new BottleError("E_NO_PROCESSES", `Cannot keep bottle "${name}": this host gave claude-bottle no process control`, { exitCode: EXIT.internal });
  const { runKeeper } = await import("../lifecycle/keeper-run.ts");
  return runKeeper(lifecycle(ctx, false), ctx.processes, name, ctx.terminated());
}

async function running(ctx: CliContext, name: string) {
  const state = await requireState(ctx, name);
  if (state.status !== "running") {
    const why = state.stoppedBy ? `its agent was stopped: the sentinel of ${state.stoppedBy.canary} showed up (on_canary = "stop")` : `it is ${state.status}`;
    throw new BottleError("E_NOT_RUNNING", `Cannot reach bottle "${name}": ${why}`, { hint: `claude-bottle logs ${name} shows why; claude-bottle down ${name}, then up again` });
  }
  const backend = await backendOfState(ctx.registry, state);
  return { state, backend, plan: recordedPlan(backend, state.plan) };
}

export interface UpOptions {
  readonly detach?: boolean;
  readonly json?: boolean;
  readonly rm?: boolean;
  readonly allowUnenforcedEgress?: boolean;
}

export async function upCommand(ctx: CliContext, manifestPath: string | undefined, options: UpOptions): Promise<number> {
  const bottle = await loadManifest(ctx.fs, manifestPath ?? DEFAULT_MANIFEST, ctx.host.cwd);
  const interrupts = ctx.interrupts();
  let state;
  try {
    const life = lifecycle(ctx, Boolean(options.json), interrupts.signal);
    state = await upBottle(life, bottle, { allowUnenforcedEgress: Boolean(options.allowUnenforcedEgress) });
    life.progress({ event: "up", message: `bottle "${state.slug}" is up (bundle ${state.plan.bundleIp}, ${state.plan.isolation})`, slug: state.slug, bundleIp: state.plan.bundleIp });
  } finally {
    interrupts.dispose();
  }
  if (options.detach || options.json) return EXIT.ok;
  const code = await attachCommand(ctx, state.slug);
  if (options.rm) await downCommand(ctx, state.slug, {});
  else ctx.err(nextSteps(state.slug, state.plan.workspace !== undefined));
  return code;
}

/** What to do once the agent has exited and the bottle stays up. Pure. */
export function nextSteps(slug: string, workspace: boolean): string {
  const steps: [string, string][] = [
    [`attach ${slug}`, "go back to the agent"],
    ...(workspace ? ([
      [`diff ${slug}`, "what the agent changed on the branches it pushed"],
      [`pull ${slug}`, `bring those branches here, as bottle-${slug}/BRANCH`],
    ] as [string, string][]) : []),
    [`down ${slug}`, "remove the bottle"],
  ];
  const width = Math.max(...steps.map(([command]) => command.length));
  const lines = steps.map(([command, what]) => `  claude-bottle ${command.padEnd(width)}  ${what}\n`);
  return `bottle "${slug}" is still up. Next:\n${lines.join("")}`;
}

export async function downCommand(ctx: CliContext, name: string, options: { json?: boolean; purge?: boolean }): Promise<number> {
  assertBottleName(name);
  const result = await downBottle(lifecycle(ctx, Boolean(options.json)), name);
  const purged = options.purge ? await purgeKeptHome(ctx.home, name, backendDeps(ctx)) : [];
  const message = result.existed ? `bottle "${name}" removed` : `bottle "${name}" was not up; nothing to remove`;
  if (options.json) {
    const kept = options.purge ? { purged: purged.map((entry) => entry.where) } : {};
    ctx.out(json({ event: "down", slug: name, existed: result.existed, undone: result.undone, archive: result.archive, ...kept }));
    return EXIT.ok;
  }
  ctx.err(`${message}\n`);
  for (const entry of purged) ctx.err(`removed the agent's kept home (${entry.kind} ${entry.where})\n`);
  return EXIT.ok;
}

export async function lsCommand(ctx: CliContext, options: { json?: boolean }): Promise<number> {
  const rows = await listBottles(lifecycle(ctx, Boolean(options.json)));
  if (options.json) {
    ctx.out(json(rows));
    return EXIT.ok;
  }
  const pushes = (r: (typeof rows)[number]) => (r.pushesWaiting === null ? "-" : String(r.pushesWaiting));
  const status = (r: (typeof rows)[number]) => (r.stoppedBy ? `stopped (canary ${r.stoppedBy.canary})` : r.status);
  const table = [["NAME", "BACKEND", "STATUS", "BUNDLE", "AGENT", "BUNDLE IP", "PUSHES", "CREATED"], ...rows.map((r) => [r.name, r.backend, status(r), r.bundle, r.agent, r.bundleIp, pushes(r), r.createdAt])];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  ctx.out(table.map((row) => row.map((cell, i) => cell.padEnd(widths[i]!)).join("  ").trimEnd() + "\n").join(""));
  return EXIT.ok;
}

export async function execCommand(ctx: CliContext, name: string, command: readonly string[]): Promise<number> {
  assertBottleName(name);
  if (command.length === 0) throw new BottleError("E_USAGE", "Cannot exec: no command given", { exitCode: EXIT.usage, hint: `claude-bottle exec ${name} -- COMMAND [ARGS...]` });
  const { backend, plan } = await running(ctx, name);
  return backend.exec(plan, backendDeps(ctx), command, { tty: await ctx.host.stdinIsTty() });
}

export async function attachCommand(ctx: CliContext, name: string): Promise<number> {
  const { backend, plan } = await running(ctx, name);
  if (!backend.info.features.interactiveAttach) {
    throw new BottleError("E_NO_ATTACH", `Cannot attach to "${name}": backend "${backend.name}" has no interactive attach`, {
      exitCode: EXIT.usage,
      hint: `claude-bottle exec ${name} -- COMMAND runs a command in it`,
    });
  }
  // In the workspace clone: an image's own WORKDIR (the default image's is the agent's home) is not it.
  const workdir = plan.workspace === undefined ? {} : { workdir: plan.workspace.path };
  return backend.exec(plan, backendDeps(ctx), plan.agentCommand, { tty: await ctx.host.stdinIsTty(), ...workdir });
}

export interface GcOptions {
  readonly dryRun?: boolean;
  readonly json?: boolean;
  readonly archives?: boolean;
  readonly olderThan?: string;
}

/** `gc --archives --older-than DUR`: archived records past their age, removed (or listed). */
async function gcArchives(ctx: CliContext, options: GcOptions): Promise<number> {
  const seconds = options.olderThan === undefined ? undefined : parseDuration(String(options.olderThan));
  if (seconds === undefined) {
    const cause = options.olderThan === undefined ? "--older-than is required" : `"${String(options.olderThan)}" is not a duration`;
    throw new UsageError("E_USAGE", `Cannot prune archives: ${cause}`, { hint: "claude-bottle gc --archives --older-than 30d (s, m, h, d)" });
  }
  const pruned = await pruneArchives(ctx.fs, ctx.home, seconds, new Date(), Boolean(options.dryRun));
  if (options.json) ctx.out(json({ archives: pruned, dryRun: Boolean(options.dryRun) }));
  else if (pruned.length === 0) ctx.out("no archive is that old\n");
  else ctx.out(pruned.map((dir) => `${options.dryRun ? "would remove" : "removed"} archive ${dir}\n`).join(""));
  return EXIT.ok;
}

export async function gcCommand(ctx: CliContext, options: GcOptions): Promise<number> {
  if (options.archives || options.olderThan !== undefined) return gcArchives(ctx, options);
  const result = await gcBottles(lifecycle(ctx, Boolean(options.json)), Boolean(options.dryRun));
  const kept = await listKeptHomes(ctx.home, backendDeps(ctx));
  if (options.json) {
    ctx.out(json({ ...result, keptHomes: kept }));
  } else {
    for (const entry of kept) ctx.out(`kept home of bottle "${entry.slug}": ${entry.kind} ${entry.where} (claude-bottle down --purge ${entry.slug} removes it)\n`);
    const verb = options.dryRun ? "would remove" : "removed";
    for (const leftover of options.dryRun ? result.found : result.removed) ctx.out(`${verb} ${leftover.kind} ${leftover.name}\n`);
    for (const failure of result.failed) ctx.err(`could not remove ${failure.leftover.kind} ${failure.leftover.name}: ${failure.error}\n`);
    for (const skipped of result.unsearched) ctx.err(`could not look for ${skipped.backend}'s leftovers: ${skipped.error}\n`);
    if (result.found.length === 0 && result.unsearched.length === 0) ctx.out("nothing to collect\n");
  }
  return result.failed.length > 0 || result.unsearched.length > 0 ? EXIT.failed : EXIT.ok;
}
