/** docker command lines for the agent container. Pure builders, table-tested. */
import { dirname, join } from "node:path";
import { GUEST_CA_PATH, GUEST_TRUST_PATH } from "../../core/agent-env.ts";
export { IMAGE_ROOTS_PATHS } from "../../core/agent-env.ts";
import { AGENT_HOME } from "../../core/kept-home.ts";
import { LABEL_HOME, LABEL_SLUG } from "../../core/slug.ts";
import type { Plan } from "../../core/plan.ts";
import type { DockerPlan } from "./plan.ts";
import { CAPPED_LOGS } from "../../bundle/docker-argv.ts";

export const WORKSPACE = "/workspace";

/** Keeps the container alive without depending on the image's entrypoint or on `sleep infinity`. */
const IDLE = ["sh", "-c", 'trap "exit 0" TERM INT; while :; do sleep 3600 & wait $!; done'];

export const AGENT_PIDS_LIMIT = 4096;

/** CPU, memory (swap included: no more than the memory itself) and process limits. */
export function agentLimitsArgv(cpus: number, memoryMiB: number): string[] {
  return ["--cpus", String(cpus), "--memory", `${memoryMiB}m`, "--memory-swap", `${memoryMiB}m`, "--pids-limit", String(AGENT_PIDS_LIMIT)];
}

/**
 * tmpfs pages count against the container's memory, so the tmpfs sizes follow it: the workspace
 * half of it, /tmp a quarter up to 1 GiB, the home an eighth up to 512 MiB. MiB.
 */
export function tmpfsSizes(memoryMiB: number): { workspace: number; tmp: number; home: number } {
  const eighth = Math.floor(memoryMiB / 8);
  return { workspace: Math.floor(memoryMiB / 2), tmp: Math.min(1024, Math.floor(memoryMiB / 4)), home: Math.min(512, eighth) };
}

/**
 * The agent's own home (the default agent image's `agent` user has it there), so ~/.claude stays
 * out of the clone: a tmpfs, or the kept volume (docker fills a new one from the image's
 * /home/agent, owner included).
 */
function homeArgv(agent: DockerPlan["agentContainer"], sizeMiB: number): string[] {
  if (agent.homeVolume) return ["--mount", `type=volume,source=${agent.homeVolume},target=${AGENT_HOME}`];
  const [uid, gid] = agent.user.split(":");
  return ["--tmpfs", `${AGENT_HOME}:rw,nosuid,nodev,uid=${uid},gid=${gid},mode=0700,size=${sizeMiB}m`];
}

/**
 * Hardened: non-root, no capabilities, no privilege gain, read-only root with a writable
 * workspace (`[workspace] path`, the working directory), home and /tmp, the bundle CA mounted
 * read-only where NODE_EXTRA_CA_CERTS points, DNS pointed at the bundle's sink, and only the
 * isolated network.
 */
export function agentRunArgv(plan: Pick<Plan<DockerPlan>, "slug" | "home" | "agent" | "agentImage" | "agentCpus" | "agentMemoryMiB" | "bundle" | "bundleIp" | "env" | "workspace">): string[] {
  const [entrypoint, ...command] = IDLE;
  const agent = plan.agent.agentContainer;
  const [uid, gid] = agent.user.split(":");
  const tmpfs = tmpfsSizes(plan.agentMemoryMiB);
  const workspace = plan.workspace?.path ?? WORKSPACE;
  return [
    "docker", "run", "--detach",
    "--pull", "never", // nothing is pulled for the agent: preflight checks the image is here
    "--name", agent.name,
    "--network", plan.bundle.networkName,
    "--ip", agent.ip,
    "--dns", plan.bundleIp,
    "--label", `${LABEL_SLUG}=${plan.slug}`,
    "--label", `${LABEL_HOME}=${plan.home}`,
    "--user", agent.user,
    "--read-only",
    "--cap-drop", "ALL",
    "--security-opt", "no-new-privileges",
    ...agentLimitsArgv(plan.agentCpus, plan.agentMemoryMiB),
    ...CAPPED_LOGS,
    "--tmpfs", `/tmp:rw,nosuid,nodev,size=${tmpfs.tmp}m`,
    "--tmpfs", `${workspace}:rw,exec,nosuid,nodev,uid=${uid},gid=${gid},mode=0700,size=${tmpfs.workspace}m`,
    ...homeArgv(agent, tmpfs.home),
    "--workdir", workspace,
    "--env", `HOME=${AGENT_HOME}`,
    ...Object.entries(plan.env).flatMap(([key, value]) => ["--env", `${key}=${value}`]),
    "--mount", `type=bind,source=${plan.bundle.caCertPath},target=${GUEST_CA_PATH},readonly`,
    "--mount", `type=bind,source=${guestTrustHostPath(plan)},target=${GUEST_TRUST_PATH},readonly`,
    "--entrypoint", entrypoint!,
    plan.agentImage,
    ...command,
  ];
}

/** Where `up` writes the agent's combined trust (the image's roots + the bottle CA): beside the CA. */
export function guestTrustHostPath(plan: Pick<Plan<DockerPlan>, "bundle">): string {
  return join(dirname(plan.bundle.caCertPath), "guest-trust.pem");
}

/** A container made from the agent image only to copy its roots out: never started, no network. */
export function rootsContainerArgv(
  plan: Pick<Plan<DockerPlan>, "slug" | "home" | "agentImage">,
  name: string,
): string[] {
  const labels = ["--label", `${LABEL_SLUG}=${plan.slug}`, "--label", `${LABEL_HOME}=${plan.home}`];
  const create = ["docker", "create", "--pull", "never", "--name", name, "--network", "none"];
  return [...create, ...labels, "--entrypoint", IDLE[0]!, plan.agentImage];
}

/** Copies one file out of a (stopped) container, following a symlink (Alpine's cert.pem is one). */
export function rootsCopyArgv(name: string, path: string, destination: string): string[] {
  return ["docker", "cp", "--follow-link", `${name}:${path}`, destination];
}

export function agentExecArgv(name: string, command: readonly string[], tty: boolean, workdir?: string): string[] {
  return ["docker", "exec", "--interactive", ...(tty ? ["--tty"] : []), ...(workdir ? ["--workdir", workdir] : []), name, ...command];
}

/** Stops the agent container (a canary with on_canary = "stop"), kept for `down` to remove. */
export function agentStopArgv(name: string): string[] {
  return ["docker", "stop", "--time", "5", name];
}
