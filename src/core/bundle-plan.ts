/**
 * The core's part of every plan: subnet, addresses, agent env, the bundle's container, network
 * and config. The same for every backend; capability data from the backend's `info` (is its
 * agent network isolated?) is the only input besides the bottle and the host facts. Pure.
 */
import { join } from "node:path";
import type { Bottle } from "./load-manifest.ts";
import { bundleAgentEnv, looksLikeSecret } from "./agent-env.ts";
import { bundleSubnet } from "./subnet.ts";
import { resourceName } from "./slug.ts";
import { bottleDir } from "./state.ts";
import type { HostFacts } from "./host-facts.ts";
import { planWorkspace } from "./workspace.ts";
import { PLAN_VERSION, type CorePlan, type EgressNetworkPlan } from "./plan.ts";
import { allowWithCredentialHosts, planInspection, sentinelEnv } from "./credential-plan.ts";

export const BUNDLE_CONFIG_FILE = "bundle.json";
/** The bundle's own directory in the state dir, mounted into its container: config and audit log. */
export const BUNDLE_DIR = "bundle";
export const BUNDLE_DIR_IN_CONTAINER = "/bundle";

/** What the core reads from a backend's `info` to plan the bundle. */
export interface BundleNeeds {
  readonly backend: string;
  readonly isolation: string;
  /** The agent's network has no host address and no route out: the bundle needs an egress network. */
  readonly isolatedNetwork: boolean;
  /** The agent shares the host's kernel: said in the plan's warnings. */
  readonly hostKernelShared: boolean;
  /** The backend provides GUEST_TRUST_PATH in the guest: the trust variables may point there. */
  readonly guestTrust?: boolean;
  /** The backend points the agent's resolver at the bundle: the bundle then serves DNS. */
  readonly dnsSink: boolean;
  /** The backend can keep the agent's home across down/up (`[agent] persist_home`). */
  readonly keptHome?: boolean;
}

/** The uid:gid the bundle runs as when the host user is root: nobody's, never uid 0. */
export const UNPRIVILEGED_BUNDLE_USER = { uid: 65534, gid: 65534 };

/** The host user, so the bundle can read its 0600 files; root hands them to nobody instead. */
export function bundleUser(user: { readonly uid: number; readonly gid: number }): string {
  const chosen = user.uid === 0 ? UNPRIVILEGED_BUNDLE_USER : user;
  return `${chosen.uid}:${chosen.gid}`;
}

/** Keys sorted, so equal inputs print byte-identical plans. */
export function sortedRecord(record: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Where the host reaches the bundle: the egress address when there is one. */
export function bundleHostIp(plan: Pick<CorePlan, "bundleIp" | "bundle">): string {
  return plan.bundle.egressNetwork?.bundleIp ?? plan.bundleIp;
}

/** The subnets a bottle claims (written to its claim file, one per line). */
export function claimedSubnets(plan: Pick<CorePlan, "bundleSubnet" | "bundle">): string[] {
  const egress = plan.bundle.egressNetwork;
  return egress ? [plan.bundleSubnet, egress.subnet] : [plan.bundleSubnet];
}

function planWarnings(bottle: Bottle, needs: BundleNeeds): string[] {
  const secrets = Object.keys(bottle.manifest.agent.env)
    .filter(looksLikeSecret)
    .map(
      (name) =>
        `agent.env.${name} looks like a credential: guest env is readable by the agent and stored in the Smolfile`,
    );
  const kernel = needs.hostKernelShared
    ? [`isolation is ${needs.isolation}: the agent shares the host kernel (use smolmachines for a microVM)`]
    : [];
  const home = bottle.manifest.agent.persist_home && !needs.keptHome
    ? [`agent.persist_home: backend ${needs.backend} cannot keep the agent's home yet; it lives and dies with the guest`]
    : [];
  return [...secrets, ...kernel, ...home];
}

// The egress /24 is chosen after the agent's, with the agent's counted as taken and this
// bottle's own earlier claims ignored, so re-planning a bottle gives the same two answers.
function egressNetwork(bottle: Bottle, facts: HostFacts, agentSubnet: string): EgressNetworkPlan {
  const used = [...facts.usedSubnets.filter((entry) => entry.owner !== bottle.slug), { cidr: agentSubnet }];
  const egress = bundleSubnet(`${bottle.slug}/egress`, bottle.manifest.bundle.subnet_pool, used);
  return {
    networkName: resourceName(facts.home, bottle.slug, "egress"),
    subnet: egress.subnet,
    gateway: egress.gateway,
    bundleIp: egress.bundleIp,
  };
}

/** The bundle itself: its image, names, mounted directory, networks and what it enforces. */
function bundlePart(
  bottle: Bottle,
  facts: HostFacts,
  egress: EgressNetworkPlan | undefined,
  inspection: ReturnType<typeof planInspection>,
  dnsSink: boolean,
): CorePlan["bundle"] {
  const { manifest, slug } = bottle;
  const stateDir = bottleDir(facts.home, slug);
  const bundleDir = join(stateDir, BUNDLE_DIR);
  return {
    placement: "docker" as const,
    image: manifest.bundle.image,
    networkName: resourceName(facts.home, slug, "net"),
    containerName: resourceName(facts.home, slug, "bundle"),
    dir: bundleDir,
    configPath: join(bundleDir, BUNDLE_CONFIG_FILE),
    user: bundleUser(facts.user),
    ...(egress ? { egressNetwork: egress } : {}),
    allow: allowWithCredentialHosts(
      manifest.egress.allow.map((rule) => rule.source),
      inspection,
    ),
    hostAddresses: facts.usedSubnets.filter((used) => used.source === "local").map((used) => used.cidr),
    auditMaxMb: manifest.bundle.audit_max_mb,
    ...bundleTimeouts(manifest.bundle.timeouts),
    caCertPath: join(stateDir, "ca", "ca.crt"),
    ...(inspection ? { inspection } : {}),
    dnsSink,
  };
}

/** The timeouts the manifest set, named as the bundle config names them; nothing when none is set. */
function bundleTimeouts(set: { dial?: number; idle?: number; body?: number } | undefined): Pick<CorePlan["bundle"], "timeouts"> {
  if (!set) return {};
  const timeouts = Object.fromEntries(
    (["dial", "idle", "body"] as const).filter((name) => set[name] !== undefined).map((name) => [`${name}Seconds`, set[name]]),
  );
  return { timeouts };
}

/** Plans the core's part of a bottle. Throws ConfigError when no subnet can be had. */
export function planBundle(bottle: Bottle, facts: HostFacts, needs: BundleNeeds): CorePlan {
  const { manifest, slug } = bottle;
  const addresses = bundleSubnet(slug, manifest.bundle.subnet_pool, facts.usedSubnets);
  const stateDir = bottleDir(facts.home, slug);
  const egress = needs.isolatedNetwork ? egressNetwork(bottle, facts, addresses.subnet) : undefined;
  const inspection = planInspection(bottle, facts);
  const workspace = planWorkspace(manifest.workspace, bottle.workspace, stateDir, addresses.bundleIp);
  return {
    planVersion: PLAN_VERSION,
    backend: needs.backend,
    isolation: needs.isolation,
    slug,
    home: facts.home,
    stateDir,
    bundleSubnet: addresses.subnet,
    bundleGateway: addresses.gateway,
    bundleIp: addresses.bundleIp,
    env: sortedRecord({
      ...manifest.agent.env,
      ...sentinelEnv(inspection),
      ...bundleAgentEnv(slug, addresses.bundleIp, needs.guestTrust),
    }),
    warnings: planWarnings(bottle, needs),
    host: { platform: facts.platform, arch: facts.arch },
    agentImage: manifest.agent.image,
    agentCommand: manifest.agent.command,
    agentCpus: manifest.agent.cpus,
    agentMemoryMiB: manifest.agent.memory,
    ...(manifest.agent.persist_home ? { persistHome: true as const } : {}),
    bundle: bundlePart(bottle, facts, egress, inspection, needs.dnsSink),
    ...(workspace ? { workspace } : {}),
  };
}
