/**
 * The Smolfile, from the seed renderer (smolvm 0.8.0 shape), produced with smol-toml from an
 * object so any value round-trips. Pure.
 *
 * It holds exactly two things:
 *   env = ["K=V", …]                      sorted by key, the agent's bundle env plus manifest env
 *   [network] allow_cidrs = ["<ip>/32"]   the bundle and nothing else
 * No image/entrypoint/cmd (they come with the guest image at launch), no cpus/memory (smolvm
 * defaults), no `net` (allow_cidrs implies it, reference §1.4), no outbound-localhost-only and
 * nothing of the abandoned gvproxy design ([[net]], unixgram sockets).
 */
import { stringify } from "smol-toml";
import { sortedRecord } from "../../core/bundle-plan.ts";
import type { Plan } from "../../core/plan.ts";
import type { RenderedFile } from "../../core/write-files.ts";
import { SMOLFILE_NAME, type SmolmachinesPlan } from "./plan.ts";

export interface Smolfile {
  readonly env: readonly string[];
  readonly network: { readonly allow_cidrs: readonly string[] };
}

/** The Smolfile as data: the one place its shape is decided. */
export function smolfile(plan: Pick<Plan, "env" | "bundleIp">): Smolfile {
  return {
    env: Object.entries(sortedRecord(plan.env)).map(([key, value]) => `${key}=${value}`),
    network: { allow_cidrs: [`${plan.bundleIp}/32`] },
  };
}

export function renderSmolfile(plan: Pick<Plan, "env" | "bundleIp">): string {
  return `${stringify(smolfile(plan))}\n`;
}

/** The Smolfile only: the bundle's config is the core's to render. */
export function renderSmolmachines(plan: Plan<SmolmachinesPlan>): RenderedFile[] {
  return [{ name: SMOLFILE_NAME, contents: renderSmolfile(plan), mode: 0o600 }];
}
