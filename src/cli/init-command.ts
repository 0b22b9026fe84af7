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

export async function initCommand(ctx: CliContext, path: string | undefined, force: boolean): Promise<number> {
  const target = resolve(ctx.host.cwd, path ?? DEFAULT_MANIFEST);
  if (!force && (await ctx.fs.exists(target))) {
    throw new BottleError("E_INIT_EXISTS", `Cannot write "${target}": the file exists`, {
      exitCode: EXIT.cantCreate,
      hint: "pass --force to overwrite it",
    });
  }
  // A work tree has .git (a directory, or a file in a linked worktree) beside the manifest.
  const inGitRepo = await ctx.fs.exists(join(dirname(target), ".git"));
  await ctx.fs.writeAtomic(target, starterManifest(slugFromDirectory(dirname(target)), { inGitRepo }), 0o644);
  ctx.out(`wrote ${target}\nnext: claude-bottle plan ${path ?? ""}`.trimEnd() + "\n");
  return EXIT.ok;
}
