/** docker command lines for the agent container. Pure builders, table-tested. */
import { GUEST_CA_PATH } from "../../core/agent-env.ts";
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
 * half of it, /tmp a quarter up to 1 GiB. MiB.
 */
export function tmpfsSizes(memoryMiB: number): { workspace: number; tmp: number } {
  return { workspace: Math.floor(memoryMiB / 2), tmp: Math.min(1024, Math.floor(memoryMiB / 4)) };
}

/**
 * Hardened: non-root, no capabilities, no privilege gain, read-only root with a writable
 * workspace and /tmp, the bundle CA mounted read-only where NODE_EXTRA_CA_CERTS points, DNS
 * pointed at the bundle's sink, and only the isolated network.
 */
export function agentRunArgv(plan: Pick<Plan<DockerPlan>, "slug" | "home" | "agent" | "agentImage" | "agentCpus" | "agentMemoryMiB" | "bundle" | "bundleIp" | "env">): string[] {
  const [entrypoint, ...command] = IDLE;
  const agent = plan.agent.agentContainer;
  const [uid, gid] = agent.user.split(":");
  const tmpfs = tmpfsSizes(plan.agentMemoryMiB);
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
    "--tmpfs", `${WORKSPACE}:rw,exec,nosuid,nodev,uid=${uid},gid=${gid},mode=0700,size=${tmpfs.workspace}m`,
    "--workdir", WORKSPACE,
    "--env", `HOME=${WORKSPACE}`,
    ...Object.entries(plan.env).flatMap(([key, value]) => ["--env", `${key}=${value}`]),
    "--mount", `type=bind,source=${plan.bundle.caCertPath},target=${GUEST_CA_PATH},readonly`,
    "--entrypoint", entrypoint!,
    plan.agentImage,
    ...command,
  ];
}

export function agentExecArgv(name: string, command: readonly string[], tty: boolean): string[] {
  return ["docker", "exec", "--interactive", ...(tty ? ["--tty"] : []), name, ...command];
}
