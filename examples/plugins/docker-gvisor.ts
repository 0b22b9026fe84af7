/**
 * An example backend plugin: the agent in a container under gVisor (docker's `runsc` runtime),
 * which puts a user-space kernel between the agent and the host's. The bundle — subnet,
 * isolated network, egress network, the sidecar itself — is claude-bottle's: `info.network`
 * says the agent's network is isolated, and the core plans and launches the rest. Only the
 * agent container is this plugin's own.
 *
 * Use it:   backend = "./docker-gvisor.ts"  in bottle.toml (a path, relative to the manifest)
 *      or:  claude-bottle --plugin ./docker-gvisor.ts backends
 *
 * A factory default export receives the API at load time, so the plugin needs nothing installed
 * beside the claude-bottle binary. `import type` lines are erased when it is loaded.
 */
import type { Backend, Plan, PluginApi, Step } from "../../src/plugin-api.ts";

interface GvisorPlan {
  readonly container: string;
  readonly ip: string;
  readonly runtime: string;
}

export default (api: PluginApi): Backend<GvisorPlan> => {
  function agentStep(plan: Plan<GvisorPlan>): Step {
    const { container, ip } = plan.agent;
    const argv = [
      "docker", "run", "--detach", "--pull", "never", "--runtime", plan.agent.runtime,
      "--name", container,
      "--network", plan.bundle.networkName, "--ip", ip, "--dns", plan.bundleIp,
      "--label", `${api.LABEL_SLUG}=${plan.slug}`, "--label", `${api.LABEL_HOME}=${plan.home}`,
      "--user", "1000:1000", "--read-only", "--cap-drop", "ALL", "--security-opt", "no-new-privileges",
      "--tmpfs", "/workspace:rw,exec,uid=1000,gid=1000,mode=0700", "--workdir", "/workspace",
      ...Object.entries(plan.env).flatMap(([key, value]) => ["--env", `${key}=${value}`]),
      "--mount", `type=bind,source=${plan.bundle.caCertPath},target=${api.GUEST_CA_PATH},readonly`,
      "--entrypoint", "sh", plan.agentImage, "-c", "while :; do sleep 3600; done",
    ];
    return {
      id: "agent-container",
      title: `start gVisor agent ${container}`,
      async run(deps) {
        const started = await deps.runner.run(argv, { timeoutMs: 300_000 });
        api.ensureSuccess(started, `start ${container}`, "is runsc installed and registered with docker?");
        return { container };
      },
      async undo(deps) {
        const result = await deps.runner.run(api.containerRemoveArgv(container));
        if (result.exitCode !== 0 && !api.isDockerNotFound(result.stderr)) api.ensureSuccess(result, `remove ${container}`);
      },
    };
  }

  return api.defineBackend<GvisorPlan>({
    name: "docker-gvisor",
    apiVersion: api.API_VERSION,
    version: "0.2.0",
    info: {
      description: "container under gVisor (runsc): a user-space kernel between the agent and the host",
      isolation: "container-gvisor",
      binaries: ["docker", "runsc"],
      network: { description: "isolated bridge shared with the bundle only", isolated: true },
      features: { interactiveAttach: true, hostKernelShared: false, dnsSink: true },
    },
    // [backend.options] in bottle.toml; checked by claude-bottle against this before `plan`.
    options: {
      runtime: { type: "string", description: "the docker runtime gVisor is registered as", default: "runsc", oneOf: ["runsc", "runsc-kvm"] },
    },
    plan: (bottle, facts, core) => ({
      container: api.resourceName(facts.home, bottle.slug, "agent"),
      ip: api.addressInSubnet(core.bundleSubnet, 3),
      runtime: String(bottle.options["runtime"]),
    }),
    async preflight(plan, _facts, deps) {
      const info = await deps.runner.run(["docker", "info", "--format", "{{json .Runtimes}}"], { timeoutMs: 15_000 });
      const runsc = info.exitCode === 0 && info.stdout.includes(`"${plan.agent.runtime}"`);
      return [
        runsc
          ? { code: "RUNSC_OK", level: "ok", message: "docker has the runsc runtime" }
          : { code: "RUNSC_MISSING", level: "fail", message: "docker has no runsc runtime", fix: "install gVisor and run: runsc install && systemctl restart docker" },
        await api.agentImageFinding(plan.agentImage, deps.runner),
      ];
    },
    launch: (plan) => [agentStep(plan)],
    async exec(plan, deps, command, options) {
      const argv = ["docker", "exec", "--interactive", ...(options.tty ? ["--tty"] : []), plan.agent.container, ...command];
      return (await deps.runner.run(argv, { inheritStdio: true })).exitCode;
    },
  });
};
