/**
 * `up` builds the default bundle image on first use: this binary is the bundle, so a host with
 * only the binary and docker needs nothing else. Any other tag must already be there.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BottleError } from "../core/errors.ts";
import { DEFAULT_BUNDLE_IMAGE } from "../core/manifest.ts";
import { buildBundleImage } from "../bundle/bundle-image.ts";
import { imageIdArgv } from "../bundle/docker-argv.ts";
import type { LifecycleContext } from "./context.ts";

export async function ensureBundleImage(ctx: LifecycleContext, image: string): Promise<void> {
  const present = await ctx.deps.runner.run(imageIdArgv(image), { timeoutMs: 30_000 });
  if (present.exitCode === 0 || present.spawnError) return; // present, or no docker: preflight reports that
  const binary = ctx.host.selfBinary;
  if (image !== DEFAULT_BUNDLE_IMAGE || !binary || ctx.host.platform !== "linux") {
    throw new BottleError("E_BUNDLE_IMAGE_MISSING", `Cannot start the bundle: image ${image} is not on this host`, {
      exitCode: 69,
      hint: image === DEFAULT_BUNDLE_IMAGE ? "run claude-bottle bundle image --binary <claude-bottle-linux binary>, or docker load the release's bundle archive" : `build or load ${image} first`,
    });
  }
  ctx.deps.log.info(`• build bundle image ${image} from ${binary} (first use)`);
  const workDir = await mkdtemp(join(tmpdir(), "claude-bottle-image-"));
  try {
    await buildBundleImage(ctx.deps.runner, ctx.deps.fs, { binary, tag: image, workDir });
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}
