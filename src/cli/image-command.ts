/** `claude-bottle image agent`: the default agent image, built here from the recipe in this binary. */
import { join, resolve } from "node:path";
import { BottleError, EXIT, UsageError } from "../core/errors.ts";
import { buildAgentImage } from "../agent-image/build-agent-image.ts";
import type { CliContext } from "./context.ts";

export interface ImageOptions {
  readonly base: string;
  readonly tag: string;
  readonly save?: string;
  readonly claudeCodeTarball?: string;
}

export async function imageCommand(ctx: CliContext, kind: string, options: ImageOptions): Promise<number> {
  if (kind !== "agent") {
    throw new UsageError("E_USAGE", `Cannot build image "${kind}": the only kind is "agent"`, {
      hint: "claude-bottle image agent (the bundle's image: claude-bottle bundle image)",
    });
  }
  const path = (file: string) => resolve(ctx.host.cwd, file);
  const interrupts = ctx.interrupts();
  try {
    const id = await buildAgentImage(ctx.runner, {
      base: options.base,
      tag: options.tag,
      cacheDir: join(ctx.home, "cache", "claude-code"),
      env: ctx.host.env,
      npmrc: (await ctx.fs.readTextIfExists(join(ctx.host.userHome, ".npmrc"))) ?? "",
      progress: (line) => ctx.err(`${line}\n`),
      signal: interrupts.signal,
      ...(options.save ? { save: path(options.save) } : {}),
      ...(options.claudeCodeTarball ? { tarball: path(options.claudeCodeTarball) } : {}),
    });
    ctx.out(`built ${options.tag} (${id})${options.save ? `, saved to ${options.save}` : ""}\n`);
    return EXIT.ok;
  } catch (error) {
    if (!interrupts.signal.aborted) throw error;
    throw new BottleError("E_INTERRUPTED", "Interrupted: the agent image was not built", { exitCode: 130, cause: error });
  } finally {
    interrupts.dispose();
  }
}
