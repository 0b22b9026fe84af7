/**
 * Gathering HostFacts: the one effectful read before planning. Every source is optional: a
 * host without docker or smolvm still plans (preflight then says what is missing).
 */
import { join } from "node:path";
import type { Fs } from "./fs.ts";
import type { Runner } from "./runner.ts";
import { LABEL_SLUG } from "./slug.ts";
import { parseBsdRoutes, parseDockerNetworks, parseLinuxRoutes } from "./host-routes.ts";
import type { HostFacts, UsedSubnet } from "../plugins/types.ts";

/** Subnet a bottle claimed, recorded in its state dir by render/up. */
export const CLAIM_FILE = "subnet";

/** Read-only Docker Engine API (GET, JSON); undefined answers mean "ask the CLI instead". */
export interface DockerApi {
  get(path: string): Promise<unknown>;
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
  return cidrs.filter((cidr) => !cidr.startsWith("127.")).map((cidr) => ({ cidr, source: "route" }));
}

function networkSubnets(network: { name: string; subnets: readonly string[]; labels: Readonly<Record<string, string>> }): UsedSubnet[] {
  return network.subnets.map((cidr): UsedSubnet => {
    const owner = network.labels[LABEL_SLUG];
    return owner ? { cidr, source: "docker", owner } : { cidr, source: "docker" };
  });
}

/** Subnets of docker networks: from the engine's API when it answers, else from the CLI. */
export async function dockerSubnets(runner: Runner, api?: DockerApi): Promise<UsedSubnet[]> {
  const fromApi = api ? await api.get("/networks") : undefined;
  if (Array.isArray(fromApi)) {
    return fromApi.flatMap((network: { Name?: unknown; IPAM?: { Config?: { Subnet?: unknown }[] | null }; Labels?: Record<string, string> | null }) =>
      networkSubnets({
        name: String(network.Name),
        subnets: (network.IPAM?.Config ?? []).flatMap((c) => (typeof c.Subnet === "string" && !c.Subnet.includes(":") ? [c.Subnet] : [])),
        labels: network.Labels ?? {},
      }),
    );
  }
  return dockerSubnetsFromCli(runner);
}

async function dockerSubnetsFromCli(runner: Runner): Promise<UsedSubnet[]> {
  const ids = await runner.run(["docker", "network", "ls", "--quiet", "--no-trunc"], { timeoutMs: 10_000 });
  const idList = ids.stdout.split("\n").filter(Boolean);
  if (ids.exitCode !== 0 || idList.length === 0) return [];
  const format = "{{json .Name}}\t{{json .IPAM.Config}}\t{{json .Labels}}";
  const inspect = await runner.run(["docker", "network", "inspect", "--format", format, ...idList], { timeoutMs: 10_000 });
  if (inspect.exitCode !== 0) return [];
  return parseDockerNetworks(inspect.stdout).flatMap(networkSubnets);
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
 * Everything a plan may need from the host. `backendFacts` is the chosen backend's own probe
 * (e.g. the smolvm version); it runs alongside the common ones.
 */
export async function gatherHostFacts(
  deps: FactsDeps,
  where: Pick<HostFacts, "home" | "platform" | "arch" | "user">,
  backendFacts: () => Promise<Readonly<Record<string, string>>> = async () => ({}),
): Promise<HostFacts> {
  const [routes, docker, bottles, backend] = await Promise.all([
    routeSubnets(deps.runner, where.platform),
    dockerSubnets(deps.runner, deps.dockerApi),
    bottleSubnets(deps.fs, where.home),
    backendFacts(),
  ]);
  return { ...where, usedSubnets: [...routes, ...docker, ...bottles], backend };
}
