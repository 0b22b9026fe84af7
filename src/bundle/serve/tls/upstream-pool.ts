/**
 * Upstream connections of terminated hosts, shared by every terminated client connection to the
 * same host and port: a fresh client connection then costs one TLS handshake (the agent's, with
 * the bundle) instead of two, once a verified upstream connection is idle in the pool. Each is
 * opened, verified and pinned to the host as before; requests still go one at a time on each.
 * An idle connection is closed after POOL_IDLE_MS, below the keep-alive timeouts servers use
 * (node's is 5 s), so a request is not written into a connection the server is closing.
 */
import { Agent } from "node:https";
import type { Socket } from "node:net";
import type { UpstreamTarget } from "./upstream.ts";

export const POOL_IDLE_MS = 4000;
export const POOL_SOCKETS_PER_HOST = 16;
/** Past this many hosts (a wildcard inspect rule admits any number), agents with no connection are dropped. */
export const POOL_HOSTS = 256;

type Open = (target: UpstreamTarget) => Promise<Socket>;

interface Entry {
  readonly agent: Agent;
  /** The latest CONNECT's target: the address the policy admitted last for this host. */
  target: UpstreamTarget;
}

type Lists = { sockets?: Record<string, Socket[]>; freeSockets?: Record<string, Socket[]> };

function freeNow(agent: Agent, socket: Socket): boolean {
  const free = (agent as unknown as Lists).freeSockets ?? {};
  return Object.values(free).some((list) => list.includes(socket));
}

function unused(agent: Agent): boolean {
  const { sockets = {}, freeSockets = {} } = agent as unknown as Lists;
  return [...Object.values(sockets), ...Object.values(freeSockets)].every((list) => list.length === 0);
}

export class UpstreamPool {
  private readonly entries = new Map<string, Entry>();
  private readonly idle = new WeakMap<Socket, ReturnType<typeof setTimeout>>();

  constructor(
    private readonly open: Open,
    private readonly idleMs = POOL_IDLE_MS,
    private readonly maxHosts = POOL_HOSTS,
  ) {}

  private create(): Entry {
    const agent = new Agent({ keepAlive: true, maxSockets: POOL_SOCKETS_PER_HOST });
    const entry: Entry = { agent, target: { host: "", port: 0, address: "" } };
    (agent as unknown as { createConnection: unknown }).createConnection = (
      _options: unknown,
      done: (error: Error | null, socket?: Socket) => void,
    ) => {
      this.open(entry.target).then(
        (socket) => done(null, socket),
        (error: Error) => done(error),
      );
      return undefined;
    };
    agent.on("free", (socket: Socket) => this.armIdle(agent, socket));
    return entry;
  }

  private armIdle(agent: Agent, socket: Socket): void {
    clearTimeout(this.idle.get(socket));
    const timer = setTimeout(() => {
      if (freeNow(agent, socket)) socket.destroy();
    }, this.idleMs);
    timer.unref?.();
    this.idle.set(socket, timer);
  }

  /** The shared agent for `target`'s host and port; later connections go to `target.address`. */
  agentFor(target: UpstreamTarget): Agent {
    const key = `${target.host}:${target.port}`;
    if (!this.entries.has(key) && this.entries.size >= this.maxHosts) this.prune();
    const entry = this.entries.get(key) ?? this.create();
    entry.target = target;
    this.entries.set(key, entry);
    return entry.agent;
  }

  private prune(): void {
    for (const [key, { agent }] of this.entries) {
      if (!unused(agent)) continue;
      agent.destroy();
      this.entries.delete(key);
    }
  }

  /** How many hosts have an agent (for tests). */
  get hosts(): number {
    return this.entries.size;
  }

  /** Closes every pooled connection (the bundle is closing, or egress stopped). */
  close(): void {
    for (const { agent } of this.entries.values()) agent.destroy();
    this.entries.clear();
  }
}
