/**
 * Gathering HostFacts: the one effectful read before planning. Every source is optional: a
 * host without docker or smolvm still plans (preflight then says what is missing).
 */
import { join } from "node:path";
import type { Fs } from "./fs.ts";
import type { Runner } from "./runner.ts";
import { LABEL_HOME, LABEL_SLUG } from "./slug.ts";
import { parseBsdRoutes, parseDockerNetworks, parseLinuxLocalAddresses, parseLinuxRoutes } from "./host-routes.ts";
import type { DockerApi } from "./deps.ts";
import type { SentinelShape } from "./sentinel.ts";

export type { DockerApi };

/** Subnet a bottle claimed, recorded in its state dir by render/up. */
export const CLAIM_FILE = "subnet";

/** Where a subnet in use on the host was seen. */
export interface UsedSubnet {
  readonly cidr: string;
  /** "local": one of the host's own addresses (a /32), from the route table's local routes. */
  readonly source: "route" | "local" | "docker" | "bottle";
  /** The bottle slug that owns it, when it is one of ours. */
  readonly owner?: string;
}

/**
 * The agent image as the engine answered, asked once per command: its ID, or why there is none
 * (`missing`: the engine does not have it; `unknown`: docker could not be asked or gave no ID).
 */
export type AgentImageFact =
  | { readonly state: "present"; readonly id: string }
  | { readonly state: "missing" }
  | { readonly state: "unknown"; readonly detail: string };

/** The core's host facts, gathered once per command before planning and handed down as data. */
export interface HostFacts {
  /** claude-bottle's state root. */
  readonly home: string;
  readonly platform: string;
  readonly arch: string;
  readonly user: { readonly uid: number; readonly gid: number };
  readonly usedSubnets: readonly UsedSubnet[];
  /** The bottle's agent image; absent when the command did not ask (one made without a bottle). */
  readonly agentImage?: AgentImageFact;
  /**
   * The shapes of the credentials' real values (prefix, length, alphabet; never a value), read
   * by `up` when it resolves them; other commands plan with the well-known shapes.
   */
  readonly credentialShapes?: Readonly<Record<string, SentinelShape>>;
}

/** The host facts plus what the backend's own `facts` probe found, typed by the backend. */
export interface Facts<F = undefined> extends HostFacts {
  readonly backend: F;
}

export interface FactsDeps {
  readonly runner: Runner;
  readonly fs: Fs;
  readonly dockerApi?: DockerApi | undefined;
}

export async function routeSubnets(runner: Runner, platform: string): Promise<UsedSubnet[]> {
  const argv = platform === "darwin" ? ["netstat", "-rn", "-f", "inet"] : ["ip", "-4", "route", "show", "table", "all"];
  const result = await runner.run(argv, { timeoutMs: 5000 });
  if (result.exitCode !== 0) return [];
  const cidrs = platform === "darwin" ? parseBsdRoutes(result.stdout) : parseLinuxRoutes(result.stdout);
  const routes = cidrs.filter((cidr) => !cidr.startsWith("127.")).map((cidr): UsedSubnet => ({ cidr, source: "route" }));
  const local = platform === "darwin" ? [] : parseLinuxLocalAddresses(result.stdout);
  return [...routes, ...local.map((cidr): UsedSubnet => ({ cidr, source: "local" }))];
}

interface SeenNetwork {
  readonly name: string;
  readonly subnets: readonly string[];
  readonly labels: Readonly<Record<string, string>>;
}

/**
 * A network's subnets. Its owner is the bottle named by its slug label only when it carries this
 * home's label too: another home's bottle of the same name is someone else's network.
 */
function networkSubnets(network: SeenNetwork, home: string): UsedSubnet[] {
  return network.subnets.map((cidr): UsedSubnet => {
    const owner = network.labels[LABEL_HOME] === home ? network.labels[LABEL_SLUG] : undefined;
    return owner ? { cidr, source: "docker", owner } : { cidr, source: "docker" };
  });
}

/** Subnets of docker networks: from the engine's API when it answers, else from the CLI. */
export async function dockerSubnets(runner: Runner, home: string, api?: DockerApi): Promise<UsedSubnet[]> {
  const fromApi = api ? await api.get("/networks") : undefined;
  if (Array.isArray(fromApi)) {
    return fromApi.flatMap((network: { Name?: unknown; IPAM?: { Config?: { Subnet?: unknown }[] | null }; Labels?: Record<string, string> | null }) =>
      networkSubnets({
        name: String(network.Name),
        subnets: (network.IPAM?.Config ?? []).flatMap((c) => (typeof c.Subnet === "string" && !c.Subnet.includes(":") ? [c.Subnet] : [])),
        labels: network.Labels ?? {},
      }, home),
    );
  }
  return dockerSubnetsFromCli(runner, home);
}

async function dockerSubnetsFromCli(runner: Runner, home: string): Promise<UsedSubnet[]> {
  const ids = await runner.run(["docker", "network", "ls", "--quiet", "--no-trunc"], { timeoutMs: 10_000 });
  const idList = ids.stdout.split("\n").filter(Boolean);
  if (ids.exitCode !== 0 || idList.length === 0) return [];
  const format = "{{json .Name}}\t{{json .IPAM.Config}}\t{{json .Labels}}";
  const inspect = await runner.run(["docker", "network", "inspect", "--format", format, ...idList], { timeoutMs: 10_000 });
  if (inspect.exitCode !== 0) return [];
  return parseDockerNetworks(inspect.stdout).flatMap((network) => networkSubnets(network, home));
}

export async function bottleSubnets(fs: Fs, home: string): Promise<UsedSubnet[]> {
  const bottlesDir = join(home, "bottles");
  const used: UsedSubnet[] = [];
  for (const slug of (await fs.listDir(bottlesDir)).sort()) {
    const claim = await fs.readTextIfExists(join(bottlesDir, slug, CLAIM_FILE));
    for (const cidr of (claim ?? "").split("\n").map((line) => line.trim()).filter(Boolean)) used.push({ cidr, source: "bottle", owner: slug });
  }
  return used;
}

/**
 * Everything a plan may need from the host, read once per command. `backendFacts` is the chosen
 * backend's own probe (e.g. the smolvm version), `agentImage` the bottle's image's; they run
 * alongside the common ones.
 */
export async function gatherFacts<F>(
  deps: FactsDeps,
  where: Pick<HostFacts, "home" | "platform" | "arch" | "user">,
  backendFacts: () => Promise<F>,
  agentImage?: () => Promise<AgentImageFact>,
): Promise<Facts<F>> {
  const [routes, docker, bottles, backend, image] = await Promise.all([
    routeSubnets(deps.runner, where.platform),
    dockerSubnets(deps.runner, where.home, deps.dockerApi),
    bottleSubnets(deps.fs, where.home),
    backendFacts(),
    agentImage?.(),
  ]);
  const used = { usedSubnets: [...routes, ...docker, ...bottles] };
  return { ...where, ...used, ...(image ? { agentImage: image } : {}), backend };
}
