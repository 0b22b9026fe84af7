/** docker command lines for the bundle. Pure builders, table-tested; argv arrays, never shell. */
import { LABEL_HOME, LABEL_SLUG } from "../core/slug.ts";
import { BUNDLE_DIR_IN_CONTAINER } from "../core/bundle-plan.ts";
import type { CorePlan } from "../core/plan.ts";
import { MIRROR_IN_BUNDLE, QUARANTINE_IN_BUNDLE } from "../core/workspace.ts";

export type BundleArgvPlan = Pick<CorePlan, "slug" | "home" | "bundleSubnet" | "bundleGateway" | "bundleIp" | "bundle" | "workspace">;

/** A docker network of a bottle: its name, /24 and gateway. */
export interface NetworkSpec {
  readonly name: string;
  readonly subnet: string;
  readonly gateway: string;
}

function labels(plan: Pick<BundleArgvPlan, "slug" | "home">): string[] {
  return ["--label", `${LABEL_SLUG}=${plan.slug}`, "--label", `${LABEL_HOME}=${plan.home}`];
}

/**
 * `isolated`: --internal (no NAT, no route out) and inhibit_ipv4 (the host takes no address on the
 * bridge). Checked here: on an --internal network alone a container still reaches the host's
 * services through the gateway and docker0 addresses; with inhibit_ipv4 it reaches neither.
 */
export function networkCreateArgv(owner: Pick<BundleArgvPlan, "slug" | "home">, network: NetworkSpec, options: { isolated?: boolean } = {}): string[] {
  const isolation = options.isolated ? ["--internal", "--opt", "com.docker.network.bridge.inhibit_ipv4=true"] : [];
  const subnet = ["--subnet", network.subnet, "--gateway", network.gateway];
  return ["docker", "network", "create", "--driver", "bridge", ...isolation, ...subnet, ...labels(owner), network.name];
}

/**
 * Container logs capped: at most 3 files of 10 MB. The json-file driver is named so the options
 * hold whatever the daemon's default driver is (an agent printing without end fills no disk).
 */
export const CAPPED_LOGS: readonly string[] = ["--log-driver", "json-file", "--log-opt", "max-size=10m", "--log-opt", "max-file=3"];

export function networkRemoveArgv(name: string): string[] {
  return ["docker", "network", "rm", name];
}

/**
 * The bundle container: pinned to the bundle IP on the bottle's network, read-only root, no
 * capabilities, no privilege gain, small limits. It runs as the host user so it can read its
 * 0600 config and write its audit log in the mounted bundle dir, and nothing else of the state.
 */
/** The workspace mirror read-only, its quarantine writable: what the git gate serves and fills. */
function workspaceMounts(plan: BundleArgvPlan): string[] {
  if (!plan.workspace) return [];
  return [
    "--mount", `type=bind,source=${plan.workspace.mirror},target=${MIRROR_IN_BUNDLE},readonly`,
    "--mount", `type=bind,source=${plan.workspace.quarantine},target=${QUARANTINE_IN_BUNDLE}`,
  ];
}

export function bundleRunArgv(plan: BundleArgvPlan): string[] {
  return [
    "docker", "run", "--detach",
    "--pull", "never", // the image is built here; never reach for a registry
    "--name", plan.bundle.containerName,
    "--network", plan.bundle.networkName,
    "--ip", plan.bundleIp,
    ...labels(plan),
    "--user", plan.bundle.user,
    "--read-only",
    "--tmpfs", "/tmp:rw,noexec,nosuid,size=16m",
    "--cap-drop", "ALL",
    "--security-opt", "no-new-privileges",
    // The DNS sink listens on :53 without CAP_NET_BIND_SERVICE; no sink, no lowered port floor.
    ...(plan.bundle.dnsSink === false ? [] : ["--sysctl", "net.ipv4.ip_unprivileged_port_start=53"]),
    "--memory", "256m",
    "--pids-limit", "512",
    "--restart", "no",
    ...CAPPED_LOGS,
    "--mount", `type=bind,source=${plan.bundle.dir},target=${BUNDLE_DIR_IN_CONTAINER}`,
    ...workspaceMounts(plan),
    plan.bundle.image,
    "bundle", "serve", "--config", `${BUNDLE_DIR_IN_CONTAINER}/bundle.json`,
  ];
}

export function containerRemoveArgv(name: string): string[] {
  return ["docker", "rm", "--force", "--volumes", name];
}

export function containerLogsArgv(name: string, options: { follow?: boolean; tail?: number } = {}): string[] {
  return ["docker", "logs", ...(options.follow ? ["--follow"] : []), ...(options.tail ? ["--tail", String(options.tail)] : []), name];
}

export function imageIdArgv(image: string): string[] {
  return ["docker", "image", "inspect", "--format", "{{.Id}}", image];
}

export function imageSaveArgv(image: string, output: string): string[] {
  return ["docker", "image", "save", "--output", output, image];
}

/** Our containers and networks of one home, by label: `gc` reads these. */
export function labelledContainersArgv(home: string): string[] {
  return ["docker", "ps", "--all", "--filter", `label=${LABEL_HOME}=${home}`, "--format", `{{.Names}}\t{{.Label "${LABEL_SLUG}"}}\t{{.State}}`];
}

export interface LabelledContainer {
  readonly name: string;
  readonly slug: string;
  readonly state: string;
}

/** The rows `labelledContainersArgv` prints. */
export function parseLabelledContainers(stdout: string): LabelledContainer[] {
  return stdout.split("\n").filter(Boolean).map((line) => {
    const [name = "", slug = "", state = ""] = line.split("\t");
    return { name, slug, state };
  });
}

export function labelledNetworksArgv(home: string): string[] {
  return ["docker", "network", "ls", "--filter", `label=${LABEL_HOME}=${home}`, "--format", `{{.Name}}\t{{.Label "${LABEL_SLUG}"}}`];
}

/** stderr of a docker command that failed only because the thing is already gone. */
export function isDockerNotFound(stderr: string): boolean {
  return /no such (container|network)|not found/i.test(stderr);
}
