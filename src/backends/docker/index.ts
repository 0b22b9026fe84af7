/**
 * The docker backend, for hosts without KVM/smolvm (CI runners, cloud VMs without nested
 * virtualisation): the agent in a hardened container whose only network is the bottle's
 * isolated one, with the bundle as its one peer. Weaker than a microVM: it shares the kernel.
 */
import { VERSION } from "../../version.ts";
import { API_VERSION, defineBackend } from "../../plugins/types.ts";
import { agentImageFinding, dockerFinding, subnetFinding } from "../../bundle/bundle-preflight.ts";
import { renderBundleConfig } from "../../bundle/bundle-config.ts";
import { BUNDLE_CONFIG_FILE, BUNDLE_DIR } from "../../bundle/bundle-plan.ts";
import { ensureSuccess } from "../../core/runner.ts";
import { containerLogsArgv, labelledContainersArgv, parseLabelledContainers } from "../../bundle/docker-argv.ts";
import { agentExecArgv } from "./argv.ts";
import { dockerLaunchSteps } from "./launch.ts";
import { planDocker, type DockerPlan } from "./plan.ts";

export const docker = defineBackend<DockerPlan>({
  name: "docker",
  apiVersion: API_VERSION,
  version: VERSION,
  info: {
    description: "container (docker); the agent's only network is an isolated bridge shared with its bundle",
    isolation: "container",
    binaries: ["docker"],
    network: "--internal bridge with no host address; the bundle alone also has an egress bridge",
    features: { interactiveAttach: true, hostKernelShared: true, dnsSink: true },
  },
  plan: planDocker,
  render: (plan) => [{ name: `${BUNDLE_DIR}/${BUNDLE_CONFIG_FILE}`, contents: renderBundleConfig(plan), mode: 0o600 }],
  async preflight(plan, deps) {
    return [
      { code: "ISOLATION_CONTAINER", level: "warn", message: "isolation: container — the agent shares the host kernel; a kernel exploit escapes it", fix: "use backend = \"smolmachines\" where KVM or Apple silicon is available" },
      ...(await Promise.all([dockerFinding(deps.runner), agentImageFinding(plan, deps.runner), subnetFinding(plan, deps)])),
    ];
  },
  launch: dockerLaunchSteps,
  async exec(plan, deps, command, options) {
    const result = await deps.runner.run(agentExecArgv(plan.agentContainer.name, command, options.tty), { inheritStdio: true });
    if (result.spawnError) ensureSuccess(result, `run a command in ${plan.agentContainer.name}`);
    return result.exitCode;
  },
  async inspect(plans, deps) {
    const result = await deps.runner.run(labelledContainersArgv(plans[0]?.home ?? ""), { timeoutMs: 30_000 });
    const states = new Map(parseLabelledContainers(result.stdout).map((container) => [container.name, container.state]));
    return new Map(plans.map((plan) => [plan.slug, states.get(plan.agentContainer.name) ?? "absent"]));
  },
  async logs(plan, deps, options) {
    return (await deps.runner.run(containerLogsArgv(plan.agentContainer.name, { follow: options.follow, tail: 200 }), { inheritStdio: true })).exitCode;
  },
});
