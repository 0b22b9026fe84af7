/** docker launch: after the core's bundle steps, the agent container. */
import { ensureSuccess } from "../../core/runner.ts";
import type { Plan } from "../../core/plan.ts";
import type { BackendDeps } from "../../core/deps.ts";
import type { Step } from "../../core/step.ts";
import { agentImageFix } from "../../bundle/bundle-preflight.ts";
import { containerRemoveArgv, isDockerNotFound } from "../../bundle/docker-argv.ts";
import { agentRunArgv, guestTrustHostPath, IMAGE_ROOTS_PATHS, rootsContainerArgv, rootsCopyArgv } from "./argv.ts";
import type { DockerPlan } from "./plan.ts";

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
      return { container: agent.name };
    },
    async undo(deps) {
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
  return [trustStep(plan), agentStep(plan)];
}
