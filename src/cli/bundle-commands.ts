/** `bundle serve`, and the host side of approvals: `requests`, `allow`, `deny`. */
import { resolve } from "node:path";
import { parseDuration } from "../core/duration.ts";
import { BottleError, EXIT, UsageError } from "../core/errors.ts";
import { requireState } from "./require-state.ts";
import { BUNDLE_PORTS } from "../core/agent-env.ts";
import { serveBundle } from "../bundle/serve/serve.ts";
import { readSuperviseToken } from "../bundle/bundle-secrets.ts";
import { DEFAULT_APPROVAL_TTL_SECONDS, parseEgressRule } from "../core/egress-rule.ts";
import { ruleExposure, ruleRefusal } from "../bundle/serve/rule-scope.ts";
import { bundleHostIp } from "../core/bundle-plan.ts";
import { recordedCorePlan } from "../lifecycle/bottle.ts";
import type { CliContext } from "./context.ts";
import { json, terminalSafe } from "./report.ts";

export async function bundleServeCommand(ctx: CliContext, options: { config?: string }): Promise<number> {
  if (!options.config) throw new UsageError("E_USAGE", "Cannot serve: no --config given", { hint: "claude-bottle bundle serve --config /bundle/bundle.json" });
  const bundle = await serveBundle(resolve(ctx.host.cwd, options.config), { fs: ctx.fs, log: (line) => ctx.err(line) });
  ctx.out(JSON.stringify({ event: "listening", ports: bundle.ports }) + "\n");
  const signal = await ctx.terminated();
  await bundle.close();
  ctx.err(`bundle stopped (${signal})\n`);
  return EXIT.ok;
}

export { parseDuration };

async function supervise(ctx: CliContext, name: string, method: string, path: string, body?: unknown): Promise<unknown> {
  const state = await requireState(ctx, name);
  const plan = recordedCorePlan(state.plan);
  const token = await readSuperviseToken(ctx.fs, plan);
  const url = `http://${bundleHostIp(plan)}:${BUNDLE_PORTS.supervise}${path}`;
  const answer = await ctx.http.send!(method, url, { headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, ...(body ? { body: JSON.stringify(body) } : {}), timeoutMs: 10_000 });
  if ("error" in answer) throw new BottleError("E_BUNDLE_UNREACHABLE", `Cannot reach the bundle of "${name}" at ${url}: ${answer.error}`, { exitCode: EXIT.unavailable, hint: `is it up? claude-bottle ls; claude-bottle logs ${name}` });
  const parsed = JSON.parse(answer.body || "null") as { error?: string } | null;
  if (answer.status >= 400) throw new BottleError("E_BUNDLE_REFUSED", `The bundle of "${name}" refused ${method} ${path}: ${parsed?.error ?? answer.status}`);
  return parsed;
}

export async function requestsCommand(ctx: CliContext, name: string, options: { json?: boolean; all?: boolean }): Promise<number> {
  const requests = (await supervise(ctx, name, "GET", "/requests")) as { id: string; host: string; port: number; reason: string; at: string; status: string }[];
  const shown = options.all ? requests : requests.filter((request) => request.status === "pending");
  if (options.json) ctx.out(json(shown));
  else if (shown.length === 0) ctx.out("no pending requests\n");
  else ctx.out(shown.map((r) => terminalSafe(`${r.id}  ${r.status.padEnd(7)}  ${r.host}:${r.port}  ${r.at}  ${r.reason}`) + "\n").join(""));
  return EXIT.ok;
}

/** Refuses, before the bundle is asked, a rule the bundle would refuse: too broad without --force, or guarded. */
function checkRuleScope(rule: string, force: boolean): string | undefined {
  const parsed = parseEgressRule(rule);
  if (!parsed.ok) throw new UsageError("E_USAGE", `Cannot allow "${rule}": ${parsed.reason}`, { hint: "use a host, *.suffix, host:port or CIDR" });
  const refusal = ruleRefusal(parsed.rule, force);
  if (refusal) {
    const hint = refusal.forcible ? "narrow it, or pass --force if the agent may reach all of that" : "loopback, link-local, metadata and the bundle's own networks stay closed";
    throw new UsageError("E_USAGE", `Cannot allow "${rule}": ${refusal.reason}`, { hint });
  }
  return ruleExposure(parsed.rule);
}

export async function allowCommand(ctx: CliContext, name: string, rule: string, options: { once?: boolean; ttl?: string; always?: boolean; force?: boolean }): Promise<number> {
  const modes = [options.once && "once", options.ttl && "ttl", options.always && "always"].filter(Boolean);
  if (modes.length > 1) throw new UsageError("E_USAGE", "Cannot allow: choose one of --once, --ttl, --always");
  const ttlSeconds = options.ttl ? parseDuration(options.ttl) : undefined;
  if (options.ttl && ttlSeconds === undefined) throw new UsageError("E_USAGE", `Cannot allow: "${options.ttl}" is not a duration`, { hint: "use e.g. 30s, 10m, 2h, 1d" });
  const mode = (modes[0] as string | undefined) ?? "ttl";
  const exposure = checkRuleScope(rule, options.force === true);
  const body = { rule, mode, ...(mode === "ttl" ? { ttlSeconds: ttlSeconds ?? DEFAULT_APPROVAL_TTL_SECONDS } : {}), ...(options.force ? { force: true } : {}) };
  const answer = (await supervise(ctx, name, "POST", "/allow", body)) as { rule: string; expiresAt?: string };
  ctx.out(`allowed ${answer.rule} for ${name}${mode === "always" ? " (kept across restarts)" : mode === "once" ? " (one connection)" : ` until ${answer.expiresAt}`}\n`);
  if (exposure) ctx.err(`note: ${rule} exposes ${exposure}; loopback, link-local, metadata and the bundle's own networks stay closed\n`);
  return EXIT.ok;
}

export async function denyCommand(ctx: CliContext, name: string, target: string): Promise<number> {
  const answer = (await supervise(ctx, name, "POST", "/deny", { target })) as { changed: number };
  ctx.out(answer.changed > 0 ? `denied ${target} (${answer.changed} changed)\n` : `nothing pending or approved matches ${target}\n`);
  return EXIT.ok;
}

interface WhyAnswer {
  readonly decision: string;
  readonly rule: string;
  readonly reason?: string;
  readonly address?: string;
  readonly origin?: string;
  readonly resolves?: boolean;
  /** Present when the host's TLS ends in the bundle. */
  readonly tls?: { readonly upgrade?: boolean };
}

/** `why NAME HOST[:PORT]`: the running bundle's decision for a target, explained, nothing dialled. */
export async function whyCommand(ctx: CliContext, name: string, target: string, options: { json?: boolean }): Promise<number> {
  const match = /^(.*?)(?::(\d{1,5}))?$/.exec(target.replace(/^\[(.*)\](?=:|$)/, "$1"))!;
  const query = new URLSearchParams({ host: match[1] ?? target, port: match[2] ?? "443" });
  const answer = (await supervise(ctx, name, "GET", `/why?${query}`)) as WhyAnswer;
  if (options.json) ctx.out(json(answer));
  else {
    const where = answer.address ? ` → ${answer.address}` : answer.resolves ? " (the name is resolved only on connect)" : "";
    const upgrades = answer.tls?.upgrade ? "pass ([egress] upgrade)" : "refused";
    const tls = answer.tls ? `; TLS ends in the bundle, upgrades ${upgrades}` : "";
    const origin = answer.origin ? ` (${answer.origin})` : "";
    const reason = answer.reason ? ` — ${answer.reason}` : "";
    const target = `${query.get("host")}:${query.get("port")}`;
    const line = `${answer.decision.toUpperCase()} ${target} by ${answer.rule}${origin}${where}${reason}${tls}`;
    ctx.out(terminalSafe(line) + "\n");
  }
  return answer.decision === "allow" ? EXIT.ok : EXIT.failed;
}
