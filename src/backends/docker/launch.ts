/**
 * docker launch: the shared bundle steps (isolated network, egress network, bundle) and the
 * agent container. Only the last step is this backend's own.
 */
import { ensureSuccess } from "../../core/runner.ts";
import { bundleContainerStep, bundleNetworkStep, egressNetworkStep } from "../../bundle/bundle-steps.ts";
import { containerRemoveArgv, isDockerNotFound } from "../../bundle/docker-argv.ts";
import type { Step } from "../../plugins/types.ts";
import { agentRunArgv } from "./argv.ts";
import type { DockerPlan } from "./plan.ts";

function agentStep(plan: DockerPlan): Step {
  return {
    id: "agent-container",
    title: `start agent container ${plan.agentContainer.name} at ${plan.agentContainer.ip}`,
    async run(deps) {
      ensureSuccess(await deps.runner.run(agentRunArgv(plan), { signal: deps.signal, timeoutMs: 300_000 }), `start the agent container ${plan.agentContainer.name}`, `is the image ${plan.agent.image} present? (docker build/pull it; preflight checks)`);
      return { container: plan.agentContainer.name };
    },
    async undo(deps) {
      const result = await deps.runner.run(containerRemoveArgv(plan.agentContainer.name), { signal: deps.signal, timeoutMs: 60_000 });
      if (result.exitCode !== 0 && !isDockerNotFound(result.stderr)) ensureSuccess(result, `remove container ${plan.agentContainer.name}`);
    },
  };
}

export function dockerLaunchSteps(plan: DockerPlan): Step[] {
  return [bundleNetworkStep(plan, { isolated: true }), egressNetworkStep(plan), bundleContainerStep(plan), agentStep(plan)];
}
