/** docker launch: after the core's bundle steps, the agent's trust, its kept home (when asked for) and container. */
import { BottleError, EXIT } from "../../core/errors.ts";
import { ensureSuccess } from "../../core/runner.ts";
import type { BackendDeps } from "../../core/deps.ts";
import type { Plan } from "../../core/plan.ts";
import type { Step } from "../../core/step.ts";
import { AGENT_HOME, keptHomeCreateArgv, stripCredentialsCommand } from "../../core/kept-home.ts";
import { agentImageFix } from "../../bundle/bundle-preflight.ts";
import { containerRemoveArgv, isDockerNotFound } from "../../bundle/docker-argv.ts";
import { agentExecArgv, agentRunArgv, guestTrustHostPath, IMAGE_ROOTS_PATHS, rootsContainerArgv, rootsCopyArgv } from "./argv.ts";
import type { DockerPlan } from "./plan.ts";

/** The kept home's volume: made once, found again by the next `up` of this name, never undone here. */
function keptHomeStep(plan: Plan<DockerPlan>, volume: string): Step {
  return {
    id: "agent-home-volume",
    title: `keep the agent's home in docker volume ${volume}`,
    async run(deps) {
      const argv = keptHomeCreateArgv(plan.home, plan.slug);
      ensureSuccess(await deps.runner.run(argv, { signal: deps.signal, timeoutMs: 60_000 }), `create docker volume ${volume}`);
      return { volume };
    },
    // Kept across down on purpose: `down --purge` removes it.
    async undo(deps) {
      deps.log.info(`kept the agent's home in docker volume ${volume}; claude-bottle down --purge ${plan.slug} removes it`);
    },
  };
}

/** A kept home must be the agent's to write, and never holds a login. */
async function checkKeptHome(plan: Plan<DockerPlan>, deps: BackendDeps): Promise<void> {
  const name = plan.agent.agentContainer.name;
  const script = `test -w ${AGENT_HOME} && ${stripCredentialsCommand().join(" ")}`;
  const result = await deps.runner.run(agentExecArgv(name, ["sh", "-c", script], false), { signal: deps.signal, timeoutMs: 60_000 });
  if (result.exitCode === 0) return;
  throw new BottleError("E_AGENT_HOME", `Cannot keep the agent's home in bottle "${plan.slug}": ${AGENT_HOME} is not writable by the agent (uid ${plan.agent.agentContainer.user})`, {
    exitCode: EXIT.unavailable,
    hint: `persist_home keeps the image's ${AGENT_HOME}: ${agentImageFix(plan.agentImage)}, or give your image a ${AGENT_HOME} owned by uid 1000`,
  });
}

function agentStep(plan: Plan<DockerPlan>): Step {
  const agent = plan.agent.agentContainer;
  return {
    id: "agent-container",
    title: `start agent container ${agent.name} at ${agent.ip}`,
    async run(deps) {
      ensureSuccess(
        await deps.runner.run(agentRunArgv(plan), { signal: deps.signal, timeoutMs: 300_000 }),
        `start the agent container ${agent.name}`,
        `is the image ${plan.agentImage} present? ${agentImageFix(plan.agentImage)}`,
      );
      if (agent.homeVolume) await checkKeptHome(plan, deps);
      return { container: agent.name };
    },
    async undo(deps) {
      if (agent.homeVolume) {
        // Best effort: a stopped container cannot exec, and `up` strips the file again anyway.
        await deps.runner.run(agentExecArgv(agent.name, stripCredentialsCommand(), false), { signal: deps.signal, timeoutMs: 60_000 });
      }
      const result = await deps.runner.run(containerRemoveArgv(agent.name), { signal: deps.signal, timeoutMs: 60_000 });
      if (result.exitCode !== 0 && !isDockerNotFound(result.stderr))
        ensureSuccess(result, `remove container ${agent.name}`);
    },
  };
}

type Run = (argv: string[]) => ReturnType<BackendDeps["runner"]["run"]>;

/** The first of the image's usual root files that a copy out of `name` finds; "" when none. */
async function imageRoots(deps: BackendDeps, run: Run, name: string, scratch: string): Promise<string> {
  for (const path of IMAGE_ROOTS_PATHS) {
    if ((await run(rootsCopyArgv(name, path, scratch))).exitCode !== 0) continue;
    const roots = await deps.fs.readText(scratch);
    await deps.fs.remove(scratch);
    return roots;
  }
  return "";
}

/**
 * The agent's trust for any image: its own roots, read from a container that is never started,
 * plus the bottle CA, written beside the CA and mounted read-only at GUEST_TRUST_PATH (where
 * SSL_CERT_FILE and the others point), so the agent cannot change it.
 */
function trustStep(plan: Plan<DockerPlan>): Step {
  const name = `${plan.agent.agentContainer.name}-roots`;
  const target = guestTrustHostPath(plan);
  return {
    id: "agent-trust",
    title: `trust the bottle CA in ${plan.agentImage}: its roots plus the CA, for curl, git and Python`,
    async run(deps) {
      const run: Run = (argv) => deps.runner.run(argv, { signal: deps.signal, timeoutMs: 60_000 });
      const hint = `is the image ${plan.agentImage} present? ${agentImageFix(plan.agentImage)}`;
      ensureSuccess(await run(rootsContainerArgv(plan, name)), `read the roots of ${plan.agentImage}`, hint);
      try {
        const roots = await imageRoots(deps, run, name, `${target}.image`);
        const ca = await deps.fs.readText(plan.bundle.caCertPath);
        await deps.fs.writeAtomic(target, roots === "" || roots.endsWith("\n") ? roots + ca : `${roots}\n${ca}`, 0o644);
      } finally {
        await run(containerRemoveArgv(name));
      }
    },
    // The file lives in the bottle's state directory and goes with it; the container may be left
    // by an interruption between create and remove (its labels let gc find it too).
    async undo(deps) {
      const result = await deps.runner.run(containerRemoveArgv(name), { timeoutMs: 60_000 });
      if (result.exitCode !== 0 && !isDockerNotFound(result.stderr)) ensureSuccess(result, `remove container ${name}`);
    },
  };
}

export function dockerLaunchSteps(plan: Plan<DockerPlan>): Step[] {
  const volume = plan.agent.agentContainer.homeVolume;
  return [trustStep(plan), ...(volume ? [keptHomeStep(plan, volume)] : []), agentStep(plan)];
}
