/**
 * `up` builds the bundle image on first use: this binary is the bundle, so a host with only the
 * binary and docker needs nothing else. Images outside our `claude-bottle-bundle` repository
 * must already be there.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BottleError, EXIT } from "../core/errors.ts";
import { bundleImageFix } from "../bundle/bundle-preflight.ts";
import { buildBundleImage, bundleImageSource } from "../bundle/bundle-image.ts";
import { imageIdArgv } from "../bundle/docker-argv.ts";
import type { LifecycleContext } from "./context.ts";

export async function ensureBundleImage(ctx: LifecycleContext, image: string): Promise<void> {
  const present = await ctx.deps.runner.run(imageIdArgv(image), { timeoutMs: 30_000 });
  if (present.exitCode === 0 || present.spawnError) return; // present, or no docker: preflight reports that
  const binary = bundleImageSource(image, ctx.host);
  if (!binary) throw missingBundleImage(image);
  ctx.deps.log.info(`• build bundle image ${image} from ${binary} (first use)`);
  const workDir = await mkdtemp(join(tmpdir(), "claude-bottle-image-"));
  try {
    await buildBundleImage(ctx.deps.runner, ctx.deps.fs, { binary, tag: image, workDir });
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

/** The one refusal for a bundle image that is absent and cannot be built here. */
export function missingBundleImage(image: string): BottleError {
  return new BottleError("E_BUNDLE_IMAGE_MISSING", `Cannot start the bundle: image ${image} is not on this host`, {
    exitCode: EXIT.unavailable,
    hint: bundleImageFix(image),
  });
}
