/** The smolmachines backend: the agent in a libkrun microVM run by smolvm. */
import * as v from "valibot";
import { VERSION } from "../../version.ts";
import { API_VERSION, defineBackend } from "../../plugins/types.ts";
import { smolvmLaunchSteps } from "./launch.ts";
import { planSmolmachines, plannedSmolvm, type SmolmachinesPlan } from "./plan.ts";
import { preflightSmolmachines } from "./preflight.ts";
import { renderSmolmachines } from "./render.ts";
import { probeSmolvm, type SmolvmProbe } from "./smolvm-probe.ts";
import { execSmolmachines, inspectSmolmachines, leftoversSmolmachines, logsSmolmachines } from "./operate.ts";
import { parseSemver } from "./version.ts";
import { machineStopArgv } from "./argv.ts";
import { ensureSuccess } from "../../core/runner.ts";

/** The backend fields of an API 1 plan. */
const LegacyFields = v.object({
  machineName: v.string(),
  smolfilePath: v.string(),
  smolvmVersion: v.nullable(v.string()),
});

function upgrade(legacy: Readonly<Record<string, unknown>>): SmolmachinesPlan {
  const fields = v.parse(LegacyFields, legacy);
  const version = parseSemver(fields.smolvmVersion ?? "");
  const smolvm = plannedSmolvm(version ? { state: "found", version } : { state: "missing" });
  return { machineName: fields.machineName, smolfilePath: fields.smolfilePath, smolvm, imageArchive: null };
}

export const smolmachines = defineBackend<SmolmachinesPlan, SmolvmProbe>({
  name: "smolmachines",
  apiVersion: API_VERSION,
  version: VERSION,
  info: {
    description: "microVM (libkrun via smolvm); the guest can dial only its bundle's /32",
    isolation: "microvm",
    binaries: ["smolvm", "docker"],
    network: {
      description: "smolvm allow_cidrs = [<bundle-ip>/32]; bundle on its own docker network",
      isolated: false,
    },
    // keptHome: `[agent] persist_home` shares a host directory of the state home as the agent's home.
    features: { interactiveAttach: true, hostKernelShared: false, dnsSink: true, guestTrust: true, keptHome: true },
  },
  facts: (deps) => probeSmolvm(deps.runner),
  plan: planSmolmachines,
  summary: (plan) => ({ smolfilePath: plan.agent.smolfilePath, machineName: plan.agent.machineName }),
  render: renderSmolmachines,
  preflight: preflightSmolmachines,
  launch: smolvmLaunchSteps,
  exec: execSmolmachines,
  async stop(plan, deps) {
    const result = await deps.runner.run(machineStopArgv(plan.agent.machineName), { timeoutMs: 120_000 });
    ensureSuccess(result, `stop the microVM ${plan.agent.machineName}`);
  },
  inspect: inspectSmolmachines,
  logs: logsSmolmachines,
  leftovers: leftoversSmolmachines,
  upgrade,
});
