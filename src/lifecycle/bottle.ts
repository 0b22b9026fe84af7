/**
 * One bottle's phases, composed: the core's part (the bundle: plan, files, findings, steps)
 * and the backend's part (the agent's side), in that order. The backend's results are checked
 * where the core reads them; its plan part is stored and handed back, never read here.
 */
import { BottleError, EXIT } from "../core/errors.ts";
import { planBundle } from "../core/bundle-plan.ts";
import { checkBackendOptions } from "../core/backend-options.ts";
import type { BackendDeps } from "../core/deps.ts";
import { gatherFacts, type Facts } from "../core/host-facts.ts";
import type { Host } from "../core/host.ts";
import type { Bottle } from "../core/load-manifest.ts";
import type { CorePlan, Plan } from "../core/plan.ts";
import { isCurrentPlan, upgradeLegacyPlan, type RecordedPlan } from "../core/plan-upgrade.ts";
import type { Finding, PreflightOptions, Step } from "../core/step.ts";
import type { RenderedFile } from "../core/write-files.ts";
import { bundleFiles, bundleFindings, bundleSteps, isReservedFileName } from "../bundle/bundle-phases.ts";
import { probeAgentImage } from "../bundle/bundle-preflight.ts";
import type { AnyBackend, Backend } from "../plugins/types.ts";
import { workspaceFindings } from "../workspace/workspace-preflight.ts";
import { workspaceCloneStep, workspaceMirrorStep } from "../workspace/workspace-steps.ts";

/** The host facts, the bottle's agent image and the backend's own, read once for the whole command. */
export function bottleFacts(
  backend: AnyBackend,
  bottle: Bottle,
  deps: BackendDeps,
  where: { readonly host: Pick<Host, "platform" | "arch" | "user">; readonly home: string },
): Promise<Facts<unknown>> {
  const { host, home } = where;
  const facts = { home, platform: host.platform, arch: host.arch, user: host.user };
  const own = async () => (backend.facts ? backend.facts(deps) : undefined);
  return gatherFacts(deps, facts, own, () => probeAgentImage(bottle.manifest.agent.image, deps.runner));
}

/** The whole plan: the core plans the bundle from the backend's `info`, the backend its part. */
export function planBottle<A, F>(backend: Backend<A, F>, bottle: Bottle, facts: Facts<F>): Plan<A> {
  const { info } = backend;
  const needs = {
    backend: backend.name,
    isolation: info.isolation,
    isolatedNetwork: info.network.isolated,
    hostKernelShared: info.features.hostKernelShared,
    guestTrust: info.features.guestTrust === true,
    dnsSink: info.features.dnsSink,
    keptHome: info.features["keptHome"] === true,
  };
  const core = planBundle(bottle, facts, needs);
  const options = checkBackendOptions(backend.name, backend.options, bottle.manifest.backendOptions);
  return { ...core, agent: backend.plan({ ...bottle, options }, facts, core) };
}

function contractBroken(backend: AnyBackend, detail: string): BottleError {
  return new BottleError("E_BACKEND_CONTRACT", `Backend "${backend.name}" broke the contract: ${detail}`, {
    exitCode: EXIT.internal,
    hint: "this is the backend's fault, not the manifest's; report it to its author (docs/plugins.md)",
  });
}

/** The bundle's files, then the backend's; a backend may not write a name the core owns. */
export function bottleFiles(backend: AnyBackend, plan: Plan): RenderedFile[] {
  const own = backend.render?.(plan) ?? [];
  const taken = own.find((file) => isReservedFileName(file.name));
  if (taken) throw contractBroken(backend, `render wrote "${taken.name}", a name the core owns`);
  return [...bundleFiles(plan), ...own];
}

/** The bundle's findings, then the backend's: all of them, read-only. */
export async function bottleFindings(
  backend: AnyBackend,
  plan: Plan,
  facts: Facts<unknown>,
  deps: BackendDeps,
  options: PreflightOptions,
): Promise<Finding[]> {
  const [core, workspace, own] = await Promise.all([
    bundleFindings(plan, facts, deps, backend.info.features.hostKernelShared),
    workspaceFindings(deps, plan.workspace, plan.agentImage),
    backend.preflight(plan, facts, deps, options),
  ]);
  return [...core, ...workspace, ...own];
}

/** The bundle's steps, then the backend's. Step ids are the journal's keys: they must not clash. */
export function bottleSteps(backend: AnyBackend, plan: Plan): Step[] {
  const workspace = plan.workspace ? { ...plan, workspace: plan.workspace } : undefined;
  const exec = (deps: BackendDeps, command: readonly string[]) => backend.exec(plan, deps, command, { tty: false });
  const first = workspace ? [workspaceMirrorStep(workspace)] : [];
  const last = workspace ? [workspaceCloneStep(workspace, exec)] : [];
  const core = [...first, ...bundleSteps(plan), ...last];
  const own = backend.launch(plan);
  const clash = own.find((step) => core.some((mine) => mine.id === step.id));
  if (clash) throw contractBroken(backend, `launch has a step "${clash.id}", an id the core's steps use`);
  // The mirror before the bundle (which mounts it); the clone once the guest runs.
  return [...first, ...bundleSteps(plan), ...own, ...last];
}

/** A recorded plan in the current shape; an API 1 plan's backend fields go through `upgrade`. */
export function recordedPlan(backend: AnyBackend, recorded: RecordedPlan): Plan {
  if (isCurrentPlan(recorded)) return recorded;
  const { core, rest } = upgradeLegacyPlan(recorded);
  return { ...core, agent: backend.upgrade ? backend.upgrade(rest) : rest };
}

/** The core's part of a recorded plan, whatever its version (no backend needed). */
export function recordedCorePlan(recorded: RecordedPlan): CorePlan {
  return isCurrentPlan(recorded) ? recorded : upgradeLegacyPlan(recorded).core;
}

/** What `plan` shows: the core's plan, then the backend's summary keys the core does not use. */
export function planView(backend: AnyBackend, plan: Plan): { plan: Plan; summary: Readonly<Record<string, string>> } {
  const summary = Object.entries(backend.summary?.(plan) ?? {}).filter(([key]) => !(key in plan));
  return { plan, summary: Object.fromEntries(summary) };
}
