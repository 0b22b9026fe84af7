/** Lock files: outside the bottle dirs, so `down` can remove a dir while holding its lock. */
import { join } from "node:path";
import { assertBottleName } from "../core/state.ts";

export function bottleLockPath(home: string, slug: string): string {
  assertBottleName(slug);
  return join(home, "locks", `${slug}.lock`);
}

/** Held while choosing and claiming a subnet, so two `up`s never take the same /24. */
export function subnetLockPath(home: string): string {
  return join(home, "locks", "subnets.lock");
}
