/**
 * An example backend plugin: the agent in a container under gVisor (docker's `runsc` runtime),
 * which puts a user-space kernel between the agent and the host's. Everything about the bundle —
 * subnet, isolated network, egress network, the sidecar itself — comes from claude-bottle's
 * plugin API; only the agent container is this plugin's own.
 *
 * Use it:   backend = "./docker-gvisor.ts"  in bottle.toml (a path, relative to the manifest)
 *      or:  claude-bottle --plugin ./docker-gvisor.ts backends
 *
 * A factory default export receives the API at load time, so the plugin needs nothing installed
 * beside the claude-bottle binary. `import type` lines are erased when it is loaded.
 */
import type { Backend, BasePlan, BundlePlan, PluginApi, Step } from "../../src/plugin-api.ts";

interface GvisorPlan extends BasePlan, BundlePlan {
  readonly agentContainer: { readonly name: string; readonly ip: string };
}

export default (api: PluginApi): Backend<GvisorPlan> => {
  function agentStep(plan: GvisorPlan): Step {
    const argv = [
      "docker", "run", "--detach", "--pull", "never", "--runtime", "runsc",
      "--name", plan.agentContainer.name,
      "--network", plan.bundle.networkName, "--ip", plan.agentContainer.ip, "--dns", plan.bundleIp,
      "--label", `dev.claude-bottle.slug=${plan.slug}`, "--label", `dev.claude-bottle.home=${plan.home}`,
      "--user", "1000:1000", "--read-only", "--cap-drop", "ALL", "--security-opt", "no-new-privileges",
      "--tmpfs", "/workspace:rw,exec,uid=1000,gid=1000,mode=0700", "--workdir", "/workspace",
      ...Object.entries(plan.env).flatMap(([key, value]) => ["--env", `${key}=${value}`]),
      "--mount", `type=bind,source=${plan.caCertPath},target=${api.GUEST_CA_PATH},readonly`,
      "--entrypoint", "sh", plan.agent.image, "-c", "while :; do sleep 3600; done",
    ];
    return {
      id: "agent-container",
      title: `start gVisor agent ${plan.agentContainer.name}`,
      async run(deps) {
        api.ensureSuccess(await deps.runner.run(argv, { timeoutMs: 300_000 }), `start ${plan.agentContainer.name}`, "is runsc installed and registered with docker?");
        return { container: plan.agentContainer.name };
      },
      async undo(deps) {
        const result = await deps.runner.run(api.containerRemoveArgv(plan.agentContainer.name));
        if (result.exitCode !== 0 && !api.isDockerNotFound(result.stderr)) api.ensureSuccess(result, `remove ${plan.agentContainer.name}`);
      },
    };
  }

  return api.defineBackend<GvisorPlan>({
    name: "docker-gvisor",
    apiVersion: api.API_VERSION,
    version: "0.1.0",
    info: {
      description: "container under gVisor (runsc): a user-space kernel between the agent and the host",
      isolation: "container-gvisor",
      binaries: ["docker", "runsc"],
      network: "isolated bridge shared with the bundle only",
      features: { interactiveAttach: true, hostKernelShared: false },
    },
    plan(bottle, facts) {
      const bundle = api.planBundle(bottle, facts, { egressNetwork: true });
      return {
        backend: "docker-gvisor",
        isolation: "container-gvisor",
        ...bundle,
        agentContainer: { name: api.resourceName(facts.home, bottle.slug, "agent"), ip: api.addressInSubnet(bundle.bundleSubnet, 3) },
      };
    },
    render: (plan) => [{ name: "bundle/bundle.json", contents: api.renderBundleConfig(plan), mode: 0o600 }],
    async preflight(plan, deps) {
      const info = await deps.runner.run(["docker", "info", "--format", "{{json .Runtimes}}"], { timeoutMs: 15_000 });
      const runsc = info.exitCode === 0 && info.stdout.includes('"runsc"');
      return [
        runsc
          ? { code: "RUNSC_OK", level: "ok", message: "docker has the runsc runtime" }
          : { code: "RUNSC_MISSING", level: "fail", message: "docker has no runsc runtime", fix: "install gVisor and run: runsc install && systemctl restart docker" },
        await api.dockerFinding(deps.runner),
        await api.agentImageFinding(plan, deps.runner),
        await api.subnetFinding(plan, deps),
      ];
    },
    launch: (plan) => [api.bundleNetworkStep(plan, { isolated: true }), api.egressNetworkStep(plan as GvisorPlan & { egressNetwork: NonNullable<GvisorPlan["egressNetwork"]> }), api.bundleContainerStep(plan), agentStep(plan)],
    async exec(plan, deps, command, options) {
      const argv = ["docker", "exec", "--interactive", ...(options.tty ? ["--tty"] : []), plan.agentContainer.name, ...command];
      return (await deps.runner.run(argv, { inheritStdio: true })).exitCode;
    },
  });
};
