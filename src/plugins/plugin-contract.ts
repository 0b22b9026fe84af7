/**
 * What a plugin's export must look like, checked with valibot before use, and the checks on
 * what its phases return. Every failure names the plugin file.
 */
import * as v from "valibot";
import { API_VERSION } from "./types.ts";

export const BackendShape = v.object({
  name: v.pipe(v.string(), v.regex(/^[a-z][a-z0-9-]{0,39}$/, "must be 1-40 lowercase letters, digits or hyphens, starting with a letter")),
  apiVersion: v.literal(API_VERSION),
  version: v.pipe(v.string(), v.minLength(1)),
  info: v.object({
    description: v.string(),
    isolation: v.pipe(v.string(), v.minLength(1)),
    binaries: v.array(v.string()),
    network: v.string(),
    features: v.record(v.string(), v.boolean()),
  }),
  plan: v.function(),
  render: v.function(),
  preflight: v.function(),
  launch: v.function(),
  exec: v.function(),
  facts: v.optional(v.function()),
  inspect: v.optional(v.function()),
  logs: v.optional(v.function()),
  leftovers: v.optional(v.function()),
});

export const PlanShape = v.object({
  backend: v.string(),
  slug: v.string(),
  isolation: v.pipe(v.string(), v.minLength(1)),
  stateDir: v.string(),
  bundleSubnet: v.string(),
  bundleGateway: v.string(),
  bundleIp: v.string(),
  env: v.record(v.string(), v.string()),
  warnings: v.array(v.string()),
});

export const RenderedShape = v.array(
  v.object({
    name: v.pipe(v.string(), v.regex(/^(?!\/)(?!.*(^|\/)\.\.(\/|$)).+$/, "must be a relative path inside the state dir")),
    contents: v.string(),
    mode: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(0o777)),
  }),
);

/** What to tell the author of a plugin built for another API version. */
export const API_CHANGES: Readonly<Record<number, string>> = {};

export function apiVersionAdvice(found: unknown): string {
  if (typeof found !== "number") return `it exports no numeric apiVersion; set apiVersion: ${API_VERSION} (or use api.API_VERSION from the factory)`;
  if (found > API_VERSION) return `it needs apiVersion ${found}, newer than this claude-bottle (${API_VERSION}); upgrade claude-bottle`;
  return API_CHANGES[found] ?? `it was written for apiVersion ${found}; this claude-bottle speaks ${API_VERSION}: see docs/plugins.md "Changes" and set apiVersion: ${API_VERSION}`;
}
