/** Loading the bundle's config file (rendered by the plan) and its approved rules. */
import * as v from "valibot";
import { readFile } from "node:fs/promises";
import { ConfigError } from "../../core/errors.ts";
import { manifestIssues } from "../../core/load-manifest.ts";
import { parseEgressRule } from "../../core/egress-rule.ts";
import { BUNDLE_CONFIG_VERSION } from "../../core/bundle-config.ts";
import type { PolicyRule } from "./decide.ts";

const port = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(65535));

export const BundleConfigSchema = v.object({
  version: v.literal(BUNDLE_CONFIG_VERSION),
  bottle: v.string(),
  bundleIp: v.string(),
  subnet: v.string(),
  /** Address to listen on: 0.0.0.0 in the container; tests use 127.0.0.1. */
  listen: v.optional(v.string(), "0.0.0.0"),
  ports: v.object({ proxy: port, gitGate: port, supervise: port, dns: port }),
  allow: v.array(v.string()),
});

export type LoadedBundleConfig = v.InferOutput<typeof BundleConfigSchema>;

export async function loadBundleConfig(path: string): Promise<LoadedBundleConfig> {
  let data: unknown;
  try {
    data = JSON.parse(await readFile(path, "utf8"));
  } catch (error) {
    throw new ConfigError("E_BUNDLE_CONFIG", `Cannot read bundle config "${path}": ${(error as Error).message}`, []);
  }
  const result = v.safeParse(BundleConfigSchema, data);
  if (!result.success) throw new ConfigError("E_BUNDLE_CONFIG", `Cannot use bundle config "${path}"`, manifestIssues(result.issues));
  return result.output;
}

/** Manifest allowlist entries as policy rules; a bad entry is a config error, not a skip. */
export function manifestRules(allow: readonly string[]): PolicyRule[] {
  return allow.map((source, index) => {
    const parsed = parseEgressRule(source);
    if (!parsed.ok) throw new ConfigError("E_BUNDLE_CONFIG", "Cannot use the bundle's allowlist", [{ path: `allow.${index}`, message: parsed.reason }]);
    return { id: `manifest:${index}`, rule: parsed.rule, origin: "manifest" };
  });
}
