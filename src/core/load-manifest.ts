/**
 * Reading bottle.toml: file → TOML → validated Manifest. Every problem is collected and
 * reported at once as `path: message` lines (ConfigError, exit 78).
 */
import * as v from "valibot";
import { parse as parseToml, TomlError } from "smol-toml";
import { resolve } from "node:path";
import { ConfigError, type ConfigIssue } from "./errors.ts";
import type { Fs } from "./fs.ts";
import { ManifestSchema, type Manifest } from "./manifest.ts";
import { isReservedEnvName } from "./agent-env.ts";
import { inspectCovers } from "./credentials.ts";
import { knownKeysAt, unknownKeyMessage } from "./nearest-key.ts";
import type { WorkspaceSource } from "./workspace.ts";
import { findWorkspaceSource } from "./workspace-source.ts";

export const DEFAULT_MANIFEST = "bottle.toml";

export interface Bottle {
  readonly manifest: Manifest;
  readonly slug: string;
  /** Absolute path of the manifest file. */
  readonly manifestPath: string;
  /** The repository the workspace comes from (found by `loadManifest`); none: no workspace. */
  readonly workspace?: WorkspaceSource;
}

function issueMessage(issue: v.BaseIssue<unknown>): string {
  if (issue.type === "strict_object" && issue.expected === "never") {
    const keys = (issue.path ?? []).map((item) => item.key as string | number);
    return unknownKeyMessage(String(keys.at(-1) ?? ""), knownKeysAt(ManifestSchema, keys.slice(0, -1)));
  }
  if (issue.received === "undefined") return "is required";
  if (issue.kind === "schema") return `expected ${issue.expected}, got ${issue.received}`;
  return issue.message;
}

/** valibot issues → one ConfigIssue per problem, located by a dotted path. */
export function manifestIssues(issues: readonly v.BaseIssue<unknown>[]): ConfigIssue[] {
  return issues.map((issue) => ({ path: v.getDotPath(issue) ?? "(root)", message: issueMessage(issue) }));
}

function reservedEnvIssues(data: unknown): ConfigIssue[] {
  const env = (data as { agent?: { env?: unknown } } | undefined)?.agent?.env;
  if (typeof env !== "object" || env === null) return [];
  return Object.keys(env)
    .filter(isReservedEnvName)
    .map((name) => ({ path: `agent.env.${name}`, message: "is set by claude-bottle to reach the bundle and cannot be overridden" }));
}

/** A credential's guest variable may be neither in `[agent.env]` nor one of the bundle's own names. */
function credentialIssues(manifest: Manifest): ConfigIssue[] {
  return manifest.credentials.list.flatMap((credential) => {
    if (isReservedEnvName(credential.name)) return [{ path: `credentials.${credential.name}`, message: "is set by claude-bottle to reach the bundle and cannot be a credential" }];
    if (credential.name in manifest.agent.env) return [{ path: `credentials.${credential.name}`, message: "is also in [agent.env]; a credential's guest variable holds its sentinel, so remove one" }];
    return [];
  });
}

/** An `[egress] upgrade` host must be one the bundle terminates: an opaque tunnel passes upgrades anyway. */
function upgradeIssues(manifest: Manifest): ConfigIssue[] {
  const terminated = [...manifest.egress.inspect, ...manifest.credentials.list.flatMap((spec) => spec.hosts)];
  return manifest.egress.upgrade.flatMap((host, index) => inspectCovers(terminated, host) ? [] : [{
    path: `egress.upgrade.${index}`,
    message:
      `"${host}" is not terminated (no credential or [egress] inspect names it), ` +
      "so its tunnel passes upgrades already; remove it",
  }]);
}

/** Parses and validates manifest text. Pure; throws ConfigError listing every issue. */
export function parseManifest(text: string, manifestPath: string): Bottle {
  let data: unknown;
  try {
    data = parseToml(text);
  } catch (error) {
    if (error instanceof TomlError) {
      const first = error.message.split("\n")[0];
      throw new ConfigError("E_MANIFEST_SYNTAX", `Cannot read manifest "${manifestPath}": invalid TOML`, [
        { path: `line ${error.line}, column ${error.column}`, message: first ?? "syntax error" },
      ], { hint: "fix the TOML syntax at that position" });
    }
    throw error;
  }
  const result = v.safeParse(ManifestSchema, data);
  const crossChecks = (manifest: Manifest) => [...credentialIssues(manifest), ...upgradeIssues(manifest)];
  const shapeIssues = result.success ? crossChecks(result.output) : manifestIssues(result.issues);
  const issues = [...shapeIssues, ...reservedEnvIssues(data)];
  if (!result.success || issues.length > 0) {
    throw new ConfigError("E_MANIFEST_INVALID", `Cannot use manifest "${manifestPath}": ${issues.length} problem${issues.length === 1 ? "" : "s"}`, issues, {
      hint: "see the manifest reference in the README, or run claude-bottle init for a commented example",
    });
  }
  return { manifest: result.output, slug: result.output.name, manifestPath };
}

/** Reads and validates a manifest file. */
export async function loadManifest(fs: Fs, path: string, cwd: string): Promise<Bottle> {
  const manifestPath = resolve(cwd, path);
  const text = await fs.readTextIfExists(manifestPath);
  if (text === undefined) {
    throw new ConfigError("E_MANIFEST_MISSING", `Cannot find manifest "${manifestPath}"`, [], {
      hint: "run claude-bottle init to write a starter bottle.toml, or pass the manifest's path",
    });
  }
  const bottle = parseManifest(text, manifestPath);
  const workspace = await findWorkspaceSource(fs, manifestPath, bottle.manifest.workspace);
  return workspace ? { ...bottle, workspace } : bottle;
}
