/**
 * Loading external backend plugins by explicit path with import(), checked against the contract
 * before use. A plugin that fails to load is reported as broken (with the reason) and never
 * takes the CLI down; using it is a clear error naming its file.
 */
import * as v from "valibot";
import { pathToFileURL } from "node:url";
import { BottleError } from "../core/errors.ts";
import { pluginApi } from "../plugin-api.ts";
import { apiVersionAdvice, BackendShape, PlanShape, RenderedShape } from "./plugin-contract.ts";
import type { Backend, BasePlan } from "./types.ts";

export interface BrokenPlugin {
  readonly path: string;
  readonly reason: string;
}

export type PluginLoad = { readonly ok: true; readonly backend: Backend<BasePlan>; readonly path: string } | ({ readonly ok: false } & BrokenPlugin);

function describeIssues(issues: readonly v.BaseIssue<unknown>[]): string {
  return issues.map((issue) => `${v.getDotPath(issue) ?? "export"}: ${issue.received === "undefined" ? "is missing" : issue.message}`).join("; ");
}

function pluginError(path: string, phase: string, detail: string): BottleError {
  return new BottleError("E_PLUGIN", `Plugin ${path}: ${phase} ${detail}`, { exitCode: 70, hint: "this is the plugin's fault, not the manifest's; report it to its author or fix it (docs/plugins.md)" });
}

/** Wraps a plugin so that its plan and render are checked, and anything thrown names the file. */
function guarded(backend: Backend<BasePlan>, path: string): Backend<BasePlan> {
  return {
    ...backend,
    plan(bottle, facts) {
      let plan: unknown;
      try {
        plan = backend.plan(bottle, facts);
      } catch (error) {
        if (error instanceof BottleError && error.exitCode === 78) throw error; // the manifest's fault
        throw pluginError(path, "plan threw:", (error as Error).message ?? String(error));
      }
      const checked = v.safeParse(PlanShape, plan);
      if (!checked.success) throw pluginError(path, "plan returned a malformed plan:", describeIssues(checked.issues));
      return plan as BasePlan;
    },
    render(plan) {
      const files = backend.render(plan);
      const checked = v.safeParse(RenderedShape, files);
      if (!checked.success) throw pluginError(path, "render returned malformed files:", describeIssues(checked.issues));
      return files;
    },
  };
}

export async function loadPlugin(path: string): Promise<PluginLoad> {
  let module: { default?: unknown };
  try {
    module = (await import(pathToFileURL(path).href)) as { default?: unknown };
  } catch (error) {
    return { ok: false, path, reason: `import failed: ${(error as Error).message ?? String(error)}` };
  }
  let candidate = module.default;
  if (typeof candidate === "function") {
    try {
      candidate = (candidate as (api: typeof pluginApi) => unknown)(pluginApi);
    } catch (error) {
      return { ok: false, path, reason: `its factory threw: ${(error as Error).message}` };
    }
  }
  if (typeof candidate !== "object" || candidate === null) return { ok: false, path, reason: "its default export is not a backend (use defineBackend, or a factory (api) => api.defineBackend({...}))" };
  const apiVersion = (candidate as { apiVersion?: unknown }).apiVersion;
  if (apiVersion !== pluginApi.API_VERSION) return { ok: false, path, reason: `wrong apiVersion: ${apiVersionAdvice(apiVersion)}` };
  const checked = v.safeParse(BackendShape, candidate);
  if (!checked.success) return { ok: false, path, reason: `does not fit the Backend contract: ${describeIssues(checked.issues)}` };
  return { ok: true, backend: guarded(candidate as Backend<BasePlan>, path), path };
}
