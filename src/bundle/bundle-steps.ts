/**
 * The bundle's launch steps, shared by every backend: its docker network and its container,
 * ready. Each step's undo is idempotent (a resource already gone is fine).
 */
import { BottleError, EXIT } from "../core/errors.ts";
import { ensureSuccess, tail, type RunResult } from "../core/runner.ts";
import type { BackendDeps } from "../core/deps.ts";
import type { Step } from "../core/step.ts";
import { BUNDLE_PORTS } from "../core/agent-env.ts";
import { bundleHostIp, UNPRIVILEGED_BUNDLE_USER } from "../core/bundle-plan.ts";
import { join } from "node:path";
import type { EgressNetworkPlan } from "../core/plan.ts";
import { ensureBundleRoute } from "./bundle-route.ts";
import { bundleRunArgv, containerLogsArgv, containerRemoveArgv, isDockerNotFound, networkCreateArgv, networkRemoveArgv, type BundleArgvPlan } from "./docker-argv.ts";

export const BUNDLE_READY_TIMEOUT_MS = 20_000;

/** CLAUDE_BOTTLE_READY_TIMEOUT (seconds) for slow hosts; 20 s otherwise. */
export function readyTimeoutMs(env: BackendDeps["env"]): number {
  const seconds = Number(env["CLAUDE_BOTTLE_READY_TIMEOUT"]);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : BUNDLE_READY_TIMEOUT_MS;
}

async function removeIgnoringMissing(deps: BackendDeps, argv: string[], action: string): Promise<void> {
  const result = await deps.runner.run(argv, { signal: deps.signal, timeoutMs: 60_000 });
  if (result.exitCode !== 0 && !isDockerNotFound(result.stderr)) ensureSuccess(result, action);
}

/** The engine's answer when a network's subnet overlaps one it already has. */
const POOL_OVERLAP = /pool overlaps/i;

/**
 * A network create's answer, checked. When the engine says the subnet is taken — by another home
 * or user on this engine, between our planning and now — the error is `E_SUBNET_TAKEN`, which
 * `up` answers by planning again around the networks it can then see.
 */
function checkNetworkCreate(result: RunResult, what: string, subnet: string): void {
  if (result.exitCode !== 0 && POOL_OVERLAP.test(result.stderr)) {
    throw new BottleError("E_SUBNET_TAKEN", `Cannot create the ${what}: ${subnet} is taken on this docker engine`, {
      exitCode: EXIT.tempFail,
      hint:
        `another network holds ${subnet} (another claude-bottle home or user may have just made it); ` +
        "run claude-bottle up again",
      run: result,
    });
  }
  ensureSuccess(result, `create the ${what}`, `another network may hold ${subnet}; run claude-bottle preflight`);
}

/**
 * The bottle's own network. `isolated`: internal (no route out) and with no host address on its
 * bridge, so the agent on it can reach the bundle and nothing else — not even the host.
 */
export function bundleNetworkStep(plan: BundleArgvPlan, options: { isolated?: boolean } = {}): Step {
  return {
    id: "bundle-network",
    title: `create ${options.isolated ? "isolated " : ""}network ${plan.bundle.networkName} (${plan.bundleSubnet})`,
    async run(deps) {
      const network = { name: plan.bundle.networkName, subnet: plan.bundleSubnet, gateway: plan.bundleGateway };
      const result = await deps.runner.run(networkCreateArgv(plan, network, options), { signal: deps.signal, timeoutMs: 60_000 });
      checkNetworkCreate(result, `bundle network ${plan.bundle.networkName}`, plan.bundleSubnet);
      return { network: plan.bundle.networkName };
    },
    undo: (deps) => removeIgnoringMissing(deps, networkRemoveArgv(plan.bundle.networkName), `remove network ${plan.bundle.networkName}`),
  };
}

async function containerExited(plan: BundleArgvPlan, deps: BackendDeps): Promise<boolean> {
  const state = await deps.runner.run(["docker", "inspect", "--format", "{{.State.Status}}", plan.bundle.containerName], { signal: deps.signal, timeoutMs: 10_000 });
  return state.exitCode === 0 && /^(exited|dead)$/.test(state.stdout.trim());
}

/** Polls the bundle's health endpoint from the host until it answers 200 or the deadline passes. */
export async function waitForBundle(plan: BundleArgvPlan, deps: BackendDeps, timeoutMs = readyTimeoutMs(deps.env)): Promise<void> {
  const url = `http://${bundleHostIp(plan)}:${BUNDLE_PORTS.supervise}/healthz`;
  const http = deps.http;
  if (!http) throw new BottleError("E_NO_HTTP", "Cannot check the bundle: this host gave claude-bottle no HTTP client", { exitCode: EXIT.internal });
  await ensureBundleRoute(bundleHostIp(plan), plan.bundle.egressNetwork?.gateway ?? plan.bundleGateway, deps);
  const deadline = Date.now() + timeoutMs;
  let last = "no answer yet";
  for (let delay = 25, attempt = 1; Date.now() < deadline; delay = Math.min(delay * 2, 250), attempt++) {
    if (deps.signal?.aborted) throw new BottleError("E_INTERRUPTED", "Interrupted", { exitCode: EXIT.interrupted });
    const answer = await http.get(url, 1000);
    if ("status" in answer && answer.status === 200) return;
    last = "status" in answer ? `HTTP ${answer.status}` : answer.error;
    // A container that already exited will never answer: say so now, not at the deadline.
    if (attempt % 4 === 0 && (await containerExited(plan, deps))) {
      last = "the bundle container exited";
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
  const logs = await deps.runner.run(containerLogsArgv(plan.bundle.containerName, { tail: 20 }), { signal: deps.signal, timeoutMs: 10_000 });
  throw new BottleError("E_BUNDLE_NOT_READY", `Cannot start the bundle of "${plan.slug}": ${url} did not answer (${last}; waited up to ${timeoutMs / 1000} s)\n${tail(logs.stdout + logs.stderr, 20)}`, {
    exitCode: EXIT.unavailable,
    hint: `check the bundle image ${plan.bundle.image} (claude-bottle bundle image rebuilds the default)`,
  });
}

/** The bundle's way out when its own network is isolated: an ordinary bridge of its own. */
export function egressNetworkStep(plan: BundleArgvPlan, egress: EgressNetworkPlan): Step {
  return {
    id: "bundle-egress-network",
    title: `create egress network ${egress.networkName} (${egress.subnet})`,
    async run(deps) {
      const argv = networkCreateArgv(plan, { name: egress.networkName, subnet: egress.subnet, gateway: egress.gateway });
      const result = await deps.runner.run(argv, { signal: deps.signal, timeoutMs: 60_000 });
      checkNetworkCreate(result, `egress network ${egress.networkName}`, egress.subnet);
      return { network: egress.networkName };
    },
    undo: (deps) => removeIgnoringMissing(deps, networkRemoveArgv(egress.networkName), `remove network ${egress.networkName}`),
  };
}

/**
 * A root host runs the bundle as nobody: its mounted directory and files (config, token, audit)
 * become nobody's, still 0600/0700, so the bundle reads and writes them and nothing else.
 */
async function handOverBundleDir(plan: BundleArgvPlan, deps: BackendDeps): Promise<void> {
  const { uid, gid } = UNPRIVILEGED_BUNDLE_USER;
  if (plan.bundle.user !== `${uid}:${gid}`) return;
  if (!deps.fs.chown) throw new BottleError("E_NO_CHOWN", `Cannot hand ${plan.bundle.dir} to the bundle's uid ${uid}: this host gave claude-bottle no chown`, { exitCode: 70 });
  const entries = await deps.fs.listDir(plan.bundle.dir);
  for (const path of [plan.bundle.dir, ...entries.map((name) => join(plan.bundle.dir, name))]) await deps.fs.chown(path, uid, gid);
}

export function bundleContainerStep(plan: BundleArgvPlan): Step {
  return {
    id: "bundle-container",
    title: `start bundle ${plan.bundle.containerName} at ${plan.bundleIp}`,
    async run(deps) {
      await handOverBundleDir(plan, deps);
      const result = await deps.runner.run(bundleRunArgv(plan), { signal: deps.signal, timeoutMs: 120_000 });
      ensureSuccess(result, `start the bundle container ${plan.bundle.containerName}`, `is the image ${plan.bundle.image} present? (claude-bottle bundle image builds it)`);
      const egress = plan.bundle.egressNetwork;
      if (egress) {
        const connect = ["docker", "network", "connect", "--ip", egress.bundleIp, egress.networkName, plan.bundle.containerName];
        ensureSuccess(await deps.runner.run(connect, { signal: deps.signal, timeoutMs: 60_000 }), `connect the bundle to ${egress.networkName}`);
      }
      await waitForBundle(plan, deps);
      return { container: plan.bundle.containerName };
    },
    undo: (deps) => removeIgnoringMissing(deps, containerRemoveArgv(plan.bundle.containerName), `remove container ${plan.bundle.containerName}`),
  };
}
