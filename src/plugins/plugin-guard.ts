/**
 * A loaded plugin, wrapped so that everything the core reads from it is checked (valibot) and
 * anything it throws names its file: a broken plugin is its author's error, never reported as
 * a bug in claude-bottle. claude-bottle's own errors raised through the plugin's `api` helpers
 * (a failed command from `ensureSuccess`, a `ConfigError`) pass through as they are.
 */
import * as v from "valibot";
import { BottleError, EXIT } from "../core/errors.ts";
import type { Step } from "../core/step.ts";
import type { AnyBackend } from "./types.ts";
import {
  AgentPlanShape,
  FindingsShape,
  LeftoversShape,
  RenderedShape,
  StepsShape,
  SummaryShape,
} from "./plugin-contract.ts";

export function describeIssues(issues: readonly v.BaseIssue<unknown>[]): string {
  return issues
    .map(
      (issue) => `${v.getDotPath(issue) ?? "export"}: ${issue.received === "undefined" ? "is missing" : issue.message}`,
    )
    .join("; ");
}

function pluginError(path: string, phase: string, detail: string): BottleError {
  return new BottleError("E_PLUGIN", `Plugin ${path}: ${phase} ${detail}`, {
    exitCode: EXIT.internal,
    hint: "this is the plugin's fault, not the manifest's; report it to its author or fix it (docs/plugins.md)",
  });
}

/** What a phase returned, checked against its shape; the value unchanged when it fits. */
function checked<T>(path: string, phase: string, schema: v.GenericSchema<unknown>, value: T): T {
  const result = v.safeParse(schema, value);
  if (!result.success) throw pluginError(path, `${phase} returned`, describeIssues(result.issues));
  return value;
}

/** The error a phase threw: claude-bottle's own pass, anything else names the plugin's file. */
function attributedError(path: string, phase: string, error: unknown): unknown {
  if (error instanceof BottleError) return error;
  return pluginError(path, `${phase} threw:`, (error as Error)?.message ?? String(error));
}

function attributed<T>(path: string, phase: string, call: () => T): T {
  try {
    return call();
  } catch (error) {
    throw attributedError(path, phase, error);
  }
}

async function attributedAsync<T>(path: string, phase: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw attributedError(path, phase, error);
  }
}

/** The plugin's steps, each run and undo attributed to the plugin and its step id. */
function guardedSteps(path: string, steps: readonly Step[]): Step[] {
  return steps.map((step) => ({
    ...step,
    run: (deps) => attributedAsync(path, `step "${step.id}"`, () => step.run(deps)),
    undo: (deps, record) => attributedAsync(path, `undo of step "${step.id}"`, () => step.undo(deps, record)),
  }));
}

const InspectShape = v.map(v.string(), v.string());

/** The phases that only some backends have, guarded when present. */
function optionalPhases(backend: AnyBackend, path: string): Partial<AnyBackend> {
  const { render, summary, facts, inspect, logs, leftovers } = backend;
  const call = <T>(phase: string, schema: v.GenericSchema<unknown>, run: () => T): T =>
    checked(path, phase, schema, attributed(path, phase, run));
  const later = async <T>(phase: string, schema: v.GenericSchema<unknown> | undefined, run: () => Promise<T>) => {
    const value = await attributedAsync(path, phase, run);
    return schema ? checked(path, phase, schema, value) : value;
  };
  return {
    ...(render ? { render: (plan) => call("render", RenderedShape, () => render(plan)) } : {}),
    ...(summary ? { summary: (plan) => call("summary", SummaryShape, () => summary(plan)) } : {}),
    ...(facts ? { facts: (deps) => later("facts", undefined, () => facts(deps)) } : {}),
    ...(inspect ? { inspect: (plans, deps) => later("inspect", InspectShape, () => inspect(plans, deps)) } : {}),
    ...(logs ? { logs: (plan, deps, options) => later("logs", undefined, () => logs(plan, deps, options)) } : {}),
    ...(leftovers
      ? { leftovers: (home, deps, own) => later("leftovers", LeftoversShape, () => leftovers(home, deps, own)) }
      : {}),
  };
}

/** Wraps a plugin so that everything the core reads from it is checked first. */
export function guarded(backend: AnyBackend, path: string): AnyBackend {
  const call = <T>(phase: string, schema: v.GenericSchema<unknown>, run: () => T): T =>
    checked(path, phase, schema, attributed(path, phase, run));
  return {
    ...backend,
    plan: (bottle, facts, core) => call("plan", AgentPlanShape, () => backend.plan(bottle, facts, core)),
    preflight: async (plan, facts, deps, options) => {
      const findings = await attributedAsync(path, "preflight", () => backend.preflight(plan, facts, deps, options));
      return checked(path, "preflight", FindingsShape, findings);
    },
    launch: (plan) => guardedSteps(path, call("launch", StepsShape, () => backend.launch(plan))),
    exec: (plan, deps, command, options) =>
      attributedAsync(path, "exec", () => backend.exec(plan, deps, command, options)),
    ...optionalPhases(backend, path),
  };
}
