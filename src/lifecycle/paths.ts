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

/** Held by a bottle's host keeper for its lifetime: a second keeper for the same bottle exits. */
export function keeperLockPath(home: string, slug: string): string {
  assertBottleName(slug);
  return join(home, "locks", `${slug}.keeper.lock`);
}

/** Every running keeper's pid + start time, outside the bottle dirs, so `gc` finds orphans. */
export function keepersDir(home: string): string {
  return join(home, "keepers");
}
