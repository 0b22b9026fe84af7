/**
 * `on_canary = "stop"` on the host side: the bundle cuts the bottle's egress at the first canary
 * hit but cannot stop the agent. The keeper reads the bundle's audit file as it grows; at the
 * first line naming a canary it stops the agent through its backend and records the bottle as
 * "stopped" with the credential's name, keeping the bundle, the records and the audit, so
 * `logs` shows why and `down` removes the rest.
 */
import { open, stat } from "node:fs/promises";
import { readState, writeState } from "../core/state.ts";
import { backendOfState } from "../plugins/resolve-backend.ts";
import { recordedPlan } from "./bottle.ts";
import type { LifecycleContext } from "./context.ts";
import { bottleLockPath } from "./paths.ts";

/** The credential a complete audit line names as a canary hit, if any. Pure. */
export function canaryOf(line: string): string | undefined {
  if (!line.includes('"canary"')) return undefined;
  try {
    const event = JSON.parse(line) as { canary?: unknown };
    // A credential name is an environment variable's: anything else is not shown on a terminal.
    return typeof event.canary === "string" && /^[A-Za-z_][A-Za-z0-9_]{0,127}$/.test(event.canary) ? event.canary : undefined;
  } catch {
    return undefined;
  }
}

const MAX_READ = 1024 * 1024;

export class CanaryWatch {
  private offset = 0;
  private carry = "";
  private done = false;

  constructor(
    private readonly ctx: LifecycleContext,
    private readonly slug: string,
    private readonly auditPath: string,
  ) {}

  /** New complete lines since the last read; a file that shrank was rotated: read it from the start. */
  private async newLines(): Promise<string[]> {
    const size = (await stat(this.auditPath).catch(() => undefined))?.size ?? 0;
    if (size < this.offset) [this.offset, this.carry] = [0, ""];
    if (size === this.offset) return [];
    const handle = await open(this.auditPath, "r");
    try {
      const buffer = Buffer.alloc(Math.min(size - this.offset, MAX_READ));
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, this.offset);
      this.offset += bytesRead;
      const text = this.carry + buffer.subarray(0, bytesRead).toString("utf8");
      const lines = text.split("\n");
      this.carry = lines.pop() ?? "";
      return lines;
    } finally {
      await handle.close();
    }
  }

  /** Reads what the audit holds now; stops the agent at the first canary. Once stopped, does nothing. */
  async check(): Promise<void> {
    if (this.done) return;
    for (const line of await this.newLines()) {
      const canary = canaryOf(line);
      if (canary !== undefined) return this.stopAgent(canary);
    }
  }

  private async stopAgent(canary: string): Promise<void> {
    const { ctx, slug } = this;
    const release = await ctx.locks.acquire(bottleLockPath(ctx.home, slug), `bottle "${slug}"`);
    try {
      const state = await readState(ctx.deps.fs, ctx.home, slug);
      this.done = true;
      if (!state || state.status !== "running") return;
      const backend = await backendOfState(ctx.registry, state);
      if (!backend.stop) {
        ctx.deps.log.warn(`canary ${canary}: backend "${backend.name}" cannot stop its agent; egress stays cut`);
        return;
      }
      await backend.stop(recordedPlan(backend, state.plan), ctx.deps);
      const at = new Date().toISOString();
      await writeState(ctx.deps.fs, ctx.home, { ...state, status: "stopped", stoppedBy: { canary, at }, updatedAt: at });
      ctx.deps.log.info(`canary ${canary}: stopped the agent of "${slug}" (on_canary = "stop")`);
    } finally {
      await release();
    }
  }
}
