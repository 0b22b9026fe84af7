/**
 * Operating a running smolmachines bottle: exec/attach, live state, console logs, leftovers.
 */
import { join } from "node:path";
import { ensureSuccess } from "../../core/runner.ts";
import { resourcePrefix } from "../../core/slug.ts";
import type { BackendDeps } from "../../core/deps.ts";
import type { Plan } from "../../core/plan.ts";
import type { Leftover } from "../../core/step.ts";
import type { ExecOptions } from "../../plugins/types.ts";
import { machineDataDirArgv, machineDeleteArgv, machineExecArgv, machineListArgv, machineStopArgv } from "./argv.ts";
import type { SmolmachinesPlan } from "./plan.ts";
import type { SmolvmProbe } from "./smolvm-probe.ts";
import { smolvmFeatures } from "./version.ts";

type P = Plan<SmolmachinesPlan>;

function features(plan: P) {
  return plan.agent.smolvm?.features ?? smolvmFeatures([0, 0, 0]);
}

export async function execSmolmachines(plan: P, deps: BackendDeps, command: readonly string[], options: ExecOptions): Promise<number> {
  const name = plan.agent.machineName;
  const workdir = options.workdir === undefined ? {} : { workdir: options.workdir };
  const argv = machineExecArgv({ name, command, interactive: true, tty: options.tty, stream: !options.tty, ...workdir });
  const result = await deps.runner.run(argv, { inheritStdio: true });
  if (result.spawnError) ensureSuccess(result, `run a command in ${name}`);
  return result.exitCode;
}

interface MachineRow {
  name?: unknown;
  state?: unknown;
}

async function listMachines(deps: BackendDeps): Promise<MachineRow[]> {
  const result = await deps.runner.run(machineListArgv(), { timeoutMs: 30_000 });
  if (result.exitCode !== 0) return [];
  try {
    const rows = JSON.parse(result.stdout) as unknown;
    return Array.isArray(rows) ? rows : [];
  } catch {
    return [];
  }
}

export async function inspectSmolmachines(plans: readonly P[], deps: BackendDeps): Promise<Map<string, string>> {
  const machines = await listMachines(deps);
  return new Map(plans.map((plan) => [plan.slug, String(machines.find((row) => row.name === plan.agent.machineName)?.state ?? "absent")]));
}

export async function logsSmolmachines(plan: P, deps: BackendDeps, options: { follow: boolean }): Promise<number> {
  const name = plan.agent.machineName;
  const dataDir = await deps.runner.run(machineDataDirArgv(features(plan), name), { timeoutMs: 30_000 });
  ensureSuccess(dataDir, `find the console log of ${name}`, "is the bottle up? (claude-bottle ls)");
  const consoleLog = join(dataDir.stdout.trim(), "agent-console.log");
  const result = await deps.runner.run(["tail", "-n", "200", ...(options.follow ? ["-F"] : []), consoleLog], { inheritStdio: true });
  return result.exitCode;
}

/** smolvm machines named with this home's prefix; none to look for when the probe found no smolvm. */
export async function leftoversSmolmachines(home: string, deps: BackendDeps, probe: SmolvmProbe): Promise<Leftover[]> {
  if (probe.state !== "found") return [];
  const prefix = resourcePrefix(home);
  const found = smolvmFeatures(probe.version);
  return (await listMachines(deps))
    .map((row) => String(row.name ?? ""))
    .filter((name) => name.startsWith(prefix))
    .map((name) => ({
      kind: "machine",
      name,
      slug: name.slice(prefix.length),
      // Before 0.8.1 delete would orphan a running VM: stop it first.
      removeArgvs: [...(found.deleteStops ? [] : [machineStopArgv(name)]), machineDeleteArgv(found, name)],
    }));
}
