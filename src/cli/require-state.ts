/** The recorded bottle a command names, or the one error every such command gives. */
import { BottleError, EXIT } from "../core/errors.ts";
import { assertBottleName, readState, type BottleState } from "../core/state.ts";
import type { CliContext } from "./context.ts";

/** Validates NAME against the slug rule (exit 64) before anything is read. */
export async function requireState(ctx: CliContext, name: string): Promise<BottleState> {
  assertBottleName(name);
  const state = await readState(ctx.fs, ctx.home, name);
  if (!state) throw new BottleError("E_NO_BOTTLE", `Cannot find bottle "${name}" in ${ctx.home}`, { exitCode: EXIT.usage, hint: "claude-bottle ls lists the bottles" });
  return state;
}
