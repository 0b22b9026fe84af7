/** `claude-bottle init`: a commented starter manifest; never overwrites without --force. */
import { basename, dirname, join, resolve } from "node:path";
import { BottleError, EXIT } from "../core/errors.ts";
import { SLUG_PATTERN } from "../core/slug.ts";
import { DEFAULT_MANIFEST } from "../core/load-manifest.ts";
import { starterManifest } from "./starter-manifest.ts";
import type { CliContext } from "./context.ts";

/** A slug from a directory name: lowercased, runs of other characters become one hyphen. */
export function slugFromDirectory(dir: string): string {
  const slug = basename(dir).toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 40).replace(/-+$/, "");
  return SLUG_PATTERN.test(slug) ? slug : "my-bottle";
}

const WRITE_FAILURES: Readonly<Record<string, (dir: string) => { why: string; hint: string }>> = {
  ENOENT: (dir) => ({ why: `the directory "${dir}" does not exist`, hint: `create it first (mkdir -p ${dir}), or name a file in an existing directory` }),
  ENOTDIR: (dir) => ({ why: `"${dir}" is not a directory`, hint: "name a file inside a directory" }),
  EISDIR: () => ({ why: "it is a directory", hint: "name a file, e.g. DIR/bottle.toml" }),
  EACCES: (dir) => ({ why: `permission denied in "${dir}"`, hint: "choose a directory you may write to" }),
  EROFS: (dir) => ({ why: `"${dir}" is on a read-only file system`, hint: "choose a writable directory" }),
};

/** The starter, written atomically; a path that cannot be written is one clear message. */
async function writeStarter(ctx: CliContext, target: string, contents: string): Promise<void> {
  try {
    await ctx.fs.writeAtomic(target, contents, 0o644);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const known = typeof code === "string" ? WRITE_FAILURES[code === "EPERM" ? "EACCES" : code] : undefined;
    if (!known) throw error;
    const { why, hint } = known(dirname(target));
    throw new BottleError("E_INIT_WRITE", `Cannot write "${target}": ${why}`, { exitCode: EXIT.cantCreate, hint, cause: error });
  }
}

export async function initCommand(ctx: CliContext, path: string | undefined, force: boolean): Promise<number> {
  const target = resolve(ctx.host.cwd, path ?? DEFAULT_MANIFEST);
  // "DIR/." exists only for a directory (a file answers ENOTDIR): say so, not "the file exists".
  if (await ctx.fs.exists(`${target}/.`).catch(() => false)) {
    throw new BottleError("E_INIT_WRITE", `Cannot write "${target}": it is a directory`, {
      exitCode: EXIT.cantCreate,
      hint: `name a file, e.g. ${join(path ?? ".", DEFAULT_MANIFEST)}`,
    });
  }
  if (!force && (await ctx.fs.exists(target))) {
    throw new BottleError("E_INIT_EXISTS", `Cannot write "${target}": the file exists`, {
      exitCode: EXIT.cantCreate,
      hint: "pass --force to overwrite it",
    });
  }
  // A work tree has .git (a directory, or a file in a linked worktree) beside the manifest.
  const inGitRepo = await ctx.fs.exists(join(dirname(target), ".git"));
  await writeStarter(ctx, target, starterManifest(slugFromDirectory(dirname(target)), { inGitRepo }));
  ctx.out(`wrote ${target}\nnext: claude-bottle plan ${path ?? ""}`.trimEnd() + "\n");
  return EXIT.ok;
}
