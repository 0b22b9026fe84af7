/**
 * The docker placement: the bundle as a hardened container on a docker network of its own
 * (plus an egress network when the agent's network is isolated), reached by the host on its
 * bridge address. Every resource carries the home and slug labels, which is how `gc` finds them.
 */
import { BUNDLE_PORTS } from "../core/agent-env.ts";
import { bundleHostIp } from "../core/bundle-plan.ts";
import type { BackendDeps } from "../core/deps.ts";
import type { CorePlan } from "../core/plan.ts";
import { ensureSuccess } from "../core/runner.ts";
import type { Leftover, Step } from "../core/step.ts";
import { dockerFinding } from "./bundle-preflight.ts";
import { bundleContainerStep, bundleNetworkStep, egressNetworkStep } from "./bundle-steps.ts";
import {
  containerLogsArgv,
  containerRemoveArgv,
  labelledContainersArgv,
  labelledNetworksArgv,
  networkRemoveArgv,
  parseLabelledContainers,
} from "./docker-argv.ts";
import type { BundlePlacement } from "./placement.ts";

function dockerSteps(plan: CorePlan): Step[] {
  const egress = plan.bundle.egressNetwork;
  const isolated = egress !== undefined;
  return [
    bundleNetworkStep(plan, { isolated }),
    ...(egress ? [egressNetworkStep(plan, egress)] : []),
    bundleContainerStep(plan),
  ];
}

/** Our containers and networks of this home, by label. */
export async function dockerLeftovers(home: string, deps: BackendDeps): Promise<Leftover[]> {
  const containers = await deps.runner.run(labelledContainersArgv(home), { timeoutMs: 30_000 });
  const networks = await deps.runner.run(labelledNetworksArgv(home), { timeoutMs: 30_000 });
  if (containers.spawnError || networks.spawnError) return [];
  ensureSuccess(containers, "list claude-bottle containers");
  ensureSuccess(networks, "list claude-bottle networks");
  return [
    ...parseLabelledContainers(containers.stdout).map(
      ({ name, slug }): Leftover => ({ kind: "container", name, slug, removeArgvs: [containerRemoveArgv(name)] }),
    ),
    ...networks.stdout
      .split("\n")
      .filter(Boolean)
      .map((line): Leftover => {
        const [name = "", slug = ""] = line.split("\t");
        return { kind: "network", name, slug, removeArgvs: [networkRemoveArgv(name)] };
      }),
  ];
}

async function inspectBundles(
  home: string,
  plans: readonly CorePlan[],
  deps: BackendDeps,
): Promise<Map<string, string>> {
  const result = await deps.runner.run(labelledContainersArgv(home), { timeoutMs: 30_000 });
  const states =
    result.exitCode === 0
      ? new Map(parseLabelledContainers(result.stdout).map((c) => [c.name, c.state]))
      : new Map<string, string>();
  return new Map(plans.map((plan) => [plan.slug, states.get(plan.bundle.containerName) ?? "absent"]));
}

export const dockerPlacement: BundlePlacement = {
  kind: "docker",
  steps: dockerSteps,
  findings: async (_plan, deps) => [await dockerFinding(deps.runner)],
  async reach(plan) {
    const host = bundleHostIp(plan);
    return {
      supervise: `http://${host}:${BUNDLE_PORTS.supervise}`,
      gitGate: `http://${host}:${BUNDLE_PORTS.gitGate}`,
      close: async () => {},
    };
  },
  inspect: inspectBundles,
  async logs(plan, deps, options) {
    const argv = containerLogsArgv(plan.bundle.containerName, options);
    return (await deps.runner.run(argv, { inheritStdio: true })).exitCode;
  },
  leftovers: dockerLeftovers,
};

/** The placement a plan names. One for now; the plan records it so `down` needs no guess. */
export function placementOf(_plan: Pick<CorePlan, "bundle">): BundlePlacement {
  return dockerPlacement;
}
