/**
 * smolmachines launch: bundle network and container (shared), then the guest image, the
 * machine, its start and provisioning. Building the list changes nothing; each step's undo is
 * idempotent and works from the plan alone, so `down` after a crash needs no live process.
 */
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { BottleError } from "../../core/errors.ts";
import { ensureSuccess } from "../../core/runner.ts";
import { GUEST_CA_PATH } from "../../core/agent-env.ts";
import { bundleContainerStep, bundleNetworkStep } from "../../bundle/bundle-steps.ts";
import { imageIdArgv, imageSaveArgv } from "../../bundle/docker-argv.ts";
import type { BackendDeps, Step } from "../../plugins/types.ts";
import { isSmolvmNotFound, machineCreateArgv, machineDeleteArgv, machineExecArgv, machineStartArgv, machineStopArgv } from "./argv.ts";
import { guestImagePath } from "./guest-image.ts";
import type { SmolmachinesPlan } from "./plan.ts";
import { parseSemver, smolvmFeatures, type Semver } from "./version.ts";

function planVersion(plan: SmolmachinesPlan): Semver {
  const version = plan.smolvmVersion ? parseSemver(plan.smolvmVersion) : undefined;
  if (!version) throw new BottleError("E_SMOLVM_MISSING", `Cannot launch "${plan.slug}": smolvm was not found when planning`, { exitCode: 69, hint: "run claude-bottle preflight" });
  return version;
}

/** `docker save` of the agent image, cached under <home>/cache/images by image ID. */
export async function cachedImageArchive(plan: SmolmachinesPlan, deps: BackendDeps): Promise<string> {
  const inspect = await deps.runner.run(imageIdArgv(plan.agent.image), { signal: deps.signal, timeoutMs: 30_000 });
  ensureSuccess(inspect, `find the agent image ${plan.agent.image}`, `build or load it first (docker build -t ${plan.agent.image} . / docker load); the guest never pulls`);
  const id = inspect.stdout.trim().replace(/^sha256:/, "");
  if (!/^[0-9a-f]{12,64}$/.test(id)) throw new BottleError("E_IMAGE_ID", `Cannot read the ID of image ${plan.agent.image}: "${inspect.stdout.trim()}"`);
  const dir = join(plan.home, "cache", "images");
  const archive = join(dir, `${id}.tar`);
  if (await deps.fs.exists(archive)) return archive;
  await deps.fs.makeDir(dir, 0o700);
  const partial = `${archive}.${randomBytes(6).toString("hex")}.partial`;
  const saved = await deps.runner.run(imageSaveArgv(plan.agent.image, partial), { signal: deps.signal, timeoutMs: 600_000 });
  if (saved.exitCode !== 0) await deps.fs.remove(partial);
  ensureSuccess(saved, `save the agent image ${plan.agent.image}`);
  await deps.fs.move(partial, archive);
  return archive;
}

function machineStep(plan: SmolmachinesPlan, version: Semver): Step {
  const features = smolvmFeatures(version);
  return {
    id: "machine",
    title: `create microVM ${plan.machineName}`,
    async run(deps) {
      const path = guestImagePath(version);
      if (path.kind === "refused") throw new BottleError("E_GUEST_IMAGE", `Cannot load the agent image into "${plan.slug}": ${path.reason}`, { exitCode: 69, hint: "upgrade smolvm to 1.1.3 or newer" });
      const imageArchive = await cachedImageArchive(plan, deps);
      const argv = machineCreateArgv(features, { name: plan.machineName, imageArchive, smolfilePath: plan.smolfilePath, dns: plan.bundleIp });
      ensureSuccess(await deps.runner.run(argv, { signal: deps.signal, timeoutMs: 600_000 }), `create the microVM ${plan.machineName}`);
      return { machine: plan.machineName, imageArchive };
    },
    async undo(deps) {
      // Before 0.8.1 delete leaves a running VM orphaned: stop first (reference §2.7).
      if (!features.deleteStops) await deps.runner.run(machineStopArgv(plan.machineName), { signal: deps.signal, timeoutMs: 120_000 });
      const result = await deps.runner.run(machineDeleteArgv(features, plan.machineName), { signal: deps.signal, timeoutMs: 120_000 });
      if (result.exitCode !== 0 && !isSmolvmNotFound(result.stderr + result.stdout)) ensureSuccess(result, `delete the microVM ${plan.machineName}`);
    },
  };
}

function startStep(plan: SmolmachinesPlan): Step {
  return {
    id: "machine-start",
    title: `start microVM ${plan.machineName}`,
    async run(deps) {
      ensureSuccess(await deps.runner.run(machineStartArgv(plan.machineName), { signal: deps.signal, timeoutMs: 600_000 }), `start the microVM ${plan.machineName}`, "run claude-bottle preflight (KVM errors show up at start)");
    },
    async undo(deps) {
      const result = await deps.runner.run(machineStopArgv(plan.machineName), { signal: deps.signal, timeoutMs: 120_000 });
      if (result.exitCode !== 0 && !isSmolvmNotFound(result.stderr + result.stdout)) ensureSuccess(result, `stop the microVM ${plan.machineName}`);
    },
  };
}

/** The bundle CA certificate into the guest, where NODE_EXTRA_CA_CERTS points. */
export function provisionCommand(): string[] {
  const dir = GUEST_CA_PATH.slice(0, GUEST_CA_PATH.lastIndexOf("/"));
  return ["sh", "-c", `umask 022 && mkdir -p ${dir} && cat > ${GUEST_CA_PATH}`];
}

function provisionStep(plan: SmolmachinesPlan): Step {
  return {
    id: "provision",
    title: `install the bundle CA at ${GUEST_CA_PATH}`,
    async run(deps) {
      const certificate = await deps.fs.readText(plan.caCertPath);
      const argv = machineExecArgv({ name: plan.machineName, interactive: true, command: provisionCommand() });
      ensureSuccess(await deps.runner.run(argv, { input: certificate, timeoutMs: 120_000 }), `install the bundle CA in ${plan.machineName}`);
    },
    undo: async () => {}, // lives and dies with the machine
  };
}

export function smolvmLaunchSteps(plan: SmolmachinesPlan): Step[] {
  const version = planVersion(plan);
  return [bundleNetworkStep(plan), bundleContainerStep(plan), machineStep(plan, version), startStep(plan), provisionStep(plan)];
}
