/**
 * The half of every plan that concerns the bundle: subnet, addresses, agent env, bundle
 * container and config. Shared by all backends so they differ only where the runtime does. Pure.
 */
import { join } from "node:path";
import type { Bottle } from "../core/load-manifest.ts";
import { bundleAgentEnv, looksLikeSecret } from "../core/agent-env.ts";
import { bundleSubnet } from "../core/subnet.ts";
import { resourceName } from "../core/slug.ts";
import { bottleDir } from "../core/state.ts";
import type { HostFacts } from "../plugins/types.ts";

export const BUNDLE_CONFIG_FILE = "bundle.json";
/** The bundle's own directory in the state dir, mounted into its container: config and audit log. */
export const BUNDLE_DIR = "bundle";
export const BUNDLE_DIR_IN_CONTAINER = "/bundle";

export interface BundlePlan {
  readonly slug: string;
  readonly home: string;
  readonly stateDir: string;
  readonly bundleSubnet: string;
  readonly bundleGateway: string;
  readonly bundleIp: string;
  /**
   * Where the host reaches the bundle when that is not `bundleIp`: a backend whose agent network
   * gives the host no address (docker) puts the bundle on a second, egress network too.
   */
  readonly egressNetwork?: { readonly networkName: string; readonly subnet: string; readonly gateway: string; readonly bundleIp: string };
  readonly env: Readonly<Record<string, string>>;
  readonly warnings: readonly string[];
  readonly host: { readonly platform: string; readonly arch: string };
  readonly agent: { readonly image: string; readonly command: readonly string[] };
  readonly egress: { readonly allow: readonly string[] };
  readonly bundle: {
    readonly image: string;
    readonly networkName: string;
    readonly containerName: string;
    /** Host directory mounted into the bundle container. */
    readonly dir: string;
    readonly configPath: string;
    /** uid:gid the bundle runs as: the host user, so it can read its 0600 files. */
    readonly user: string;
  };
  /** The bottle CA certificate on the host; the key beside it never leaves the host. */
  readonly caCertPath: string;
}

/** Keys sorted, so equal inputs print byte-identical plans. */
export function sortedRecord(record: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}


/** Plans the bundle side of a bottle. Throws ConfigError when no subnet can be had. */
/** Where the host reaches the bundle: the egress address when there is one. */
export function bundleHostIp(plan: Pick<BundlePlan, "bundleIp" | "egressNetwork">): string {
  return plan.egressNetwork?.bundleIp ?? plan.bundleIp;
}

/** The subnets a bottle claims (written to its claim file, one per line). */
export function claimedSubnets(plan: Pick<BundlePlan, "bundleSubnet" | "egressNetwork">): string[] {
  return plan.egressNetwork ? [plan.bundleSubnet, plan.egressNetwork.subnet] : [plan.bundleSubnet];
}

export function planBundle(bottle: Bottle, facts: HostFacts, options: { egressNetwork?: boolean } = {}): BundlePlan {
  const { manifest, slug } = bottle;
  const addresses = bundleSubnet(slug, manifest.bundle.subnet_pool, facts.usedSubnets);
  // The egress /24 is chosen after the agent's, with the agent's counted as taken and this
  // bottle's own earlier claims ignored, so re-planning a bottle gives the same two answers.
  const egress = options.egressNetwork
    ? bundleSubnet(`${slug}/egress`, manifest.bundle.subnet_pool, [...facts.usedSubnets.filter((used) => used.owner !== slug), { cidr: addresses.subnet }])
    : undefined;
  const stateDir = bottleDir(facts.home, slug);
  const warnings = Object.keys(manifest.agent.env)
    .filter(looksLikeSecret)
    .map((name) => `agent.env.${name} looks like a credential: guest env is readable by the agent and stored in the Smolfile`);
  const bundleDir = join(stateDir, BUNDLE_DIR);
  return {
    slug,
    home: facts.home,
    stateDir,
    bundleSubnet: addresses.subnet,
    bundleGateway: addresses.gateway,
    bundleIp: addresses.bundleIp,
    ...(egress ? { egressNetwork: { networkName: resourceName(facts.home, slug, "egress"), subnet: egress.subnet, gateway: egress.gateway, bundleIp: egress.bundleIp } } : {}),
    env: sortedRecord({ ...manifest.agent.env, ...bundleAgentEnv(slug, addresses.bundleIp) }),
    warnings,
    host: { platform: facts.platform, arch: facts.arch },
    agent: { image: manifest.agent.image, command: manifest.agent.command },
    egress: { allow: manifest.egress.allow },
    bundle: {
      image: manifest.bundle.image,
      networkName: resourceName(facts.home, slug, "net"),
      containerName: resourceName(facts.home, slug, "bundle"),
      dir: bundleDir,
      configPath: join(bundleDir, BUNDLE_CONFIG_FILE),
      user: `${facts.user.uid}:${facts.user.gid}`,
    },
    caCertPath: join(stateDir, "ca", "ca.crt"),
  };
}
