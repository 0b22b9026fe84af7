/**
 * What the gate's smart fetch needs from the mirror (bundle/serve/gate/upload-pack.ts): packs
 * that share no object, each with `pack-<hash>.tips`, the commits its objects are reachable
 * from. The mirror's first pack has the exposed refs' commits; an imported push's pack its
 * pushed commits. A push whose pack holds objects the mirror has already makes the host repack
 * the mirror into one pack whose tips are every ref.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { ensureSuccess } from "../core/runner.ts";
import { batchCheckArgv, listRefsArgv, repackArgv } from "./git-argv.ts";
import type { WorkspaceDeps } from "./mirror.ts";

/** The object names in a version-2 pack index. Pure. */
export function idxObjectNames(idx: Buffer): string[] {
  if (idx.readUInt32BE(0) !== 0xff744f63 || idx.readUInt32BE(4) !== 2) throw new Error("not a version 2 pack index");
  const count = idx.readUInt32BE(8 + 255 * 4);
  const names: string[] = [];
  for (let index = 0, at = 8 + 256 * 4; index < count; index++, at += 20) names.push(idx.subarray(at, at + 20).toString("hex"));
  return names;
}

/** Whether the mirror already holds any object of the pack indexed at `idxPath`. */
export async function overlapsMirror(deps: WorkspaceDeps, mirror: string, idxPath: string): Promise<boolean> {
  const names = idxObjectNames(await readFile(idxPath));
  if (names.length === 0) return false;
  const checked = ensureSuccess(await deps.runner.run(batchCheckArgv(mirror), { input: `${names.join("\n")}\n` }), "look up a push's objects in the mirror");
  return checked.stdout.split("\n").some((line) => line !== "" && !line.endsWith(" missing"));
}

export async function writeTips(deps: WorkspaceDeps, mirror: string, stem: string, tips: readonly string[]): Promise<void> {
  await deps.fs.writeAtomic(join(mirror, "objects", "pack", `${stem}.tips`), `${[...new Set(tips)].join("\n")}\n`, 0o644);
}

/** Repacks the mirror into one pack whose tips are every ref's commit. */
export async function repackWithTips(deps: WorkspaceDeps, mirror: string): Promise<void> {
  ensureSuccess(await deps.runner.run(repackArgv(mirror)), "repack the workspace mirror");
  const packDir = join(mirror, "objects", "pack");
  const names = await deps.fs.listDir(packDir);
  for (const name of names) if (name.endsWith(".tips") && !names.includes(name.replace(/\.tips$/, ".pack"))) await deps.fs.remove(join(packDir, name));
  const stems = names.filter((name) => name.endsWith(".pack")).map((name) => name.slice(0, -5));
  const refs = ensureSuccess(await deps.runner.run(listRefsArgv(mirror, "refs/")), "list the mirror's refs").stdout;
  const tips = refs.split("\n").filter((line) => line !== "").map((line) => line.split(" ")[0] as string);
  for (const stem of stems) await writeTips(deps, mirror, stem, tips);
}
