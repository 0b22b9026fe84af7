/**
 * Where plugins come from: --plugin PATH (repeatable), CLAUDE_BOTTLE_PLUGINS (a list of files or
 * directories, ":"-separated), else every module in <XDG config>/claude-bottle/plugins/.
 * The manifest's `backend = "./path.ts"` is resolved separately, against the manifest.
 */
import { join, resolve } from "node:path";
import type { Fs } from "../core/fs.ts";

const MODULE = /\.(ts|js|mjs)$/;

export function isPluginPath(backend: string): boolean {
  return backend.includes("/") || MODULE.test(backend);
}

export function pluginDirectory(env: Readonly<Record<string, string | undefined>>, userHome: string): string {
  return join(env["XDG_CONFIG_HOME"] || join(userHome, ".config"), "claude-bottle", "plugins");
}

async function expand(fs: Fs, path: string): Promise<string[]> {
  const entries = await fs.listDir(path);
  if (entries.length === 0) return (await fs.exists(path)) && MODULE.test(path) ? [path] : [];
  return entries.filter((name) => MODULE.test(name) && !name.endsWith(".d.ts")).sort().map((name) => join(path, name));
}

export async function discoverPlugins(fs: Fs, env: Readonly<Record<string, string | undefined>>, cwd: string, userHome: string, flags: readonly string[]): Promise<string[]> {
  const fromFlags = flags.map((path) => resolve(cwd, path));
  const listed = env["CLAUDE_BOTTLE_PLUGINS"];
  const roots = listed !== undefined ? listed.split(":").filter(Boolean).map((path) => resolve(cwd, path)) : [pluginDirectory(env, userHome)];
  const found = (await Promise.all(roots.map((root) => expand(fs, root)))).flat();
  return [...new Set([...fromFlags, ...found])];
}
