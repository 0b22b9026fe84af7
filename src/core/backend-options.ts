/**
 * Per-bottle options for a backend, from the manifest's `[backend.options]`, checked against the
 * schema the backend declares (`options` in its contract): unknown keys, wrong types and values
 * out of range are configuration errors naming the backend. Pure; the schema is plain data, so
 * a plugin declares one without any library.
 */
import { ConfigError, type ConfigIssue } from "./errors.ts";

export type OptionValue = string | number | boolean | readonly string[];

interface OptionBase {
  /** One line for people: what the option does. */
  readonly description: string;
}

export type OptionSpec =
  | (OptionBase & { readonly type: "string"; readonly default?: string; readonly oneOf?: readonly string[] })
  | (OptionBase & {
      readonly type: "number";
      readonly default?: number;
      readonly min?: number;
      readonly max?: number;
      readonly integer?: boolean;
    })
  | (OptionBase & { readonly type: "boolean"; readonly default?: boolean })
  | (OptionBase & { readonly type: "strings"; readonly default?: readonly string[] });

export type OptionSpecs = Readonly<Record<string, OptionSpec>>;
export type BackendOptions = Readonly<Record<string, OptionValue>>;

function typeProblem(spec: OptionSpec, value: unknown): string | undefined {
  if (spec.type === "strings") {
    return Array.isArray(value) && value.every((item) => typeof item === "string")
      ? undefined
      : "expected an array of strings";
  }
  if (typeof value !== spec.type)
    return `expected a ${spec.type}, got ${Array.isArray(value) ? "array" : typeof value}`;
  if (spec.type === "string" && spec.oneOf && !spec.oneOf.includes(value as string))
    return `must be one of ${spec.oneOf.map((o) => `"${o}"`).join(", ")}`;
  if (spec.type !== "number") return undefined;
  const n = value as number;
  if (spec.integer && !Number.isInteger(n)) return "must be a whole number";
  if (spec.min !== undefined && n < spec.min) return `must be at least ${spec.min}`;
  if (spec.max !== undefined && n > spec.max) return `must be at most ${spec.max}`;
  return undefined;
}

/** The options with defaults filled; throws one ConfigError listing every problem. */
export function checkBackendOptions(
  backend: string,
  specs: OptionSpecs | undefined,
  given: Readonly<Record<string, unknown>>,
): BackendOptions {
  const known = Object.keys(specs ?? {});
  const takes =
    known.length > 0 ? `backend "${backend}" takes: ${known.join(", ")}` : `backend "${backend}" takes no options`;
  const issues: ConfigIssue[] = Object.keys(given)
    .filter((key) => !known.includes(key))
    .map((key) => ({ path: `backend.options.${key}`, message: `unknown key (${takes})` }));
  const options: Record<string, OptionValue> = {};
  for (const [key, spec] of Object.entries(specs ?? {})) {
    const value = given[key] ?? spec.default;
    if (value === undefined) {
      issues.push({
        path: `backend.options.${key}`,
        message: `is required by backend "${backend}": ${spec.description}`,
      });
      continue;
    }
    const problem = typeProblem(spec, value);
    if (problem) issues.push({ path: `backend.options.${key}`, message: problem });
    else options[key] = value as OptionValue;
  }
  if (issues.length > 0) {
    throw new ConfigError(
      "E_BACKEND_OPTIONS",
      `Cannot use the options for backend "${backend}": ${issues.length} problem${issues.length === 1 ? "" : "s"}`,
      issues,
      {
        hint: "run claude-bottle backends --json to see each backend's options",
      },
    );
  }
  return options;
}
