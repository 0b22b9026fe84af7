/**
 * `claude-bottle bundle serve --config FILE`: the egress proxy, the DNS sink and supervise, in
 * one process. Reads the config the plan rendered, the token beside it, and the approvals
 * persisted there; writes its audit log there too.
 */
import { lookup } from "node:dns/promises";
import type { Fs } from "../../core/fs.ts";
import type { AddressInfo, Socket } from "node:net";
import type { Server } from "node:http";
import { dirname, join } from "node:path";
import { BottleError, EXIT } from "../../core/errors.ts";
import { networkInterfaces } from "node:os";
import { Audit } from "./audit.ts";
import { loadBundleConfig, manifestRules, type LoadedBundleConfig } from "./config.ts";
import type { Resolver } from "./decide.ts";
import type { DnsSink } from "./dns-sink.ts";
import type { DnsAggregateOptions, EVERY_QUERY } from "./dns-aggregate.ts";
import type { AuditFileLimits } from "./audit-file.ts";
import { auditedDnsSink, auditedResolver } from "./audited.ts";
import type { NameBudgetOptions } from "./name-budget.ts";
import { ownNetworks, type InterfaceTable } from "./own-networks.ts";
import type { OwnNetworks } from "./address.ts";
import { whyAnswer } from "./why.ts";
import { Policy } from "./policy.ts";
import { createProxy } from "./proxy.ts";
import { createGate, type GateConfig, type GateDeps } from "./gate/gate.ts";
import { canaryInspector } from "./gate/push-canary.ts";
import type { RefVetter } from "./gate/receive-pack.ts";
import { createSupervise } from "./supervise.ts";
import { parseUpstreamProxy } from "../../core/upstream-proxy.ts";
import { CredsRuntime } from "./creds/creds-runtime.ts";
import { loadMaterial, MATERIAL_FILE, type BundleMaterial } from "./creds/material.ts";
import { upstreamOpener, upstreamTrust, type OpenUpstream } from "./tls/upstream.ts";

export const TOKEN_FILE = "supervise.token";
export const APPROVED_FILE = "approved.json";
export const AUDIT_FILE = "audit.jsonl";

/** IPv4 answers first: bundle networks are IPv4. */
export const systemResolver: Resolver = async (name) => {
  const answers = await lookup(name, { all: true });
  return answers.sort((a, b) => a.family - b.family).map((answer) => answer.address);
};

export interface RunningBundle {
  /** `dns` is absent when the config names no DNS port (the backend has no DNS sink). */
  readonly ports: { readonly proxy: number; readonly gitGate: number; readonly supervise: number; readonly dns?: number };
  readonly audit: Audit;
  close(): Promise<void>;
}

function listen(server: Server | import("node:net").Server, port: number, host: string, what: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) => reject(new BottleError("E_BUNDLE_LISTEN", `Cannot listen for ${what} on ${host}:${port}: ${error.code ?? error.message}`, { exitCode: EXIT.unavailable, hint: error.code === "EADDRINUSE" ? "another process holds that port" : undefined })));
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
  });
}

export interface ServeOptions {
  /** The file system, injected like everywhere else: config, token, approvals, credential material. */
  readonly fs: Fs;
  /** Name resolution for the proxy (tests map names to their own servers). */
  readonly resolve?: Resolver;
  /** Upstream dialling (tests record instead of sending a packet anywhere). */
  readonly dial?: (address: string, port: number) => import("node:net").Socket;
  /** The interfaces the bundle finds itself on (default: this process's); their subnets are guarded. */
  readonly interfaces?: () => InterfaceTable;
  /** The wildcard resolution budget (tests shrink it). */
  readonly nameBudget?: NameBudgetOptions;
  /** Refuses a pushed ref the gate's policy allowed (credential checks hook in here). */
  readonly vetRef?: RefVetter;
  /** Audit file bounds (default: the config's audit_max_mb over 5 files). */
  readonly auditLimits?: AuditFileLimits;
  /** DNS line aggregation; "every-query" is the unaggregated baseline the bench compares with. */
  readonly dnsAggregate?: DnsAggregateOptions | typeof EVERY_QUERY;
  /** Where the bundle reports its own trouble (audit write failures): its stderr. */
  readonly log?: (line: string) => void;
}

type Closer = () => Promise<void>;

function gateConfig(config: LoadedBundleConfig): { config?: GateConfig } {
  const workspace = config.workspace;
  if (!workspace) return {};
  const limits = { maxBytes: workspace.maxBytes, maxObjects: workspace.maxObjects };
  const wait = workspace.verdictWaitSeconds === undefined ? {} : { verdictWaitMs: workspace.verdictWaitSeconds * 1000 };
  return { config: { mirror: workspace.mirror, quarantine: workspace.quarantine, push: workspace.push, exposed: workspace.exposed, limits, ...wait } };
}

function closer(server: { close(callback: () => void): unknown }): Closer {
  return () => new Promise((resolve) => void server.close(() => resolve()));
}

/** The DNS sink on TCP and UDP; the UDP socket is closed again when its bind fails. */
async function listenDns(sink: DnsSink, port: number, host: string): Promise<number> {
  const dns = await listen(sink.tcp, port, host, "DNS (TCP)");
  try {
    await new Promise<void>((resolve, reject) => {
      sink.udp.once("error", (error) => reject(new BottleError("E_BUNDLE_LISTEN", `Cannot listen for DNS (UDP) on ${host}:${dns}: ${error.message}`, { exitCode: EXIT.unavailable })));
      sink.udp.bind(dns, host, () => resolve());
    });
  } catch (error) {
    await closer(sink.tcp)();
    throw error;
  }
  return dns;
}

/** Binds the four listeners in order; on any failure the ones already bound are closed again. */
async function listenAll(config: LoadedBundleConfig, servers: { proxy: Server; gate: Server; supervise: Server; dns: DnsSink }): Promise<{ ports: RunningBundle["ports"]; closers: Closer[] }> {
  const closers: Closer[] = [];
  try {
    const proxy = await listen(servers.proxy, config.ports.proxy, config.listen, "the proxy");
    closers.push(closer(servers.proxy));
    const gitGate = await listen(servers.gate, config.ports.gitGate, config.listen, "the git gate");
    closers.push(closer(servers.gate));
    const supervise = await listen(servers.supervise, config.ports.supervise, config.listen, "supervise");
    closers.push(closer(servers.supervise));
    if (config.ports.dns === undefined) return { ports: { proxy, gitGate, supervise }, closers };
    const dns = await listenDns(servers.dns, config.ports.dns, config.listen);
    closers.push(closer(servers.dns.tcp), closer(servers.dns.udp));
    return { ports: { proxy, gitGate, supervise, dns }, closers };
  } catch (error) {
    await Promise.all(closers.map((close) => close()));
    throw error;
  }
}

/** Every accepted socket, so close() ends tunnels and keep-alive connections instead of waiting on them. */
function trackSockets(servers: readonly (Server | import("node:net").Server)[], sockets: Set<import("node:net").Socket>): void {
  for (const server of servers) {
    server.on("connection", (socket: import("node:net").Socket) => {
      sockets.add(socket);
      socket.once("close", () => sockets.delete(socket));
    });
  }
}

/**
 * The opener through the operator's proxy, with its credentials from the material (never
 * bundle.json); an https:// proxy is verified against the system roots plus upstream_ca.
 */
function operatorProxy(address: string | undefined, material: BundleMaterial): OpenUpstream | undefined {
  const parsed = address ? parseUpstreamProxy(address) : undefined;
  if (!parsed?.ok) return undefined;
  const authorization = material.upstreamProxyAuthorization;
  const trust = parsed.proxy.tls ? upstreamTrust(material.upstreamCa) : undefined;
  return upstreamOpener({ ...parsed.proxy, ...(authorization ? { authorization } : {}) }, undefined, trust);
}

async function readToken(fs: Fs, dir: string): Promise<string> {
  const token = ((await fs.readTextIfExists(join(dir, TOKEN_FILE)).catch(() => undefined)) ?? "").trim();
  if (token.length < 32) {
    const message = `Cannot start the bundle: ${join(dir, TOKEN_FILE)} is missing or too short`;
    const hint = "claude-bottle up writes it; run up again";
    throw new BottleError("E_BUNDLE_TOKEN", message, { exitCode: EXIT.config, hint });
  }
  return token;
}

type Counters = { allowed: number; denied: number; activeTunnels: number; dnsRefused: number; resolveRefused: number };

/** The credential side: what a finding does, and with on_canary = "stop" every open socket ends too. */
function credsRuntime(
  config: LoadedBundleConfig,
  material: BundleMaterial,
  audit: Audit,
  counters: Counters,
  sockets: Set<Socket>,
  openUpstream: OpenUpstream,
): CredsRuntime {
  return new CredsRuntime(material, {
    bottle: config.bottle,
    audit,
    dlp: config.dlp,
    onCanary: config.onCanary,
    upgrade: config.upgrade,
    counters,
    openUpstream,
    // on_canary = "stop": open tunnels and keep-alive connections end too, not only new ones.
    onStop: () => {
      for (const socket of sockets) socket.destroy();
    },
  });
}

/** /why: the policy's answer, and for an allowed host whether its TLS ends here. */
type Why = (host: string, port: number) => Record<string, unknown>;

function whyWith(policy: Policy, own: OwnNetworks, creds: CredsRuntime): Why {
  return (host, port) => {
    const answer = whyAnswer(host, port, policy.active(), own);
    const tls = answer["decision"] === "allow" ? creds.tlsFacts(host) : undefined;
    return tls ? { ...answer, tls } : answer;
  };
}

/** A canary in a query name is an event of its own, never folded into the aggregate. */
function dnsCanary(creds: CredsRuntime): (name: string) => string | undefined {
  return (name) => {
    const canary = creds.inspection.canaries.find(name);
    if (canary) creds.record({ kind: "canary", credential: canary });
    return canary;
  };
}

/** The gate's powers: the config's workspace, and canaries in pushes counted like every other. */
function gateDeps(config: LoadedBundleConfig, audit: Audit, fs: Fs, creds: CredsRuntime, vetRef: RefVetter | undefined): GateDeps {
  return {
    bottle: config.bottle,
    audit,
    fs,
    ...gateConfig(config),
    ...(vetRef ? { vet: vetRef } : {}),
    inspect: canaryInspector(creds.inspection.canaries),
    onCanary: (credential) => creds.record({ kind: "canary", credential }),
  };
}

export async function serveBundle(configPath: string, options: ServeOptions): Promise<RunningBundle> {
  const { fs } = options;
  const config = await loadBundleConfig(fs, configPath);
  const dir = dirname(configPath);
  const token = await readToken(fs, dir);
  const policy = new Policy(manifestRules(config.allow), join(dir, APPROVED_FILE), { fs });
  await policy.load();
  const auditLimits = options.auditLimits ?? { maxBytes: config.auditMaxMb * 1024 * 1024, rotated: 4 };
  const auditOptions = { limits: auditLimits, ...(options.log ? { log: options.log } : {}) };
  const audit = new Audit({ path: join(dir, AUDIT_FILE), fs }, auditOptions);
  const counters = { allowed: 0, denied: 0, activeTunnels: 0, dnsRefused: 0, resolveRefused: 0 };
  const own = ownNetworks([config.subnet, ...config.hostAddresses], (options.interfaces ?? networkInterfaces)());
  const resolve = auditedResolver(options.resolve ?? systemResolver, options.nameBudget, audit, config.bottle, counters);
  const material = await loadMaterial(fs, join(dir, MATERIAL_FILE));
  const upstreamProxy = operatorProxy(config.upstreamProxy, material);
  const sockets = new Set<Socket>();
  const openUpstream = upstreamProxy ?? upstreamOpener(undefined, options.dial);
  const creds = credsRuntime(config, material, audit, counters, sockets, openUpstream);
  const proxy = createProxy({
    ...{ bottle: config.bottle, bundleIp: config.bundleIp, own, policy, audit, resolve, counters, creds },
    supervisePort: config.ports.supervise,
    timeouts: { dialMs: config.timeouts.dialSeconds * 1000, idleMs: config.timeouts.idleSeconds * 1000 },
    ...(options.dial ? { dial: options.dial } : {}),
    ...(upstreamProxy ? { upstreamProxy } : {}),
  });
  const why = whyWith(policy, own, creds);
  const bodyMs = config.timeouts.bodySeconds * 1000;
  const canaries = () => ({ ...creds.canaryByCredential });
  const supervise = createSupervise({ why, bottle: config.bottle, token, policy, audit, startedAt: Date.now(), counters, bodyMs, canaries });
  const dns = auditedDnsSink(audit, config.bottle, counters, options.dnsAggregate, dnsCanary(creds));
  const gate = await createGate(gateDeps(config, audit, fs, creds, options.vetRef));
  trackSockets([proxy, gate, supervise, dns.tcp], sockets);
  const { ports, closers } = await listenAll(config, { proxy, gate, supervise, dns }).catch((error) => {
    dns.stop();
    throw error;
  });
  return { ports, audit, close: bundleCloser(creds, sockets, closers, dns, audit) };
}

/** Ends everything the bundle opened; idempotent: a second call waits for the first. */
function bundleCloser(
  creds: CredsRuntime,
  sockets: Set<Socket>,
  closers: readonly Closer[],
  dns: { stop(): void },
  audit: Audit,
): () => Promise<void> {
  let closing: Promise<void> | undefined;
  const close = async () => {
    creds.close();
    for (const socket of sockets) socket.destroy();
    await Promise.all(closers.map((closeOne) => closeOne()));
    dns.stop();
    await audit.flushed();
  };
  return () => (closing ??= close());
}
