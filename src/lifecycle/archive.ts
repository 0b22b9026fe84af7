/**
 * The record outlives the bottle: `down` moves the audit files and a small summary to
 * `<home>/archive/<name>/<timestamp>/` (directories 0700, files 0600) before it removes the
 * bottle's directory; `logs NAME` reads the newest archive once the bottle is gone; `gc
 * --archives --older-than DUR` prunes them. Only names that obey the slug and timestamp rules
 * are ever joined into a path here.
 */
import { join } from "node:path";
import type { Fs } from "../core/fs.ts";
import { lineSplitter } from "../core/terminal-safe.ts";
import { assertBottleName, type BottleState } from "../core/state.ts";
import { isSlug } from "../core/slug.ts";
import { PRIVATE_DIR_MODE } from "../core/write-files.ts";
import { auditFilesOldestFirst } from "../bundle/audit-files.ts";
import { recordedCorePlan } from "./bottle.ts";
import { UNPULLED_WORK } from "../workspace/workspace-steps.ts";

export const SUMMARY_FILE = "summary.json";
const STAMP = /^(\d{4}-\d{2}-\d{2})T(\d{2})-(\d{2})-(\d{2})\.(\d{3})Z$/;

/** `2026-11-25T00-42-23.123Z`: an ISO time that is one path component and sorts by time. Pure. */
export function archiveStamp(date: Date): string {
  return date.toISOString().replace(/:/g, "-");
}

/** The time an archive directory's name stands for; undefined for any other name. Pure. */
export function stampTime(name: string): number | undefined {
  const match = STAMP.exec(name);
  return match ? Date.parse(`${match[1]}T${match[2]}:${match[3]}:${match[4]}.${match[5]}Z`) : undefined;
}

export function archiveRoot(home: string, slug?: string): string {
  if (slug === undefined) return join(home, "archive");
  assertBottleName(slug);
  return join(home, "archive", slug);
}

export interface AuditCounts {
  lines: number;
  allow: number;
  deny: number;
  dns: number;
}

/** Counts decisions in audit files without holding them (substring checks, no JSON parse). */
async function countAudit(fs: Fs, dir: string, names: readonly string[]): Promise<AuditCounts> {
  const counts: AuditCounts = { lines: 0, allow: 0, deny: 0, dns: 0 };
  const split = lineSplitter((line) => {
    if (!line) return;
    counts.lines++;
    if (line.includes('"decision":"allow"')) counts.allow++;
    else if (line.includes('"decision":"deny"')) counts.deny++;
    if (line.includes('"kind":"dns"')) counts.dns++;
  });
  for (const name of names) {
    if (fs.readStream) for await (const chunk of fs.readStream(join(dir, name))) split.push(chunk);
    else split.push((await fs.readTextIfExists(join(dir, name))) ?? "");
    split.push("\n");
  }
  split.end();
  return counts;
}

/**
 * Moves a bottle's audit files into a new archive directory and writes its summary there.
 * Rename, not copy: constant time and memory whatever the log's size. Returns the directory.
 */
export async function archiveBottle(fs: Fs, home: string, state: BottleState, now: Date): Promise<string> {
  const plan = recordedCorePlan(state.plan);
  const bundleDir = plan.bundle.dir;
  const dir = join(archiveRoot(home, state.slug), archiveStamp(now));
  await fs.makeDir(dir, PRIVATE_DIR_MODE);
  const files = auditFilesOldestFirst(await fs.listDir(bundleDir));
  const counts = await countAudit(fs, bundleDir, files);
  for (const name of files) await fs.move(join(bundleDir, name), join(dir, name));
  // The agent's branches when the user's repository was gone at `down` (workspace-steps.ts).
  const unpulled = (await fs.exists(join(plan.stateDir, UNPULLED_WORK))) ? { unpulledWork: join(dir, UNPULLED_WORK) } : {};
  if (unpulled.unpulledWork) await fs.move(join(plan.stateDir, UNPULLED_WORK), unpulled.unpulledWork);
  const summary = {
    name: state.slug,
    backend: state.backend,
    isolation: plan.isolation,
    createdAt: state.createdAt,
    downAt: now.toISOString(),
    counts,
    files,
    ...unpulled,
  };
  await fs.writeAtomic(join(dir, SUMMARY_FILE), `${JSON.stringify(summary, null, 2)}\n`, 0o600);
  return dir;
}

/** The newest archive directory of a bottle, if any. */
export async function latestArchive(fs: Fs, home: string, slug: string): Promise<string | undefined> {
  const stamps = (await fs.listDir(archiveRoot(home, slug))).filter((name) => stampTime(name) !== undefined).sort();
  return stamps.length > 0 ? join(archiveRoot(home, slug), stamps.at(-1)!) : undefined;
}

/** Archive directories older than `maxAgeSeconds` at `now`, oldest first; removed unless `dryRun`. */
export async function pruneArchives(fs: Fs, home: string, maxAgeSeconds: number, now: Date, dryRun: boolean): Promise<string[]> {
  const cutoff = now.getTime() - maxAgeSeconds * 1000;
  const pruned: string[] = [];
  for (const slug of (await fs.listDir(archiveRoot(home))).filter(isSlug).sort()) {
    const root = archiveRoot(home, slug);
    const stamps = await fs.listDir(root);
    const old = stamps.filter((stamp) => (stampTime(stamp) ?? Infinity) < cutoff).sort();
    pruned.push(...old.map((stamp) => join(root, stamp)));
    if (dryRun) continue;
    for (const stamp of old) await fs.remove(join(root, stamp));
    if (old.length === stamps.length) await fs.remove(root);
  }
  return pruned;
}
