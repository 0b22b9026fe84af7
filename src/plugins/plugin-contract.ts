/**
 * What a plugin's export must look like, checked with valibot before use, and the checks on
 * everything the core reads from what its phases return. Every failure names the plugin file.
 */
import * as v from "valibot";
import { API_VERSION } from "./types.ts";

const NAME = /^[a-z][a-z0-9-]{0,39}$/;

export const BackendShape = v.object({
  name: v.pipe(v.string(), v.regex(NAME, "must be 1-40 lowercase letters, digits or hyphens, starting with a letter")),
  apiVersion: v.literal(API_VERSION),
  version: v.pipe(v.string(), v.minLength(1)),
  info: v.object({
    description: v.string(),
    isolation: v.pipe(v.string(), v.minLength(1)),
    binaries: v.array(v.string()),
    network: v.object({ description: v.string(), isolated: v.boolean() }),
    features: v.object({
      interactiveAttach: v.boolean(),
      hostKernelShared: v.boolean(),
      dnsSink: v.boolean(),
      guestTrust: v.optional(v.boolean()),
    }),
  }),
  options: v.optional(
    v.record(
      v.string(),
      v.object({
        type: v.picklist(["string", "number", "boolean", "strings"]),
        description: v.string(),
      }),
    ),
  ),
  plan: v.function(),
  render: v.optional(v.function()),
  summary: v.optional(v.function()),
  preflight: v.function(),
  launch: v.function(),
  exec: v.function(),
  facts: v.optional(v.function()),
  inspect: v.optional(v.function()),
  stop: v.optional(v.function()),
  logs: v.optional(v.function()),
  leftovers: v.optional(v.function()),
  upgrade: v.optional(v.function()),
});

/** A JSON value: what a plan part must be, since it is printed and recorded in state.json. */
const JsonValue: v.GenericSchema<unknown> = v.lazy(() =>
  v.union([
    v.string(),
    v.pipe(v.number(), v.finite()),
    v.boolean(),
    v.null(),
    v.array(JsonValue),
    v.record(v.string(), JsonValue),
  ]),
);

/** The backend's plan part: a JSON object (the core stores it and hands it back, unread). */
export const AgentPlanShape = v.record(v.string(), JsonValue);

export const SummaryShape = v.record(v.string(), v.string());

export const RenderedShape = v.array(
  v.object({
    name: v.pipe(
      v.string(),
      v.regex(/^(?!\/)(?!.*(^|\/)\.\.(\/|$)).+$/, "must be a relative path inside the state dir"),
    ),
    contents: v.string(),
    mode: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(0o777)),
  }),
);

export const FindingsShape = v.array(
  v.object({
    code: v.pipe(v.string(), v.regex(/^[A-Z][A-Z0-9_]+$/, "must be an UPPER_SNAKE code")),
    level: v.picklist(["ok", "warn", "fail"]),
    message: v.string(),
    fix: v.optional(v.string()),
  }),
);

export const StepsShape = v.array(
  v.object({ id: v.pipe(v.string(), v.minLength(1)), title: v.string(), run: v.function(), undo: v.function() }),
);

export const LeftoversShape = v.array(
  v.object({
    kind: v.pipe(v.string(), v.minLength(1)),
    name: v.pipe(v.string(), v.minLength(1)),
    slug: v.string(),
    removeArgvs: v.pipe(v.array(v.pipe(v.array(v.string()), v.minLength(1))), v.minLength(1)),
  }),
);

/** What to tell the author of a plugin built for another API version, by that version. */
export const API_CHANGES: Readonly<Record<number, string>> = {
  1:
    "it was written for apiVersion 1; for 2: set apiVersion: 2; make info.network " +
    "{ description, isolated } and give info.features interactiveAttach, hostKernelShared and dnsSink; " +
    "plan(bottle, facts, core) returns only your part (it becomes plan.agent; drop api.planBundle); " +
    "drop the bundle's steps, files and findings (the core adds them); preflight(plan, facts, deps, options) " +
    '(docs/plugins.md "Changes")',
};

export function apiVersionAdvice(found: unknown): string {
  if (typeof found !== "number")
    return `it exports no numeric apiVersion; set apiVersion: ${API_VERSION} (or use api.API_VERSION from the factory)`;
  if (found > API_VERSION)
    return `it needs apiVersion ${found}, newer than this claude-bottle (${API_VERSION}); upgrade claude-bottle`;
  return (
    API_CHANGES[found] ??
    `it was written for apiVersion ${found}; this claude-bottle speaks ${API_VERSION}: ` +
      `see docs/plugins.md "Changes" and set apiVersion: ${API_VERSION}`
  );
}
