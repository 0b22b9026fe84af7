/**
 * A bottle's plan, as data: the core's part (identity, addresses, agent env, the bundle) and the
 * backend's own part nested under `agent`. JSON-printable; recorded in state.json so `down`
 * works from it alone. The core reads only its own part; a backend's part is opaque to it.
 */

import type { WorkspacePlan } from "./workspace.ts";

/** Version of the recorded plan's shape: 1 was API 1's flat plan, 2 nests the backend's part. */
export const PLAN_VERSION = 2;

/** A second network for the bundle when the agent's network is isolated: its way out. */
export interface EgressNetworkPlan {
  readonly networkName: string;
  readonly subnet: string;
  readonly gateway: string;
  readonly bundleIp: string;
}

/** A credential as planned: where its value comes from and the sentinel the guest gets; never the value. */
export interface PlannedCredential {
  readonly name: string;
  readonly hosts: readonly string[];
  readonly header: string;
  readonly schemes: readonly string[];
  /** "env NAME", "file PATH" or "command ARGV…": where `up` reads the value on the host. */
  readonly from: string;
  readonly sentinel: string;
}

/** Credentials, inspection and the corporate proxy; absent when the manifest uses none of them. */
export interface InspectionPlan {
  readonly credentials: readonly PlannedCredential[];
  readonly onCanary: "block" | "stop";
  /** Hosts terminated for inspection without a credential. */
  readonly inspect: readonly string[];
  /** Terminated hosts whose connections may pass a protocol upgrade; absent when none. */
  readonly upgrade?: readonly string[];
  readonly dlp: "block" | "warn" | "off";
  /** `http://host:port`, never with the user or password the manifest may give it. */
  readonly upstreamProxy?: string;
  /** True when the manifest gives the proxy a user and password (`up` hands them to the bundle only). */
  readonly upstreamProxyAuth?: boolean;
  /** Extra CAs for upstream TLS, absolute host paths (read by `up`). */
  readonly upstreamCa: readonly string[];
}

/** What the bundle is, whatever the backend; `placement` says where it runs. */
export interface BundlePlan {
  /** Where the bundle runs: "docker" (a container on a docker network of its own) for now. */
  readonly placement: "docker";
  readonly image: string;
  readonly networkName: string;
  readonly containerName: string;
  /** Host directory mounted into the bundle container: config, token, audit log, approvals. */
  readonly dir: string;
  readonly configPath: string;
  /** uid:gid the bundle runs as: the host user, or nobody (65534) when that is root. */
  readonly user: string;
  /** Present when the agent's network is isolated (no host address, no route out). */
  readonly egressNetwork?: EgressNetworkPlan;
  /** The allowlist, as the manifest wrote it (the bundle parses it with the same schema). */
  readonly allow: readonly string[];
  /** Total size of the audit files, current and rotated, in MiB. */
  readonly auditMaxMb: number;
  /** Timeouts the manifest set, in seconds ([bundle.timeouts]); absent ones keep the bundle's defaults. */
  readonly timeouts?: { readonly dialSeconds?: number; readonly idleSeconds?: number; readonly bodySeconds?: number };
  /**
   * The host's own addresses (/32s) as planned: the bundle refuses them whatever a rule says, so a
   * CIDR rule over a private range never opens a service on the host itself.
   */
  readonly hostAddresses: readonly string[];
  /** The bottle CA certificate on the host; the key beside it never leaves the host. */
  readonly caCertPath: string;
  readonly inspection?: InspectionPlan;
  /**
   * The agent's resolver is the bundle's DNS sink (the backend's `info.features.dnsSink`). When
   * false the bundle has no DNS listener and its container no low-port sysctl: nothing to reach.
   */
  readonly dnsSink: boolean;
}

/** The core's part of every plan. The documented keys of `plan --json` are these. */
export interface CorePlan {
  readonly planVersion: typeof PLAN_VERSION;
  readonly backend: string;
  /** What separates the agent from the host, stated plainly for users. */
  readonly isolation: string;
  readonly slug: string;
  readonly home: string;
  readonly stateDir: string;
  readonly bundleSubnet: string;
  readonly bundleGateway: string;
  /** The bundle's address as the agent sees it: the agent's one allowed destination. */
  readonly bundleIp: string;
  /** The agent's environment, complete (manifest env plus the bundle's reserved variables). */
  readonly env: Readonly<Record<string, string>>;
  readonly warnings: readonly string[];
  readonly host: { readonly platform: string; readonly arch: string };
  /** The manifest's [agent] image (present in the host's docker) and command (what `attach` runs). */
  readonly agentImage: string;
  readonly agentCommand: readonly string[];
  /** The manifest's [agent] cpus and memory (MiB): the VM's size, or the agent container's limits. */
  readonly agentCpus: number;
  readonly agentMemoryMiB: number;
  /**
   * `[agent] persist_home`: the agent's home outlives the bottle (kept across down/up of this
   * name, removed by `down --purge`). Absent: the home lives and dies with the guest.
   */
  readonly persistHome?: true;
  readonly bundle: BundlePlan;
  /** The project cloned into the guest and pushed back through the gate; absent: none. */
  readonly workspace?: WorkspacePlan;
}

/** A whole plan: the core's part and the backend's part `A`, never merged. */
export interface Plan<A = unknown> extends CorePlan {
  readonly agent: A;
}
