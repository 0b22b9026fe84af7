/**
 * The bundle's credential side at run time, built once from the material and the config:
 * which CONNECTs are terminated (hosts with a leaf), the terminator's context for one, the
 * inspection every door shares, and what a finding does — counted for /status, and with
 * `on_canary = "stop"` the first canary stops the bottle's egress for good (every later
 * request refused, open tunnels cut), since the bundle cannot stop the agent itself.
 */
import { createSecureContext, type SecureContext } from "node:tls";
import type { Audit } from "../audit.ts";
import type { Finding, DlpMode, Inspection } from "../dlp/inspect.ts";
import type { TerminateContext } from "../tls/terminate.ts";
import { upstreamTls, upstreamTrust, type OpenUpstream, type UpstreamTarget } from "../tls/upstream.ts";
import { UpstreamPool } from "../tls/upstream-pool.ts";
import { LeafCache } from "../tls/leaf-cache.ts";
import { loadIssuer } from "../tls/mint-leaf.ts";
import type { Credential } from "./credential-header.ts";
import type { BundleMaterial } from "./material.ts";
import { Matcher } from "./matcher.ts";

export interface CredsOptions {
  readonly bottle: string;
  readonly audit: Audit;
  readonly dlp: DlpMode;
  readonly onCanary: "block" | "stop";
  /** Terminated hosts whose connections may pass a protocol upgrade (`[egress] upgrade`). */
  readonly upgrade?: readonly string[];
  readonly openUpstream: OpenUpstream;
  /** The bundle's /status counters: canaryHits, dlpBlocked and dlpWarned are kept in it. */
  readonly counters: Record<string, number>;
  /** Called once when `on_canary = "stop"` trips: the bundle closes what is open. */
  readonly onStop?: () => void;
}

export interface TunnelTarget {
  readonly host: string;
  readonly port: number;
  readonly address: string;
  readonly rule: string;
  readonly client: string;
}

export class CredsRuntime {
  readonly inspection: Inspection;
  /** Canary hits per credential name (never a value), for /status and `credentials`. */
  readonly canaryByCredential: Record<string, number> = {};
  private readonly credentials: readonly Credential[];
  private readonly contexts = new Map<string, SecureContext>();
  private readonly upstreamTrust: SecureContext | undefined;
  /** Leaves for `[egress] inspect` wildcards, minted here; absent without wildcards. */
  private readonly wildcardLeaves: LeafCache | undefined;
  /** Verified upstream connections shared across client connections, per host and port. */
  private readonly pool: UpstreamPool;
  private stoppedBy: string | undefined;

  constructor(
    private readonly material: BundleMaterial,
    private readonly options: CredsOptions,
  ) {
    this.credentials = material.credentials;
    this.inspection = {
      canaries: new Matcher(material.credentials.map(({ name, sentinel }) => ({ name, value: sentinel }))),
      secrets: new Matcher(material.credentials.map(({ name, value }) => ({ name, value }))),
      dlp: options.dlp,
    };
    this.upstreamTrust = upstreamTrust(material.upstreamCa);
    const trust = this.upstreamTrust;
    const openVerified = (target: UpstreamTarget) =>
      options.openUpstream(target).then((raw) => upstreamTls(raw, target.host, trust));
    this.pool = new UpstreamPool(openVerified);
    const ca = material.ca;
    this.wildcardLeaves = ca && material.wildcards?.length ? new LeafCache(loadIssuer(ca.cert, ca.key)) : undefined;
    Object.assign(options.counters, { canaryHits: 0, dlpBlocked: 0, dlpWarned: 0 });
  }

  /** The credential whose canary tripped `on_canary = "stop"`, once it has. */
  get stopped(): string | undefined {
    return this.stoppedBy;
  }

  /** Whether a CONNECT to `host` is terminated: it has a credential or an inspect rule (a leaf). */
  terminates(host: string): boolean {
    if (Object.hasOwn(this.material.leaves, host)) return true;
    return this.wildcardLeaves !== undefined && (this.material.wildcards ?? []).some((suffix) => host.endsWith(suffix));
  }

  /** For `why`: whether TLS to `host` ends here and upgrades pass it; undefined for an opaque tunnel. */
  tlsFacts(host: string): { terminated: true; upgrade: boolean } | undefined {
    const name = host.toLowerCase();
    if (!this.terminates(name)) return undefined;
    return { terminated: true, upgrade: this.options.upgrade?.includes(name) ?? false };
  }

  /** Counts a finding and applies on_canary. */
  record(finding: Finding): void {
    const counters = this.options.counters;
    if (finding.kind === "canary") {
      counters["canaryHits"] = (counters["canaryHits"] ?? 0) + 1;
      this.canaryByCredential[finding.credential] = (this.canaryByCredential[finding.credential] ?? 0) + 1;
      if (this.options.onCanary === "stop" && this.stoppedBy === undefined) {
        this.stoppedBy = finding.credential;
        this.pool.close();
        this.options.onStop?.();
      }
    } else {
      const key = finding.kind === "secret" || finding.block ? "dlpBlocked" : "dlpWarned";
      counters[key] = (counters[key] ?? 0) + 1;
    }
  }

  private secureContext(host: string): SecureContext {
    if (!Object.hasOwn(this.material.leaves, host)) return this.wildcardLeaves!.context(host);
    let context = this.contexts.get(host);
    if (!context) {
      const leaf = this.material.leaves[host]!;
      context = createSecureContext({ cert: leaf.cert, key: leaf.key });
      this.contexts.set(host, context);
    }
    return context;
  }

  /** Closes the pooled upstream connections (the bundle is closing). */
  close(): void {
    this.pool.close();
  }

  /** The terminator's context for one CONNECT to a host that `terminates`; throws when no leaf can be had. */
  contextFor(target: TunnelTarget): TerminateContext {
    return {
      bottle: this.options.bottle,
      client: target.client,
      host: target.host,
      port: target.port,
      address: target.address,
      rule: target.rule,
      upgrade: this.options.upgrade?.includes(target.host) ?? false,
      secureContext: this.secureContext(target.host),
      credentials: this.credentials,
      inspection: this.inspection,
      audit: this.options.audit,
      openUpstream: this.options.openUpstream,
      upstreamTrust: this.upstreamTrust,
      upstreamAgent: this.pool.agentFor({ host: target.host, port: target.port, address: target.address }),
      onFinding: (finding) => this.record(finding),
    };
  }
}
