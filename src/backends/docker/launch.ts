/** docker launch: after the core's bundle steps, the agent container. */
import { ensureSuccess } from "../../core/runner.ts";
import type { Plan } from "../../core/plan.ts";
import type { Step } from "../../core/step.ts";
import { agentImageFix } from "../../bundle/bundle-preflight.ts";
import { containerRemoveArgv, isDockerNotFound } from "../../bundle/docker-argv.ts";
import { agentRunArgv } from "./argv.ts";
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

export function dockerLaunchSteps(plan: Plan<DockerPlan>): Step[] {
  return [agentStep(plan)];
}
