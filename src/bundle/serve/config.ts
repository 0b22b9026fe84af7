/** Loading the bundle's config file (rendered by the plan) and its approved rules. */
import * as v from "valibot";
import type { Fs } from "../../core/fs.ts";
import { ConfigError } from "../../core/errors.ts";
import { manifestIssues } from "../../core/load-manifest.ts";
import type { EgressRule } from "../../core/egress-rule.ts";
import { BundleConfigSchema, type LoadedBundleConfig } from "../../core/bundle-config.ts";
import { EgressRuleSchema } from "../../core/value-schemas.ts";
import type { PolicyRule } from "./decide.ts";

export { BundleConfigSchema, type LoadedBundleConfig };

export async function loadBundleConfig(fs: Fs, path: string): Promise<LoadedBundleConfig> {
  let data: unknown;
  try {
    data = JSON.parse(await fs.readText(path));
  } catch (error) {
    throw new ConfigError("E_BUNDLE_CONFIG", `Cannot read bundle config "${path}": ${(error as Error).message}`, []);
  }
  const result = v.safeParse(BundleConfigSchema, data);
  if (!result.success) throw new ConfigError("E_BUNDLE_CONFIG", `Cannot use bundle config "${path}"`, manifestIssues(result.issues));
  return result.output;
}

/** The config's allowlist (parsed by its schema) as policy rules. */
export function manifestRules(allow: readonly EgressRule[]): PolicyRule[] {
  return allow.map((rule, index) => ({ id: `manifest:${index}`, rule, origin: "manifest" }));
}

/** Allowlist entries as the manifest writes them, parsed by the one schema (tests, tools). */
export function parseRules(sources: readonly string[]): EgressRule[] {
  const parsed = v.safeParse(v.array(EgressRuleSchema), sources);
  if (!parsed.success) throw new ConfigError("E_BUNDLE_CONFIG", "Cannot use the allowlist", manifestIssues(parsed.issues));
  return parsed.output;
}
