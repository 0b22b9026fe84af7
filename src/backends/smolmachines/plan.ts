/**
 * smolmachines plan: the bundle half (shared) plus the microVM's machine name, Smolfile path and
 * the smolvm version the launch will speak. Pure and deterministic.
 */
import { join } from "node:path";
import type { Bottle } from "../../core/load-manifest.ts";
import { resourceName } from "../../core/slug.ts";
import { planBundle, type BundlePlan } from "../../bundle/bundle-plan.ts";
import type { BasePlan, HostFacts } from "../../plugins/types.ts";

export const SMOLFILE_NAME = "Smolfile";

export interface SmolmachinesPlan extends BasePlan, BundlePlan {
  readonly backend: "smolmachines";
  readonly isolation: "microvm";
  readonly machineName: string;
  readonly smolfilePath: string;
  /** From the host facts; null when smolvm is not installed (preflight then fails). */
  readonly smolvmVersion: string | null;
}

export function planSmolmachines(bottle: Bottle, facts: HostFacts): SmolmachinesPlan {
  const bundle = planBundle(bottle, facts);
  return {
    backend: "smolmachines",
    isolation: "microvm",
    ...bundle,
    machineName: resourceName(facts.home, bottle.slug),
    smolfilePath: join(bundle.stateDir, SMOLFILE_NAME),
    smolvmVersion: facts.backend["smolvmVersion"] ?? null,
  };
}
