/**
 * Loading external backend plugins by explicit path with import(), checked against the contract
 * before use. A plugin that fails to load is reported as broken (with the reason) and never
 * takes the CLI down; using it is a clear error naming its file.
 */
import * as v from "valibot";
import { pathToFileURL } from "node:url";
import { BottleError, EXIT } from "../core/errors.ts";
import { API_VERSION, type AnyBackend } from "./types.ts";
import {
  AgentPlanShape,
  apiVersionAdvice,
  BackendShape,
  FindingsShape,
  RenderedShape,
  StepsShape,
  LeftoversShape,
  SummaryShape,
} from "./plugin-contract.ts";

export interface BrokenPlugin {
  readonly path: string;
  readonly reason: string;
}

export type PluginLoad =
  | { readonly ok: true; readonly backend: AnyBackend; readonly path: string }
  | ({ readonly ok: false } & BrokenPlugin);

function describeIssues(issues: readonly v.BaseIssue<unknown>[]): string {
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

/** Anything a phase throws names the file; the manifest's own ConfigError passes as it is. */
function attributed<T>(path: string, phase: string, call: () => T): T {
  try {
    return call();
  } catch (error) {
    if (error instanceof BottleError && error.exitCode === EXIT.config) throw error;
    throw pluginError(path, `${phase} threw:`, (error as Error).message ?? String(error));
  }
}

/** `attributed` for a phase that resolves later: a rejection names the file too. */
async function attributedAsync<T>(path: string, phase: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof BottleError && error.exitCode === EXIT.config) throw error;
    throw pluginError(path, `${phase} threw:`, (error as Error).message ?? String(error));
  }
}

/** Wraps a plugin so that everything the core reads from it is checked first. */
function guarded(backend: AnyBackend, path: string): AnyBackend {
  const { render, summary, leftovers } = backend;
  // A phase's result, checked against its shape; anything it throws names the plugin's file.
  const call = <T>(phase: string, schema: v.GenericSchema<unknown>, run: () => T): T =>
    checked(path, phase, schema, attributed(path, phase, run));
  return {
    ...backend,
    plan: (bottle, facts, core) => call("plan", AgentPlanShape, () => backend.plan(bottle, facts, core)),
    ...(render ? { render: (plan) => call("render", RenderedShape, () => render(plan)) } : {}),
    ...(summary ? { summary: (plan) => call("summary", SummaryShape, () => summary(plan)) } : {}),
    preflight: async (plan, facts, deps, options) =>
      checked(path, "preflight", FindingsShape, await backend.preflight(plan, facts, deps, options)),
    launch: (plan) => call("launch", StepsShape, () => backend.launch(plan)),
    ...(leftovers
      ? {
          leftovers: async (home, deps, facts) => {
            const found = await attributedAsync(path, "leftovers", () => leftovers(home, deps, facts));
            return checked(path, "leftovers", LeftoversShape, found);
          },
        }
      : {}),
  };
}

interface SourcePosition {
  readonly file?: string;
  readonly line?: number;
  readonly column?: number;
}

type BuildError = {
  readonly message?: string;
  readonly position?: SourcePosition | null;
  readonly errors?: readonly BuildError[];
};

/**
 * Why an import failed, with file:line:column where the runtime knows it. Bun reports a syntax
 * error as an AggregateError ("2 errors building …") whose parts carry `position`; the summary
 * alone names no line, which is all a compiled binary's user would otherwise see.
 */
export function importFailure(error: unknown): string {
  const located = (part: BuildError) => {
    const at = part.position;
    return at?.file && at.line
      ? `${at.file}:${at.line}:${at.column ?? 0}: ${part.message ?? "error"}`
      : String(part.message ?? part);
  };
  const built = (error ?? {}) as BuildError;
  if (Array.isArray(built.errors) && built.errors.length > 0) return built.errors.map(located).join("; ");
  return located(built);
}

async function importModule(path: string): Promise<{ ok: true; candidate: unknown } | { ok: false; reason: string }> {
  try {
    return { ok: true, candidate: ((await import(pathToFileURL(path).href)) as { default?: unknown }).default };
  } catch (error) {
    return { ok: false, reason: `import failed: ${importFailure(error)}` };
  }
}

/** Imports and checks one plugin; `api` is what a factory default export receives. */
export async function loadPlugin(path: string, api: unknown): Promise<PluginLoad> {
  const imported = await importModule(path);
  if (!imported.ok) return { ok: false, path, reason: imported.reason };
  let candidate = imported.candidate;
  if (typeof candidate === "function") {
    try {
      candidate = (candidate as (api: unknown) => unknown)(api);
    } catch (error) {
      return { ok: false, path, reason: `its factory threw: ${(error as Error).message}` };
    }
  }
  if (typeof candidate !== "object" || candidate === null)
    return {
      ok: false,
      path,
      reason: "its default export is not a backend (use defineBackend, or a factory (api) => api.defineBackend({...}))",
    };
  const apiVersion = (candidate as { apiVersion?: unknown }).apiVersion;
  if (apiVersion !== API_VERSION)
    return { ok: false, path, reason: `wrong apiVersion: ${apiVersionAdvice(apiVersion)}` };
  const shape = v.safeParse(BackendShape, candidate);
  if (!shape.success)
    return { ok: false, path, reason: `does not fit the Backend contract: ${describeIssues(shape.issues)}` };
  return { ok: true, backend: guarded(candidate as AnyBackend, path), path };
}
