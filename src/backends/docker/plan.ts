/**
 * docker plan: the agent container's name, address and user. The core gives the bundle an
 * isolated network (this backend's info says so) and an egress network. Pure and deterministic.
 */
import type { BackendBottle as Bottle } from "../../core/bottle.ts";
import type { Facts } from "../../core/host-facts.ts";
import type { CorePlan } from "../../core/plan.ts";
import { resourceName } from "../../core/slug.ts";
import { keptHomeVolume } from "../../core/kept-home.ts";
import { addressInSubnet } from "../../core/subnet.ts";

export interface DockerPlan {
  readonly agentContainer: {
    readonly name: string;
    /** .3 on the bottle's network: next to the bundle, nothing else there. */
    readonly ip: string;
    /** uid:gid the agent runs as: never root. */
    readonly user: string;
    /** `[agent] persist_home`: the docker volume mounted as the agent's home; absent: a tmpfs. */
    readonly homeVolume?: string;
  };
}

export const AGENT_USER = "1000:1000";

export function planDocker(bottle: Bottle, facts: Facts, core: CorePlan): DockerPlan {
  return {
    agentContainer: {
      name: resourceName(facts.home, bottle.slug, "agent"),
      ip: addressInSubnet(core.bundleSubnet, 3),
      user: AGENT_USER,
      ...(core.persistHome ? { homeVolume: keptHomeVolume(facts.home, bottle.slug) } : {}),
    },
  };
}
