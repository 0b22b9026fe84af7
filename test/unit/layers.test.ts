/**
 * The direction table of docs/architecture.md, enforced over the real imports of src/ (static,
 * type-only and dynamic): an upward edge fails here, naming the file and the import.
 */
import { expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { ROOT } from "../helpers/spawn.ts";

const SRC = join(ROOT, "src");

/** The layer a source file belongs to, by its path under src/. */
export function layerOf(path: string): string {
  if (path === "main.ts") return "main";
  if (path === "plugin-api.ts" || path === "plugin-types.ts") return "plugin-api";
  if (path === "version.ts") return "core";
  if (path.startsWith("bundle/serve/")) return "serve";
  const layer = path.split("/")[0]!;
  if (!(layer in ALLOWED)) throw new Error(`src/${path}: no layer in the table; add it to docs/architecture.md and here`);
  return layer;
}

/** What each layer may import (itself always), from the table in docs/architecture.md. */
export const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  main: ["cli", "plugin-api", "backends", "lifecycle", "workspace", "bundle", "agent-image", "serve", "plugins", "core", "runtime"],
  cli: ["plugin-api", "backends", "lifecycle", "workspace", "bundle", "agent-image", "serve", "plugins", "core", "runtime"],
  "plugin-api": ["bundle", "plugins", "core"],
  backends: ["bundle", "plugins", "core"],
  lifecycle: ["workspace", "bundle", "plugins", "core"],
  workspace: ["bundle", "serve", "core"],
  bundle: ["serve", "agent-image", "core"],
  "agent-image": ["core"],
  serve: ["core"],
  plugins: ["core"],
  core: [],
  runtime: ["core"],
};

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sources(join(dir, entry.name)) : entry.name.endsWith(".ts") ? [join(dir, entry.name)] : [],
  );
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\b[^"';]*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;

/** Every relative import of a file, as paths under src/. */
export function importsOf(text: string, file: string): string[] {
  return [...text.matchAll(IMPORT)]
    .map((match) => match[1] ?? match[2]!)
    .filter((specifier) => specifier.startsWith("."))
    .map((specifier) => relative(SRC, resolve(dirname(file), specifier)))
    .filter((target) => !target.startsWith("..")); // package.json: data, not a layer
}

export function upwardEdges(files: readonly { path: string; text: string }[]): string[] {
  return files.flatMap(({ path, text }) => {
    const from = layerOf(relative(SRC, path));
    return importsOf(text, path)
      .filter((target) => {
        const to = layerOf(target);
        return to !== from && !ALLOWED[from]!.includes(to);
      })
      .map((target) => `${relative(SRC, path)} (${from}) imports ${target} (${layerOf(target)})`);
  });
}

test("every import in src/ follows the direction table", () => {
  const files = sources(SRC).map((path) => ({ path, text: readFileSync(path, "utf8") }));
  expect(files.length).toBeGreaterThan(50);
  expect(upwardEdges(files)).toEqual([]);
});

test("an upward import is caught, type-only and dynamic ones too", () => {
  const file = (name: string, text: string) => ({ path: join(SRC, name), text });
  expect(upwardEdges([
    file("core/x.ts", 'import type { Backend } from "../plugins/types.ts";'),
    file("plugins/y.ts", 'const m = await import("../plugin-api.ts");'),
    file("bundle/serve/z.ts", 'export { bundleFiles } from "../bundle-phases.ts";'),
    file("core/ok.ts", 'import { join } from "node:path";\nimport type { Fs } from "./fs.ts";'),
  ])).toEqual([
    "core/x.ts (core) imports plugins/types.ts (plugins)",
    "plugins/y.ts (plugins) imports plugin-api.ts (plugin-api)",
    "bundle/serve/z.ts (serve) imports bundle/bundle-phases.ts (bundle)",
  ]);
});
