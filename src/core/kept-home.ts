/**
 * `[agent] persist_home`: the agent's home kept across `down`/`up` of the same bottle name. Docker
 * keeps it in a volume carrying the home's and the bottle's labels plus LABEL_KEPT; smolmachines in
 * a host directory under the state home (`kept-homes/<slug>`), shared into the microVM as a smolvm
 * volume. `down --purge` removes it and `gc` lists it. Credentials are never kept: the guest only ever holds sentinels,
 * so a `.credentials.json` there can only come from a login inside the bottle (an OAuth refresh
 * token the agent would hold, single-use and rotating); it is deleted whenever the agent starts
 * or stops. Pure.
 */
import { join } from "node:path";
import { LABEL_HOME, LABEL_SLUG, resourceName } from "./slug.ts";

export const LABEL_KEPT = "dev.claude-bottle.kept";
/** Where the agent's home is, in every guest. */
export const AGENT_HOME = "/home/agent";
/** Claude Code's login file, relative to the home: never kept. */
export const CREDENTIALS_FILE = ".claude/.credentials.json";

export function keptHomeVolume(home: string, slug: string): string {
  return resourceName(home, slug, "home");
}

/** The directory of the state home holding the kept homes that live on the host (smolmachines). */
export function keptHomesDir(home: string): string {
  return join(home, "kept-homes");
}

/** The host directory a microVM's kept home lives in. */
export function keptHomeDir(home: string, slug: string): string {
  return join(keptHomesDir(home), slug);
}

export function keptHomeCreateArgv(home: string, slug: string): string[] {
  const labels = [`${LABEL_SLUG}=${slug}`, `${LABEL_HOME}=${home}`, `${LABEL_KEPT}=agent-home`];
  return ["docker", "volume", "create", ...labels.flatMap((label) => ["--label", label]), keptHomeVolume(home, slug)];
}

/** Every kept home of this state home: `NAME\tSLUG` lines. */
export function keptHomesListArgv(home: string): string[] {
  const filters = [`label=${LABEL_HOME}=${home}`, `label=${LABEL_KEPT}=agent-home`].flatMap((f) => ["--filter", f]);
  return ["docker", "volume", "ls", ...filters, "--format", `{{.Name}}\t{{.Label "${LABEL_SLUG}"}}`];
}

export function keptHomeRemoveArgv(volume: string): string[] {
  return ["docker", "volume", "rm", volume];
}

/** Run in the guest as the agent: deletes a login file, whatever it is (a link included). */
export function stripCredentialsCommand(): string[] {
  return ["rm", "-f", `${AGENT_HOME}/${CREDENTIALS_FILE}`];
}
