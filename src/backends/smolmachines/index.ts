/** The smolmachines backend: the agent in a libkrun microVM run by smolvm. */
import { VERSION } from "../../version.ts";
import { API_VERSION, defineBackend } from "../../plugins/types.ts";
import { smolvmLaunchSteps } from "./launch.ts";
import { planSmolmachines, type SmolmachinesPlan } from "./plan.ts";
import { preflightSmolmachines } from "./preflight.ts";
import { renderSmolmachines } from "./render.ts";
import { smolvmFacts } from "./smolvm-probe.ts";
import { execSmolmachines, inspectSmolmachines, leftoversSmolmachines, logsSmolmachines } from "./operate.ts";

export const smolmachines = defineBackend<SmolmachinesPlan>({
  name: "smolmachines",
  apiVersion: API_VERSION,
  version: VERSION,
  info: {
    description: "microVM (libkrun via smolvm); the guest can dial only its bundle's /32",
    isolation: "microvm",
    binaries: ["smolvm", "docker"],
    network: "smolvm allow_cidrs = [<bundle-ip>/32]; bundle on its own docker network",
    features: { interactiveAttach: true, hostKernelShared: false, dnsSink: true },
  },
  facts: (deps) => smolvmFacts(deps.runner),
  plan: planSmolmachines,
  render: renderSmolmachines,
  preflight: preflightSmolmachines,
  launch: smolvmLaunchSteps,
  exec: execSmolmachines,
  inspect: inspectSmolmachines,
  logs: logsSmolmachines,
  leftovers: leftoversSmolmachines,
});
