/** Where claude-bottle keeps state. Pure: environment in, path out. */
import { join, resolve } from "node:path";

/**
 * --home, else CLAUDE_BOTTLE_HOME, else $XDG_STATE_HOME/claude-bottle, else
 * ~/.local/state/claude-bottle. Relative paths are taken from `cwd`.
 */
export function resolveHome(flag: string | undefined, env: Readonly<Record<string, string | undefined>>, cwd: string, userHome: string): string {
  if (flag) return resolve(cwd, flag);
  if (env["CLAUDE_BOTTLE_HOME"]) return resolve(cwd, env["CLAUDE_BOTTLE_HOME"]);
  if (env["XDG_STATE_HOME"]) return join(resolve(cwd, env["XDG_STATE_HOME"]), "claude-bottle");
  return join(userHome, ".local", "state", "claude-bottle");
}
