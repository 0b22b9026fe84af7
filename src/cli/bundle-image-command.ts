/** `claude-bottle bundle image`: the default bundle image, built here from a Linux binary. */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { BottleError, EXIT } from "../core/errors.ts";
import { buildBundleImage } from "../bundle/bundle-image.ts";
import type { CliContext } from "./context.ts";

export async function bundleImageCommand(ctx: CliContext, options: { tag: string; save?: string; binary?: string }): Promise<number> {
  const binary = options.binary ? resolve(ctx.host.cwd, options.binary) : ctx.host.selfBinary;
  if (!binary || ctx.host.platform !== "linux") {
    throw new BottleError("E_NO_LINUX_BINARY", "Cannot build the bundle image: this claude-bottle is not a compiled Linux binary", {
      exitCode: EXIT.unavailable,
      hint: "pass --binary PATH to a claude-bottle-linux-<arch> from a release (or bun run compile), or docker load the release's bundle image archive",
    });
  }
  const workDir = await mkdtemp(join(tmpdir(), "claude-bottle-image-"));
  try {
    const id = await buildBundleImage(ctx.runner, ctx.fs, { binary, tag: options.tag, workDir, ...(options.save ? { save: resolve(ctx.host.cwd, options.save) } : {}) });
    ctx.out(`built ${options.tag} (${id})${options.save ? `, saved to ${options.save}` : ""}\n`);
    return EXIT.ok;
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}
