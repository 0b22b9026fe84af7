/**
 * `credentials NAME`: a bottle's credentials as planned — guest variable, hosts, header, the
 * sentinel the guest holds and where `up` read the value — and the canary hits of each, counted
 * from the bundle's audit log. Never a value: the command cannot read one (it lives only in the
 * bundle's 0600 material).
 */
import { join } from "node:path";
import { EXIT } from "../core/errors.ts";
import { lineSplitter } from "../core/terminal-safe.ts";
import { auditFilesOldestFirst } from "../bundle/audit-files.ts";
import { recordedCorePlan } from "../lifecycle/bottle.ts";
import type { CliContext } from "./context.ts";
import { requireState } from "./require-state.ts";
import { json, terminalSafe } from "./report.ts";

/** Canary hits per credential name in the audit files of `dir`, streamed. */
async function canaryHits(ctx: CliContext, dir: string): Promise<Record<string, number>> {
  const hits: Record<string, number> = {};
  const lines = lineSplitter((line) => {
    if (!line.includes('"canary":')) return;
    const name = (JSON.parse(line) as { canary?: unknown }).canary;
    if (typeof name === "string") hits[name] = (hits[name] ?? 0) + 1;
  });
  for (const file of auditFilesOldestFirst(await ctx.fs.listDir(dir).catch(() => []))) {
    const path = join(dir, file);
    if (ctx.fs.readStream) for await (const chunk of ctx.fs.readStream(path)) lines.push(chunk);
    else lines.push((await ctx.fs.readTextIfExists(path)) ?? "");
    lines.push("\n");
  }
  lines.end();
  return hits;
}

export async function credentialsCommand(ctx: CliContext, name: string, options: { json?: boolean }): Promise<number> {
  const plan = recordedCorePlan((await requireState(ctx, name)).plan);
  const hits = await canaryHits(ctx, plan.bundle.dir);
  const rows = (plan.bundle.inspection?.credentials ?? []).map((credential) => ({
    ...credential,
    canaryHits: hits[credential.name] ?? 0,
  }));
  if (options.json) {
    ctx.out(json(rows));
    return EXIT.ok;
  }
  if (rows.length === 0) {
    ctx.out(`bottle "${name}" has no credentials ([credentials.<VAR>] in its manifest)\n`);
    return EXIT.ok;
  }
  for (const row of rows) {
    const header = row.header === "authorization" ? `authorization (${row.schemes.join(", ")})` : row.header;
    const lines = [
      `${row.name}`,
      `  hosts:    ${row.hosts.join(", ")}`,
      `  header:   ${header}`,
      `  from:     ${row.from}`,
      `  sentinel: ${row.sentinel}`,
      `  canary hits: ${row.canaryHits}`,
    ];
    ctx.out(lines.map((line) => terminalSafe(line)).join("\n") + "\n");
  }
  return EXIT.ok;
}
