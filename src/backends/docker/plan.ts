/**
 * docker plan: the same bundle half as every backend, its network isolated, plus an egress
 * network for the bundle and the agent container's name and address. Pure and deterministic.
 */
import type { Bottle } from "../../core/load-manifest.ts";
import { resourceName } from "../../core/slug.ts";
import { addressInSubnet } from "../../core/subnet.ts";
import { planBundle, type BundlePlan } from "../../bundle/bundle-plan.ts";
import type { BasePlan, HostFacts } from "../../plugins/types.ts";

export interface DockerPlan extends BasePlan, BundlePlan {
  readonly backend: "docker";
  readonly isolation: "container";
  readonly egressNetwork: NonNullable<BundlePlan["egressNetwork"]>;
  readonly agentContainer: {
    readonly name: string;
    /** .3 on the bottle's network: next to the bundle, nothing else there. */
    readonly ip: string;
    /** uid:gid the agent runs as: never root. */
    readonly user: string;
  };
}

export const AGENT_USER = "1000:1000";

export function planDocker(bottle: Bottle, facts: HostFacts): DockerPlan {
  const bundle = planBundle(bottle, facts, { egressNetwork: true });
  return {
    backend: "docker",
    isolation: "container",
    ...bundle,
    egressNetwork: bundle.egressNetwork!,
    agentContainer: { name: resourceName(facts.home, bottle.slug, "agent"), ip: addressInSubnet(bundle.bundleSubnet, 3), user: AGENT_USER },
    warnings: [...bundle.warnings, "isolation is a container: the agent shares the host kernel (use smolmachines for a microVM)"],
  };
}
