/**
 * Loading external backend plugins by explicit path with import(), checked against the contract
 * before use. A plugin that fails to load is reported as broken (with the reason) and never
 * takes the CLI down; using it is a clear error naming its file.
 */
import * as v from "valibot";
import { pathToFileURL } from "node:url";
import { API_VERSION, type AnyBackend } from "./types.ts";
import { apiVersionAdvice, BackendShape } from "./plugin-contract.ts";
import { describeIssues, guarded } from "./plugin-guard.ts";

export interface BrokenPlugin {
  readonly path: string;
  readonly reason: string;
}

export type PluginLoad =
  | { readonly ok: true; readonly backend: AnyBackend; readonly path: string }
  | ({ readonly ok: false } & BrokenPlugin);

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
