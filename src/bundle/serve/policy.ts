/**
 * The bundle's live policy: manifest rules, rules a human approved (persisted ones survive a
 * restart in approved.json), and the agent's pending requests. Hot: every decision reads the
 * current rules, and open tunnels are never touched by a change.
 */
import { randomBytes } from "node:crypto";
import type { Fs } from "../../core/fs.ts";
import { DEFAULT_APPROVAL_TTL_SECONDS, parseEgressRule } from "../../core/egress-rule.ts";
import type { PolicyRule } from "./decide.ts";

export type ApprovalMode = "once" | "ttl" | "always";

export interface AccessRequest {
  readonly id: string;
  readonly host: string;
  readonly port: number;
  readonly reason: string;
  readonly at: string;
  status: "pending" | "allowed" | "denied";
}

const MAX_PENDING = 100;

export class Policy {
  private approved: PolicyRule[] = [];
  private readonly requests: AccessRequest[] = [];

  private readonly fs: Fs;
  private readonly now: () => number;

  constructor(
    private readonly manifest: readonly PolicyRule[],
    private readonly approvedPath: string,
    io: { readonly fs: Fs; readonly now?: () => number },
  ) {
    this.fs = io.fs;
    this.now = io.now ?? Date.now;
  }

  /** Loads the persisted approvals; a missing file is none, a damaged one is an error. */
  async load(): Promise<void> {
    const text = (await this.fs.readTextIfExists(this.approvedPath)) ?? "[]";
    const sources = JSON.parse(text) as string[];
    this.approved = sources.flatMap((source) => {
      const parsed = parseEgressRule(source);
      return parsed.ok ? [{ id: `approved:${source}`, rule: parsed.rule, origin: "approved" as const }] : [];
    });
  }

  /** The rules in force now (expired ones dropped). */
  active(): PolicyRule[] {
    const now = this.now();
    this.approved = this.approved.filter((rule) => rule.expiresAt === undefined || rule.expiresAt > now);
    return [...this.manifest, ...this.approved];
  }

  /** A once-rule is spent by the connection it admitted. */
  consume(rule: PolicyRule): void {
    if (rule.once) this.approved = this.approved.filter((candidate) => candidate !== rule);
  }

  async approve(source: string, mode: ApprovalMode, ttlSeconds?: number): Promise<PolicyRule> {
    const parsed = parseEgressRule(source);
    if (!parsed.ok) throw new Error(parsed.reason);
    const rule: PolicyRule = {
      id: `approved:${source}:${randomBytes(3).toString("hex")}`,
      rule: parsed.rule,
      origin: "approved",
      ...(mode === "once" ? { once: true } : {}),
      ...(mode === "ttl" ? { expiresAt: this.now() + (ttlSeconds ?? DEFAULT_APPROVAL_TTL_SECONDS) * 1000 } : {}),
    };
    this.approved.push(rule);
    if (mode === "always") await this.persist();
    for (const request of this.requests) if (request.status === "pending" && this.covers(rule, request)) request.status = "allowed";
    return rule;
  }

  /** Denies a pending request by id, or revokes approvals of a rule source. */
  async deny(idOrSource: string): Promise<number> {
    let changed = 0;
    for (const request of this.requests) {
      if (request.status === "pending" && (request.id === idOrSource || `${request.host}:${request.port}` === idOrSource || request.host === idOrSource)) {
        request.status = "denied";
        changed++;
      }
    }
    const before = this.approved.length;
    this.approved = this.approved.filter((rule) => rule.rule.source !== idOrSource);
    if (this.approved.length !== before) {
      changed += before - this.approved.length;
      await this.persist();
    }
    return changed;
  }

  ask(host: string, port: number, reason: string): AccessRequest {
    const pending = this.requests.filter((request) => request.status === "pending");
    const same = pending.find((request) => request.host === host && request.port === port);
    if (same) return same;
    if (pending.length >= MAX_PENDING) throw new Error(`too many pending requests (${MAX_PENDING})`);
    const request: AccessRequest = { id: randomBytes(4).toString("hex"), host, port, reason: reason.slice(0, 500), at: new Date(this.now()).toISOString(), status: "pending" };
    this.requests.push(request);
    return request;
  }

  list(): readonly AccessRequest[] {
    return this.requests;
  }

  private covers(rule: PolicyRule, request: AccessRequest): boolean {
    const r = rule.rule;
    const portOk = r.ports.length === 0 || r.ports.includes(request.port);
    if (r.kind === "host") return portOk && r.host === request.host;
    if (r.kind === "suffix") return portOk && request.host.endsWith(`.${r.suffix}`);
    return r.source.trim().toLowerCase() === request.host;
  }

  private async persist(): Promise<void> {
    const always = this.approved.filter((rule) => !rule.once && rule.expiresAt === undefined).map((rule) => rule.rule.source);
    await this.fs.writeAtomic(this.approvedPath, `${JSON.stringify([...new Set(always)], null, 2)}\n`, 0o600);
  }
}
