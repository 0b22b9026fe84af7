/**
 * smolmachines preflight: the agent's side, read-only. smolvm present and new enough to enforce
 * egress, a way to load the agent image that keeps the allowlist, no egress floor that would
 * wall off the bundle, the agent image, a hypervisor. (The bundle's side is the core's.)
 */
import type { BackendDeps } from "../../core/deps.ts";
import type { Facts } from "../../core/host-facts.ts";
import type { Plan } from "../../core/plan.ts";
import { tail } from "../../core/runner.ts";
import type { Finding, PreflightOptions } from "../../core/step.ts";
import { agentImageFindings } from "../../bundle/bundle-preflight.ts";
import type { SmolvmProbe } from "./smolvm-probe.ts";
import { atLeast, formatSemver, SMOLVM_FLOOR, SMOLVM_SINCE } from "./version.ts";
import type { SmolmachinesPlan } from "./plan.ts";

const INSTALL_HINT = `install smolvm ${formatSemver(SMOLVM_FLOOR)} or newer (https://smolmachines.com) and put it on PATH`;

/** From the facts' probe: smolvm is asked once per command. */
export function smolvmFinding(probe: SmolvmProbe, options: PreflightOptions): Finding {
  switch (probe.state) {
    case "missing":
      return { code: "SMOLVM_MISSING", level: "fail", message: "smolvm is not on PATH", fix: `${INSTALL_HINT}; on a host without KVM or smolvm, set backend = "docker" in bottle.toml (a hardened container; it shares the host kernel)` };
    case "broken":
      return {
        code: "SMOLVM_BROKEN",
        level: "fail",
        message: `smolvm --version exited with code ${probe.exitCode}: ${tail(probe.stderr, 1)}`,
        fix: "reinstall smolvm; its wrapper may have lost smolvm-bin or lib/",
      };
    case "unparseable":
      return {
        code: "SMOLVM_VERSION_UNKNOWN",
        level: "fail",
        message: `cannot read a version from smolvm --version: "${probe.output.slice(0, 80)}"`,
        fix: "check that PATH's smolvm is smolvm (a renamed or wrapped binary prints other text)",
      };
    case "found": {
      const version = formatSemver(probe.version);
      if (atLeast(probe.version, SMOLVM_FLOOR)) return { code: "SMOLVM_OK", level: "ok", message: `smolvm ${version}` };
      // Below 1.1.3 the TSI egress filter did not enforce allow_cidrs (smolvm PR #427): the VM could reach anything.
      const message = `smolvm ${version} does not enforce the egress allowlist (fixed in ${formatSemver(SMOLVM_FLOOR)}, smolvm PR #427)`;
      return options.allowUnenforcedEgress
        ? {
            code: "SMOLVM_EGRESS_UNENFORCED",
            level: "warn",
            message: `${message}; accepted by --allow-unenforced-egress`,
            fix: `upgrade smolvm to ${formatSemver(SMOLVM_FLOOR)}+`,
          }
        : {
            code: "SMOLVM_TOO_OLD",
            level: "fail",
            message,
            fix: `upgrade smolvm to ${formatSemver(SMOLVM_FLOOR)}+, or pass --allow-unenforced-egress to accept an open VM`,
          };
    }
  }
}

/**
 * smolvm ≥1.9's "strict" egress floor drops RFC 1918 destinations before the allowlist, which
 * would wall the guest off from its bundle (reference, Addenda). It is chosen from smolvm's env.
 */
export function egressFloorFinding(env: BackendDeps["env"]): Finding {
  const floor = env["SMOLVM_EGRESS_FLOOR"];
  const relaxed = floor === "off" || floor === "metadata" || env["SMOLVM_EGRESS_ALLOW_PRIVATE"] === "1";
  const strict = floor === "strict" || (!relaxed && !!env["SMOLVM_PUBLISH_ADDR"]);
  if (!strict)
    return { code: "EGRESS_FLOOR_OK", level: "ok", message: "smolvm egress floor admits the bundle's private address" };
  return {
    code: "EGRESS_FLOOR_STRICT",
    level: "fail",
    message: `smolvm's strict egress floor (${floor === "strict" ? "SMOLVM_EGRESS_FLOOR=strict" : "SMOLVM_PUBLISH_ADDR is set"}) blocks private addresses, so the guest could not reach its bundle`,
    fix: "unset SMOLVM_EGRESS_FLOOR/SMOLVM_PUBLISH_ADDR for claude-bottle, or set SMOLVM_EGRESS_FLOOR=metadata",
  };
}

/**
 * Where the guest's DNS goes. Before 1.9.3 smolvm has no `--dns`, so the guest asks smolvm's own
 * gateway, which forwards every name upstream whatever the allowlist (reference §3.7): the
 * bundle's sink neither refuses nor audits those queries, a way out for data in names.
 */
export function dnsFinding(plan: SmolmachinesPlan): Finding | undefined {
  const smolvm = plan.smolvm;
  if (!smolvm) return undefined; // no smolvm: smolvmFinding says so
  if (smolvm.features.dnsFlag) {
    return { code: "DNS_SINK_OK", level: "ok", message: "the guest resolves through the bundle's DNS sink" };
  }
  const since = formatSemver(SMOLVM_SINCE.dnsFlag);
  return {
    code: "DNS_NOT_SINKED",
    level: "warn",
    message:
      `smolvm ${smolvm.version} cannot point the guest's resolver at the bundle (--dns, from ${since}): ` +
      "its DNS queries go to smolvm's gateway, which forwards them upstream unfiltered and unaudited",
    fix: `upgrade smolvm to ${since} or newer`,
  };
}

/** The plan's decision on loading the agent image: refused paths would leave the VM's egress open. */
export function guestImageFinding(plan: SmolmachinesPlan): Finding | undefined {
  const image = plan.smolvm?.guestImage;
  if (!image) return undefined; // no smolvm: smolvmFinding says so
  if (image.kind === "archive") return { code: "GUEST_IMAGE_OK", level: "ok", message: image.reason };
  return {
    code: "GUEST_IMAGE_REFUSED",
    level: "fail",
    message: `cannot load the agent image: ${image.reason}`,
    fix: `upgrade smolvm to ${formatSemver(SMOLVM_FLOOR)} or newer`,
  };
}

export async function hypervisorFinding(plan: Pick<Plan, "host">, deps: BackendDeps): Promise<Finding> {
  const { platform, arch } = plan.host;
  if (platform === "linux") {
    if (!(await deps.fs.exists("/dev/kvm"))) {
      return {
        code: "KVM_MISSING",
        level: "fail",
        message: "/dev/kvm does not exist",
        fix: "enable virtualization and load the kvm module (modprobe kvm_intel or kvm_amd)",
      };
    }
    if (!(await deps.fs.canReadWrite("/dev/kvm"))) {
      return {
        code: "KVM_PERMISSION",
        level: "fail",
        message: "/dev/kvm is not readable and writable by this user",
        fix: "sudo usermod -aG kvm $USER, then log in again",
      };
    }
    return { code: "KVM_OK", level: "ok", message: "/dev/kvm is usable" };
  }
  if (platform === "darwin") {
    return arch === "arm64"
      ? { code: "HVF_OK", level: "ok", message: "Apple silicon with Hypervisor.framework" }
      : {
          code: "HVF_UNTESTED",
          level: "warn",
          message: "smolvm lists Intel Macs as untested",
          fix: "use an Apple silicon Mac, or the docker backend",
        };
  }
  return {
    code: "PLATFORM_UNSUPPORTED",
    level: "fail",
    message: `smolmachines does not run on ${platform}`,
    fix: "use Linux with KVM or macOS on Apple silicon",
  };
}

export async function preflightSmolmachines(
  plan: Plan<SmolmachinesPlan>,
  facts: Facts<SmolvmProbe>,
  deps: BackendDeps,
  options: PreflightOptions,
): Promise<Finding[]> {
  const guestImage = guestImageFinding(plan.agent);
  const dns = dnsFinding(plan.agent);
  return [
    smolvmFinding(facts.backend, options),
    ...(guestImage ? [guestImage] : []),
    ...(dns ? [dns] : []),
    egressFloorFinding(deps.env),
    ...(await agentImageFindings(plan, facts, deps.runner)),
    await hypervisorFinding(plan, deps),
  ];
}
