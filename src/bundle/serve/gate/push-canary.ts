/**
 * Canaries in a push (issue 11 point 5): a credential's sentinel in a pushed ref name, in a
 * commit or tag (message, author), or in any pushed object's bytes — inflated, deltas applied,
 * since a sentinel inside a zlib stream is not visible in the raw pack. Only the credential's
 * name comes back, never a value.
 */
import { readFile } from "node:fs/promises";
import type { Matcher } from "../creds/matcher.ts";
import { packObjects, PackReadError } from "./pack-objects.ts";
import type { RefCommand } from "./receive-request.ts";

/** A canary's credential, a pack the gate cannot read (refused like a corrupt one), or nothing. */
export type PushFinding = { readonly canary: string } | { readonly unreadable: string } | undefined;

export type PushInspector = (commands: readonly RefCommand[], packPath: string, objects: number) => Promise<PushFinding>;

/** Inflated bytes a push may hold while it is searched; a bigger push is refused, said why. */
export const INSPECT_MAX_INFLATED = 1024 * 1024 * 1024;

export function canaryInspector(canaries: Matcher, maxInflated = INSPECT_MAX_INFLATED): PushInspector {
  return async (commands, packPath, count) => {
    if (canaries.empty) return undefined;
    for (const command of commands) {
      const hit = canaries.find(command.ref);
      if (hit) return { canary: hit };
    }
    if (count === 0) return undefined;
    let objects;
    try {
      objects = packObjects(await readFile(packPath), count, maxInflated);
    } catch (error) {
      if (error instanceof PackReadError) return { unreadable: `cannot read the pack for canaries: ${error.message}` };
      throw error;
    }
    for (const object of objects) {
      const text = object.type === "commit" || object.type === "tag";
      const hit = canaries.findBytes(object.data) ?? (text ? canaries.find(object.data.toString("utf8")) : undefined);
      if (hit) return { canary: hit };
    }
    return undefined;
  };
}
