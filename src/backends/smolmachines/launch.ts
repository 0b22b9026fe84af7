/**
 * smolmachines launch: after the core's bundle steps, the machine (from the agent image's
 * archive and the rendered Smolfile), its start and the bundle CA into the guest. Building the
 * list changes nothing; each step's undo is idempotent and works from the plan alone, so `down`
 * after a crash needs no live process.
 */
import { randomBytes } from "node:crypto";
import { dirname } from "node:path";
import { BottleError, EXIT } from "../../core/errors.ts";
import { ensureSuccess } from "../../core/runner.ts";
import { GUEST_CA_PATH, GUEST_TRUST_PATH, IMAGE_ROOTS_PATHS } from "../../core/agent-env.ts";
import { AGENT_HOME, stripCredentialsCommand } from "../../core/kept-home.ts";
import { agentImageFix } from "../../bundle/bundle-preflight.ts";
import { imageSaveArgv } from "../../bundle/docker-argv.ts";
import type { BackendDeps } from "../../core/deps.ts";
import type { Plan } from "../../core/plan.ts";
import type { Step } from "../../core/step.ts";
import {
  isSmolvmNotFound,
  machineCreateArgv,
  machineDeleteArgv,
  machineExecArgv,
  machineStartArgv,
  machineStopArgv,
} from "./argv.ts";
import type { PlannedSmolvm, SmolmachinesPlan } from "./plan.ts";
import { smolvmFeatures, type SmolvmFeatures } from "./version.ts";

type P = Plan<SmolmachinesPlan>;

/** What the plan decided; preflight refuses a plan without a usable smolvm, so launch never sees one. */
function usableSmolvm(plan: P): PlannedSmolvm {
  const smolvm = plan.agent.smolvm;
  if (!smolvm || smolvm.guestImage.kind !== "archive") {
    const why = smolvm ? smolvm.guestImage.reason : "smolvm was not found when planning";
    throw new BottleError("E_SMOLVM_REFUSED", `Cannot launch "${plan.slug}": ${why}`, {
      exitCode: EXIT.unavailable,
      hint: "run claude-bottle preflight",
    });
  }
  return smolvm;
}

/** Undo must work for any recorded plan: without a version, assume the oldest behaviour. */
function recordedFeatures(plan: P): SmolvmFeatures {
  return plan.agent.smolvm?.features ?? smolvmFeatures([0, 0, 0]);
}

/**
 * The archive the plan named (keyed by the image ID the facts found): `docker save` makes it
 * when it is not cached yet, through a partial file, so a cut save leaves no archive behind.
 */
export async function cachedImageArchive(plan: P, deps: BackendDeps): Promise<string> {
  const image = plan.agentImage;
  const archive = plan.agent.imageArchive;
  if (!archive) {
    const message = `Cannot launch "${plan.slug}": the agent image ${image} was not found when planning`;
    throw new BottleError("E_AGENT_IMAGE", message, { exitCode: EXIT.unavailable, hint: agentImageFix(image) });
  }
  if (await deps.fs.exists(archive)) return archive;
  await deps.fs.makeDir(dirname(archive), 0o700);
  const partial = `${archive}.${randomBytes(6).toString("hex")}.partial`;
  const saved = await deps.runner.run(imageSaveArgv(image, partial), { signal: deps.signal, timeoutMs: 600_000 });
  if (saved.exitCode !== 0) await deps.fs.remove(partial);
  ensureSuccess(saved, `save the agent image ${image}`);
  await deps.fs.move(partial, archive);
  return archive;
}

function machineStep(plan: P): Step {
  const { machineName, smolfilePath } = plan.agent;
  const features = recordedFeatures(plan);
  return {
    id: "machine",
    title: `create microVM ${machineName}`,
    async run(deps) {
      const smolvm = usableSmolvm(plan);
      const imageArchive = await cachedImageArchive(plan, deps);
      const size = { cpus: plan.agentCpus, memoryMiB: plan.agentMemoryMiB };
      const homeDir = plan.agent.homeDir;
      // Kept across down on purpose (`down --purge` removes it); made before smolvm resolves it.
      if (homeDir) await deps.fs.makeDir(homeDir, 0o700);
      const argv = machineCreateArgv(smolvm.features, {
        name: machineName,
        imageArchive,
        smolfilePath,
        dns: plan.bundleIp,
        ...size,
        ...(homeDir ? { volumes: [{ host: homeDir, guest: AGENT_HOME }] } : {}),
      });
      ensureSuccess(
        await deps.runner.run(argv, { signal: deps.signal, timeoutMs: 600_000 }),
        `create the microVM ${machineName}`,
      );
      return { machine: machineName, imageArchive };
    },
    async undo(deps) {
      // Before 0.8.1 delete leaves a running VM orphaned: stop first (reference §2.7).
      if (!features.deleteStops)
        await deps.runner.run(machineStopArgv(machineName), { signal: deps.signal, timeoutMs: 120_000 });
      const result = await deps.runner.run(machineDeleteArgv(features, machineName), {
        signal: deps.signal,
        timeoutMs: 120_000,
      });
      if (result.exitCode !== 0 && !isSmolvmNotFound(result.stderr + result.stdout))
        ensureSuccess(result, `delete the microVM ${machineName}`);
    },
  };
}

function startStep(plan: P): Step {
  const { machineName } = plan.agent;
  return {
    id: "machine-start",
    title: `start microVM ${machineName}`,
    async run(deps) {
      ensureSuccess(
        await deps.runner.run(machineStartArgv(machineName), { signal: deps.signal, timeoutMs: 600_000 }),
        `start the microVM ${machineName}`,
        "run claude-bottle preflight (KVM errors show up at start)",
      );
    },
    async undo(deps) {
      const result = await deps.runner.run(machineStopArgv(machineName), { signal: deps.signal, timeoutMs: 120_000 });
      if (result.exitCode !== 0 && !isSmolvmNotFound(result.stderr + result.stdout))
        ensureSuccess(result, `stop the microVM ${machineName}`);
    },
  };
}

/**
 * The bundle CA certificate into the guest, where NODE_EXTRA_CA_CERTS points, and the combined
 * trust (the image's first roots file found, then the CA) where SSL_CERT_FILE and the others do.
 */
export function provisionCommand(): string[] {
  const dir = GUEST_CA_PATH.slice(0, GUEST_CA_PATH.lastIndexOf("/"));
  const roots = `for f in ${IMAGE_ROOTS_PATHS.join(" ")}; do if [ -r "$f" ]; then cat "$f"; echo; break; fi; done`;
  const trust = `{ ${roots}; cat ${GUEST_CA_PATH}; } > ${GUEST_TRUST_PATH}`;
  return ["sh", "-c", `umask 022 && mkdir -p ${dir} && cat > ${GUEST_CA_PATH} && ${trust}`];
}

/**
 * A kept home never keeps a login: the guest only holds sentinels, so a `.credentials.json` can
 * only come from a login inside the bottle. Removed in the guest (a link there is the guest's to
 * resolve; the host never follows paths inside a directory the agent writes).
 */
async function stripKeptLogin(plan: P, deps: BackendDeps): Promise<void> {
  const argv = machineExecArgv({ name: plan.agent.machineName, command: stripCredentialsCommand() });
  const result = await deps.runner.run(argv, { timeoutMs: 120_000 });
  if (result.exitCode !== 0 && !isSmolvmNotFound(result.stderr + result.stdout))
    ensureSuccess(result, `remove a login file from the kept home of ${plan.agent.machineName}`);
}

function provisionStep(plan: P): Step {
  const { machineName } = plan.agent;
  return {
    id: "provision",
    title: `install the bundle CA at ${GUEST_CA_PATH}`,
    async run(deps) {
      const certificate = await deps.fs.readText(plan.bundle.caCertPath);
      const argv = machineExecArgv({ name: machineName, interactive: true, command: provisionCommand() });
      ensureSuccess(
        await deps.runner.run(argv, { input: certificate, timeoutMs: 120_000 }),
        `install the bundle CA in ${machineName}`,
      );
      if (plan.agent.homeDir) await stripKeptLogin(plan, deps);
    },
    // The CA lives and dies with the machine; a kept home is stripped of a login before it stops.
    async undo(deps) {
      if (plan.agent.homeDir) await stripKeptLogin(plan, deps);
    },
  };
}

export function smolvmLaunchSteps(plan: P): Step[] {
  return [machineStep(plan), startStep(plan), provisionStep(plan)];
}
