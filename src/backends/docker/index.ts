/**
 * The docker backend, for hosts without KVM/smolvm (CI runners, cloud VMs without nested
 * virtualisation): the agent in a hardened container whose only network is the bottle's
 * isolated one, with the bundle as its one peer. Weaker than a microVM: it shares the kernel.
 */
import * as v from "valibot";
import { VERSION } from "../../version.ts";
import { API_VERSION, defineBackend } from "../../plugins/types.ts";
import { agentImageFindings } from "../../bundle/bundle-preflight.ts";
import { ensureSuccess } from "../../core/runner.ts";
import { containerLogsArgv, labelledContainersArgv, parseLabelledContainers } from "../../bundle/docker-argv.ts";
import { agentExecArgv, agentStopArgv } from "./argv.ts";
import { dockerLaunchSteps } from "./launch.ts";
import { planDocker, type DockerPlan } from "./plan.ts";

/** The backend fields of an API 1 plan: the same agentContainer. */
const LegacyFields = v.object({ agentContainer: v.object({ name: v.string(), ip: v.string(), user: v.string() }) });

export const docker = defineBackend<DockerPlan>({
  name: "docker",
  apiVersion: API_VERSION,
  version: VERSION,
  info: {
    description: "container (docker); the agent's only network is an isolated bridge shared with its bundle",
    isolation: "container",
    binaries: ["docker"],
    network: {
      description: "--internal bridge with no host address; the bundle alone also has an egress bridge",
      isolated: true,
    },
    // keptHome: `[agent] persist_home` keeps the agent's home in a docker volume.
    features: { interactiveAttach: true, hostKernelShared: true, dnsSink: true, guestTrust: true, keptHome: true },
  },
  plan: planDocker,
  summary: (plan) => ({ agentContainer: plan.agent.agentContainer.name, agentIp: plan.agent.agentContainer.ip }),
  async preflight(plan, facts, deps) {
    // The container runs as its planned user with a tmpfs home, and idles on `sleep`.
    const user = plan.agent.agentContainer.user;
    return agentImageFindings(plan, facts, deps.runner, { user, homeProvided: true, tools: ["sleep"] });
  },
  launch: dockerLaunchSteps,
  async exec(plan, deps, command, options) {
    const name = plan.agent.agentContainer.name;
    const result = await deps.runner.run(agentExecArgv(name, command, options.tty, options.workdir), { inheritStdio: true });
    if (result.spawnError) ensureSuccess(result, `run a command in ${name}`);
    return result.exitCode;
  },
  async stop(plan, deps) {
    const name = plan.agent.agentContainer.name;
    ensureSuccess(await deps.runner.run(agentStopArgv(name), { timeoutMs: 60_000 }), `stop ${name}`);
  },
  async inspect(plans, deps) {
    const result = await deps.runner.run(labelledContainersArgv(plans[0]?.home ?? ""), { timeoutMs: 30_000 });
    const states = new Map(
      parseLabelledContainers(result.stdout).map((container) => [container.name, container.state]),
    );
    return new Map(plans.map((plan) => [plan.slug, states.get(plan.agent.agentContainer.name) ?? "absent"]));
  },
  async logs(plan, deps, options) {
    const argv = containerLogsArgv(plan.agent.agentContainer.name, { follow: options.follow, tail: 200 });
    return (await deps.runner.run(argv, { inheritStdio: true })).exitCode;
  },
  upgrade: (legacy) => v.parse(LegacyFields, legacy),
});
