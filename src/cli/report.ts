/** The one formatter: errors, findings and plans for people, JSON for programs. Pure. */
import { BottleError, ConfigError } from "../core/errors.ts";
import type { Plan } from "../core/plan.ts";
import type { RunResult } from "../core/runner.ts";
import type { Finding } from "../core/step.ts";
import { terminalSafe, terminalSafeJson, terminalSafeText } from "../core/terminal-safe.ts";

/** `Cannot … : cause` / issue lines / `hint: …`, and the stack only when debugging. */
export function formatError(error: BottleError, debug: boolean): string {
  const lines = [`error: ${error.message}`];
  if (error instanceof ConfigError) lines.push(...error.issues.map((issue) => `  ${issue.path}: ${issue.message}`));
  if (error.hint) lines.push(`hint: ${error.hint}`);
  if (debug) {
    lines.push(`code: ${error.code}`);
    let cause: unknown = error;
    while (cause instanceof Error) {
      if (cause instanceof BottleError && cause.run) lines.push(...formatRun(cause.run));
      if (cause.stack) lines.push(cause.stack);
      cause = cause.cause;
    }
  }
  // A message or hint may quote what the agent chose (a branch, a host): never raw on the terminal.
  return `${terminalSafeText(lines.join("\n"))}\n`;
}

/** A failed command's evidence: argv (each word quoted), exit code, and all of stderr, escaped. */
export function formatRun(run: RunResult): string[] {
  const argv = run.argv.map((word) => (/^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, "'\\''")}'`)).join(" ");
  const how = run.spawnError ? `not started (${run.spawnError})` : run.timedOut ? `${run.exitCode} (timed out)` : String(run.exitCode);
  const stderr = run.stderr.trimEnd();
  return [`command: ${terminalSafe(argv)}`, `exit code: ${how}`, ...(stderr ? ["stderr:", ...stderr.split("\n").map((line) => `  ${terminalSafe(line)}`)] : ["stderr: (empty)"])];
}

const MARK: Record<Finding["level"], string> = { ok: "ok  ", warn: "warn", fail: "FAIL" };

export function formatFindings(findings: readonly Finding[]): string {
  const lines = findings.map((finding) => {
    const fix = finding.fix && finding.level !== "ok" ? `\n        fix: ${finding.fix}` : "";
    return `  ${MARK[finding.level]}  ${finding.message} [${finding.code}]${fix}`;
  });
  const failed = findings.filter((finding) => finding.level === "fail").length;
  lines.push(failed === 0 ? "preflight passed" : `preflight failed: ${failed} problem${failed === 1 ? "" : "s"}`);
  return `${lines.join("\n")}\n`;
}

/** The hosts whose TLS the bundle terminates (credentials, inspect), marking those upgrades pass. */
function terminatedRow(plan: Plan): [string, string][] {
  const inspection = plan.bundle.inspection;
  const credentialHosts = (inspection?.credentials ?? []).flatMap((credential) => credential.hosts);
  const hosts = [...new Set([...credentialHosts, ...(inspection?.inspect ?? [])])];
  if (hosts.length === 0) return [];
  const upgrade = new Set(inspection?.upgrade ?? []);
  const shown = hosts.sort().map((host) => (upgrade.has(host) ? `${host} (upgrade passes)` : host));
  return [["terminated", shown.join(", ")]];
}

export function formatPlan(plan: Plan, summary: Readonly<Record<string, string>> = {}): string {
  const egress = plan.bundle.egressNetwork;
  const rows: [string, string][] = [
    ["bottle", plan.slug],
    ["backend", `${plan.backend} (isolation: ${plan.isolation})`],
    ["bundle", `${plan.bundleIp} on ${plan.bundleSubnet}, gateway ${plan.bundleGateway}`],
    ...(egress ? [["egress", `${egress.bundleIp} on ${egress.subnet}`] as [string, string]] : []),
    ["state", plan.stateDir],
    ...terminatedRow(plan),
    ...Object.entries(summary),
  ];
  const width = Math.max(...rows.map(([key]) => key.length));
  const lines = rows.map(([key, value]) => `${key.padEnd(width)}  ${value}`);
  lines.push("agent env:");
  lines.push(...Object.entries(plan.env).map(([key, value]) => `  ${key}=${value}`));
  lines.push(...plan.warnings.map((warning) => `warning: ${warning}`));
  return `${lines.join("\n")}\n`;
}

export function json(value: unknown): string {
  return `${terminalSafeJson(value)}\n`;
}

export { terminalSafe } from "../core/terminal-safe.ts";

/** One audit JSON line as a readable row; lines that are not JSON pass through, made safe. */
export function formatAuditLine(line: string): string {
  return terminalSafe(formatAuditRow(line));
}

/** A git gate event's refs: "refs/heads/claude/x ok; refs/heads/main read-only: …". */
function gitRefs(refs: unknown): string {
  if (!Array.isArray(refs)) return "";
  return ` — ${refs.map((ref: { ref?: unknown; result?: unknown }) => `${String(ref.ref)} ${String(ref.result)}`).join("; ")}`;
}

function formatAuditRow(line: string): string {
  try {
    const e = JSON.parse(line) as Record<string, unknown>;
    const target = e["port"] === undefined ? String(e["host"]) : `${String(e["host"])}:${String(e["port"])}`;
    const where = e["kind"] === "git" ? `${target} ${String(e["path"] ?? "")}` : target;
    const bytes = e["bytesUp"] === undefined ? "" : ` ↑${String(e["bytesUp"])}B ↓${String(e["bytesDown"] ?? 0)}B`;
    const why = e["reason"] ? ` — ${String(e["reason"])}` : "";
    const path = e["kind"] === "tls" && e["path"] ? String(e["path"]) : "";
    const status = e["status"] === undefined ? "" : ` ${String(e["status"])}`;
    const flag = e["canary"] ? ` CANARY ${String(e["canary"])}` : e["dlp"] ? ` DLP ${String(e["dlp"])}` : "";
    return `${String(e["time"])} ${String(e["decision"]).toUpperCase().padEnd(7)} ${String(e["method"] ?? e["kind"])} ${where}${path} [${String(e["rule"])}]${status}${flag}${bytes}${why}${gitRefs(e["refs"])}`;
  } catch {
    return line;
  }
}
