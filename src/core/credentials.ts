/**
 * `[credentials.<GUEST_VAR>]`: secrets the agent never holds. The manifest names where a value
 * comes from on the host and which hosts and header it is for; the guest gets a sentinel.
 * Validated and given its defaults once, here. Pure.
 */
import * as v from "valibot";
import { parseEgressRule } from "./egress-rule.ts";

export type Scheme = "bearer" | "basic";
export type SecretSource =
  | { readonly kind: "env"; readonly name: string }
  | { readonly kind: "file"; readonly path: string }
  | { readonly kind: "command"; readonly argv: readonly string[] };

export interface CredentialSpec {
  /** The guest variable that holds the sentinel. */
  readonly name: string;
  readonly source: SecretSource;
  readonly hosts: readonly string[];
  /** Lowercase. */
  readonly header: string;
  readonly schemes: readonly Scheme[];
}

export interface Credentials {
  readonly onCanary: "block" | "stop";
  readonly list: readonly CredentialSpec[];
}

/** Hosts and header for names whose use is known (Claude Code, GitHub's CLI and API). */
export const WELL_KNOWN: Readonly<Record<string, Pick<CredentialSpec, "hosts" | "header" | "schemes">>> = {
  ANTHROPIC_API_KEY: { hosts: ["api.anthropic.com"], header: "x-api-key", schemes: [] },
  ANTHROPIC_AUTH_TOKEN: { hosts: ["api.anthropic.com"], header: "authorization", schemes: ["bearer"] },
  CLAUDE_CODE_OAUTH_TOKEN: { hosts: ["api.anthropic.com"], header: "authorization", schemes: ["bearer"] },
  GH_TOKEN: { hosts: ["api.github.com", "github.com"], header: "authorization", schemes: ["bearer", "basic"] },
  GITHUB_TOKEN: { hosts: ["api.github.com", "github.com"], header: "authorization", schemes: ["bearer", "basic"] },
};

const nonEmpty = v.pipe(v.string(), v.minLength(1, "must not be empty"));
/** A host a credential may go to: an exact lowercase name, no wildcard, port or address. */
export function isCredentialHost(host: string): boolean {
  const parsed = parseEgressRule(host);
  return (
    parsed.ok &&
    parsed.rule.kind === "host" &&
    parsed.rule.source === host &&
    !host.includes(":") &&
    !/^[\d.]+$/.test(host)
  );
}

/** An `[egress] inspect` entry: a credential-style host, or `*.suffix` (every name under it, not the suffix). */
export function isInspectHost(host: string): boolean {
  if (!host.startsWith("*.")) return isCredentialHost(host);
  const parsed = parseEgressRule(host);
  return parsed.ok && parsed.rule.kind === "suffix" && parsed.rule.source === host && !host.includes(":");
}

/** Whether `host` is terminated by an inspect entry or credential host in `terminated`. */
export function inspectCovers(terminated: readonly string[], host: string): boolean {
  return terminated.some((entry) => (entry.startsWith("*.") ? host.endsWith(entry.slice(1)) : entry === host));
}

const scheme = v.picklist(["bearer", "basic"], 'must be "bearer" or "basic"');

export const CredentialTable = v.strictObject({
  from_env: v.optional(nonEmpty),
  from_file: v.optional(nonEmpty),
  from_command: v.optional(v.pipe(v.array(nonEmpty), v.minLength(1, "must name a program"))),
  hosts: v.optional(v.pipe(v.array(v.string()), v.minLength(1, "must name at least one host"))),
  header: v.optional(v.pipe(v.string(), v.regex(/^[A-Za-z0-9-]{1,64}$/, "must be a header name"))),
  scheme: v.optional(v.union([scheme, v.pipe(v.array(scheme), v.minLength(1))])),
});

type Table = v.InferOutput<typeof CredentialTable>;

function sourceOf(table: Table): SecretSource | string {
  const given = [table.from_env, table.from_file, table.from_command].filter((value) => value !== undefined);
  if (given.length !== 1) return "needs exactly one of from_env, from_file, from_command";
  if (table.from_env !== undefined) return { kind: "env", name: table.from_env };
  if (table.from_file !== undefined) return { kind: "file", path: table.from_file };
  return { kind: "command", argv: table.from_command! };
}

/** A table with its defaults applied, or the problems with it as [key, message] pairs. */
export function credentialSpec(name: string, table: Table): CredentialSpec | [string, string][] {
  const known = WELL_KNOWN[name];
  const source = sourceOf(table);
  const problems: [string, string][] = [];
  if (typeof source === "string") problems.push(["", source]);
  const hosts = table.hosts ?? known?.hosts;
  if (!hosts) problems.push(["hosts", `is required: ${name} is not a name claude-bottle knows the hosts of`]);
  hosts?.forEach((host, index) => {
    if (!isCredentialHost(host))
      problems.push([`hosts.${index}`, `${JSON.stringify(host)} must be a host name (no wildcard, port or address)`]);
  });
  const header = (table.header ?? known?.header ?? "authorization").toLowerCase();
  const given = table.scheme === undefined ? undefined : Array.isArray(table.scheme) ? table.scheme : [table.scheme];
  if (given && header !== "authorization") problems.push(["scheme", 'applies only to header = "authorization"']);
  const schemes =
    given ??
    (table.header === undefined ? known?.schemes : undefined) ??
    (header === "authorization" ? ["bearer" as const] : []);
  if (problems.length > 0 || typeof source === "string" || !hosts) return problems;
  return { name, source, hosts, header, schemes: [...new Set(schemes)] };
}
