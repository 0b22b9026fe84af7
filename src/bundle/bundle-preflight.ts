/** Preflight findings about the bundle's side, shared by every backend. Read-only. */
import { cidrsOverlap, parseCidr } from "../core/cidr.ts";
import type { AgentImageFact, HostFacts } from "../core/host-facts.ts";
import { tail, type Runner } from "../core/runner.ts";
import type { Finding } from "../core/step.ts";
import { claimedSubnets } from "../core/bundle-plan.ts";
import type { CorePlan } from "../core/plan.ts";
import { imageIdArgv } from "./docker-argv.ts";
import { checkAgentImage, type ImageCheckOptions } from "../agent-image/image-checks.ts";
import { DEFAULT_AGENT_IMAGE } from "../core/manifest.ts";
import { bundleImageSource } from "./bundle-image.ts";

export async function dockerFinding(runner: Runner): Promise<Finding> {
  const result = await runner.run(["docker", "version", "--format", "{{.Server.Version}}"], { timeoutMs: 15_000 });
  if (result.spawnError === "ENOENT") {
    return { code: "DOCKER_MISSING", level: "fail", message: "docker is not on PATH (the bundle runs in a container)", fix: "install Docker Engine (Debian: apt-get install docker.io)" };
  }
  if (result.exitCode !== 0) {
    return { code: "DOCKER_UNREACHABLE", level: "fail", message: `docker daemon is not reachable: ${tail(result.stderr, 1)}`, fix: "start dockerd (systemctl start docker) and check that this user may use it" };
  }
  return { code: "DOCKER_OK", level: "ok", message: `docker engine ${result.stdout.trim()}` };
}

/**
 * Every /24 the bottle claims (its own, and an egress one where it has it) must not overlap a
 * route, a docker network or a claim that is not this bottle's. Read from the facts the plan
 * was made from: the host is looked at once per command.
 */
export function subnetFinding(plan: Pick<CorePlan, "slug" | "bundleSubnet" | "bundle">, facts: Pick<HostFacts, "usedSubnets">): Finding {
  const claimed = claimedSubnets(plan);
  for (const subnet of claimed) {
    const mine = parseCidr(subnet);
    if (!mine.ok) return { code: "SUBNET_INVALID", level: "fail", message: mine.reason, fix: "fix [bundle] subnet_pool" };
    const clash = facts.usedSubnets.find((entry) => {
      const cidr = parseCidr(entry.cidr, false);
      return entry.owner !== plan.slug && cidr.ok && cidrsOverlap(cidr.cidr, mine.cidr);
    });
    if (clash) {
      const fix = "run claude-bottle plan again to pick a free /24, or change [bundle] subnet_pool";
      return { code: "SUBNET_IN_USE", level: "fail", message: `${subnet} overlaps ${clash.cidr} (${clash.source})`, fix };
    }
  }
  return { code: "SUBNET_FREE", level: "ok", message: `${claimed.join(" and ")} ${claimed.length === 1 ? "is" : "are"} free` };
}

/** Asks the engine for the agent image's ID: the `agentImage` fact, gathered once per command. */
export async function probeAgentImage(image: string, runner: Runner): Promise<AgentImageFact> {
  const result = await runner.run(imageIdArgv(image), { timeoutMs: 15_000 });
  if (result.spawnError) return { state: "unknown", detail: "cannot check the agent image without docker" };
  if (result.exitCode !== 0) return { state: "missing" };
  const id = result.stdout.trim().replace(/^sha256:/, "");
  if (/^[0-9a-f]{12,64}$/.test(id)) return { state: "present", id };
  return { state: "unknown", detail: `docker gave no image ID for ${image}: "${result.stdout.trim().slice(0, 80)}"` };
}

/** The agent image must already be on the host: nothing is ever pulled for the guest. Pure. */
export function agentImageFactFinding(image: string, fact: AgentImageFact): Finding {
  if (fact.state === "present") {
    return { code: "AGENT_IMAGE_OK", level: "ok", message: `agent image ${image} is present` };
  }
  if (fact.state === "unknown") {
    return { code: "AGENT_IMAGE_UNKNOWN", level: "warn", message: fact.detail, fix: "install docker" };
  }
  const message = `agent image ${image} is not on this host`;
  return { code: "AGENT_IMAGE_MISSING", level: "fail", message, fix: agentImageFix(image) };
}

/** The agent image must already be on the host (asks the engine; `facts.agentImage` has the answer). */
export async function agentImageFinding(image: string, runner: Runner): Promise<Finding> {
  return agentImageFactFinding(image, await probeAgentImage(image, runner));
}

/** How to get an agent image onto the host: build the default one here, or load/pull your own. */
export function agentImageFix(image: string): string {
  const tag = image === DEFAULT_AGENT_IMAGE ? "" : ` --tag ${image}`;
  return `build it with claude-bottle image agent${tag}, or docker load / docker pull your own; the guest never pulls`;
}

/**
 * The agent image is here and has what an agent needs (see agent-image/image-checks.ts), looked
 * at without starting the agent. The probe runs only when the image is present.
 */
export async function agentImageFindings(
  plan: Pick<CorePlan, "agentImage" | "agentCommand">,
  facts: Pick<HostFacts, "agentImage">,
  runner: Runner,
  options: Omit<ImageCheckOptions, "command"> = {},
): Promise<Finding[]> {
  const fact = facts.agentImage ?? (await probeAgentImage(plan.agentImage, runner));
  const present = agentImageFactFinding(plan.agentImage, fact);
  if (present.level !== "ok") return [present];
  return [present, ...(await checkAgentImage(runner, plan.agentImage, { ...options, command: plan.agentCommand }))];
}

/** Said when the backend's `info.features.hostKernelShared` is set. */
export function sharedKernelFinding(isolation: string): Finding {
  return {
    code: "ISOLATION_SHARED_KERNEL",
    level: "warn",
    message: `isolation: ${isolation} — the agent shares the host kernel; a kernel exploit escapes it`,
    fix: 'use backend = "smolmachines" where KVM or Apple silicon is available',
  };
}

/** How to get a bundle image this binary cannot build. */
export function bundleImageFix(image: string): string {
  return /^claude-bottle-bundle[:@]?/.test(image)
    ? `claude-bottle bundle image --tag ${image} --binary <claude-bottle-linux binary>, or docker load the release's bundle archive`
    : `build or load ${image} first (docker build / docker load)`;
}

/** The bundle image: present, buildable by `up` from this binary, or missing with the fix. */
export async function bundleImageFinding(image: string, runner: Runner, self: { selfBinary: string | undefined; platform: string }): Promise<Finding> {
  const result = await runner.run(imageIdArgv(image), { timeoutMs: 15_000 });
  if (result.exitCode === 0) return { code: "BUNDLE_IMAGE_OK", level: "ok", message: `bundle image ${image} is present` };
  if (result.spawnError) return { code: "BUNDLE_IMAGE_UNKNOWN", level: "warn", message: "cannot check the bundle image without docker", fix: "install docker" };
  const binary = bundleImageSource(image, self);
  if (binary) return { code: "BUNDLE_IMAGE_BUILDABLE", level: "ok", message: `bundle image ${image} is not built yet; up builds it from ${binary}` };
  return { code: "BUNDLE_IMAGE_MISSING", level: "fail", message: `bundle image ${image} is not on this host, and this claude-bottle cannot build it`, fix: bundleImageFix(image) };
}
