/**
 * smolmachines plan: the microVM's machine name and Smolfile path, and every decision the
 * smolvm version settles (its features, how the agent image gets in), made here from the facts
 * so that a refusal is a preflight failure and creates nothing. Pure and deterministic.
 */
import { join } from "node:path";
import type { BackendBottle as Bottle } from "../../core/bottle.ts";
import type { Facts } from "../../core/host-facts.ts";
import type { CorePlan } from "../../core/plan.ts";
import { keptHomeDir } from "../../core/kept-home.ts";
import { resourceName } from "../../core/slug.ts";
import { guestImagePath, type GuestImagePath } from "./guest-image.ts";
import type { SmolvmProbe } from "./smolvm-probe.ts";
import { formatSemver, smolvmFeatures, type SmolvmFeatures } from "./version.ts";

export const SMOLFILE_NAME = "Smolfile";

/** The smolvm the launch will speak, as found when planning. */
export interface PlannedSmolvm {
  readonly version: string;
  readonly features: SmolvmFeatures;
  readonly guestImage: GuestImagePath;
}

export interface SmolmachinesPlan {
  readonly machineName: string;
  readonly smolfilePath: string;
  /** null when no smolvm answered (preflight then fails and nothing is launched). */
  readonly smolvm: PlannedSmolvm | null;
  /**
   * The agent image's `docker save` archive, cached by the image ID the facts found (made at
   * launch when absent); null when the engine had no such image (preflight then fails).
   */
  readonly imageArchive: string | null;
  /**
   * `[agent] persist_home`: the host directory shared into the microVM as the agent's home (a
   * smolvm volume), kept across down/up and removed by `down --purge`. Absent: the home is the image's.
   */
  readonly homeDir?: string;
}

/** Where the archive of the image with this ID is cached, under the home. */
export function imageArchivePath(home: string, imageId: string): string {
  return join(home, "cache", "images", `${imageId}.tar`);
}

export function plannedSmolvm(probe: SmolvmProbe): PlannedSmolvm | null {
  if (probe.state !== "found") return null;
  return {
    version: formatSemver(probe.version),
    features: smolvmFeatures(probe.version),
    guestImage: guestImagePath(probe.version),
  };
}

export function planSmolmachines(bottle: Bottle, facts: Facts<SmolvmProbe>, core: CorePlan): SmolmachinesPlan {
  return {
    machineName: resourceName(facts.home, bottle.slug),
    smolfilePath: join(core.stateDir, SMOLFILE_NAME),
    smolvm: plannedSmolvm(facts.backend),
    imageArchive: facts.agentImage?.state === "present" ? imageArchivePath(facts.home, facts.agentImage.id) : null,
    ...(core.persistHome ? { homeDir: keptHomeDir(facts.home, bottle.slug) } : {}),
  };
}
