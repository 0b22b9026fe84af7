/** What the egress proxy is given: its policy, audit, resolver, timeouts and optional powers. */
import { connect, type Socket } from "node:net";
import type { OwnNetworks } from "./address.ts";
import type { Audit } from "./audit.ts";
import type { RuleResolver } from "./decide.ts";
import type { CredsRuntime } from "./creds/creds-runtime.ts";
import type { OpenUpstream } from "./tls/upstream.ts";
import type { Policy } from "./policy.ts";

export interface ProxyDeps {
  readonly bottle: string;
  readonly bundleIp: string;
  /** The bundle's own networks: refused whatever the rules say. */
  readonly own: OwnNetworks;
  readonly policy: Policy;
  readonly audit: Audit;
  readonly resolve: RuleResolver;
  /** Connection counters for /status. */
  readonly counters: { allowed: number; denied: number; activeTunnels: number };
  /** Port of supervise, for the deny text. */
  readonly supervisePort: number;
  /** How long a dial may take, and how long a tunnel or forwarded request may sit idle. */
  readonly timeouts: ProxyTimeouts;
  /** Opens the upstream connection to an address the policy admitted. Tests record instead. */
  readonly dial?: (address: string, port: number) => Socket;
  /** Credentials, canaries, DLP and TLS termination; absent: none of them. */
  readonly creds?: CredsRuntime;
  /**
   * Opens upstream connections through the operator's proxy (`upstream_proxy`): names are then
   * not resolved here (the SSRF guard still judges what the agent asked for).
   */
  readonly upstreamProxy?: OpenUpstream;
}

export interface ProxyTimeouts {
  readonly dialMs: number;
  readonly idleMs: number;
}

export function dialer(deps: ProxyDeps): (address: string, port: number) => Socket {
  return deps.dial ?? ((address, port) => connect({ host: address, port, allowHalfOpen: true }));
}

/** Headers that describe one hop, never forwarded. */
export const HOP_BY_HOP = ["connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade"];
