/**
 * Host questions per command: `plan` and `preflight` against the logging fake `smolvm`, `docker`
 * and `ip` (test/fixtures/bin), counted from their argv log, with the wall time of each. (Not
 * `up`: run from source it would probe a bundle address over the host's real network.) Docker
 * networks are read from the engine's API socket when there is one, so they do not show here. Side by side: this tree and a baseline checkout of an older commit, run alternately.
 * Run: git worktree add /tmp/cb-base <commit> && ln -s $PWD/node_modules /tmp/cb-base/
 *      bun bench/probe-once.ts /tmp/cb-base
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const HERE = join(import.meta.dir, "..");
const BASELINE = process.argv[2];
const RUNS = 5;

const PROBES: Record<string, (argv: string[]) => boolean> = {
  "smolvm --version": (a) => a[0] === "smolvm" && a[1] === "--version",
  "ip route show": (a) => a[0] === "ip" && a[3] === "show",
  "docker network ls": (a) => a[0] === "docker" && a[1] === "network" && a[2] === "ls",
  "docker version": (a) => a[0] === "docker" && a[1] === "version",
  "docker image inspect (agent)": (a) => a.slice(0, 3).join(" ") === "docker image inspect" && a.at(-1) === "claude-bottle:latest",
};

function once(tree: string, command: string[]): Record<string, number> {
  const dir = mkdtempSync(join(tmpdir(), "cb-probe-bench-"));
  try {
    mkdirSync(join(dir, "state/docker/images"), { recursive: true });
    for (const image of ["claude-bottle_latest", "claude-bottle-bundle_latest"]) writeFileSync(join(dir, "state/docker/images", image), "a".repeat(64));
    writeFileSync(join(dir, "bottle.toml"), 'name = "bench"\n');
    const log = join(dir, "calls.jsonl");
    const env = { PATH: `${join(HERE, "test/fixtures/bin")}:/usr/bin:/bin`, FAKE_STATE: join(dir, "state"), FAKE_LOG: log, FAKE_SMOLVM_VERSION: "1.9.3" };
    const started = performance.now();
    spawnSync(join(tree, "node_modules/.bin/bun"), [join(tree, "src/main.ts"), "--home", join(dir, "home"), ...command], { cwd: dir, env, encoding: "utf8" });
    const ms = performance.now() - started;
    const calls = readFileSync(log, "utf8").trim().split("\n").filter(Boolean).map((line) => JSON.parse(line) as string[]);
    return { ms, ...Object.fromEntries(Object.entries(PROBES).map(([name, match]) => [name, calls.filter(match).length])) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const rows: Record<string, string | number>[] = [];
for (const command of [["plan"], ["preflight"]]) {
  const trees = BASELINE ? [["baseline", BASELINE], ["this tree", HERE]] : [["this tree", HERE]];
  const runs = new Map<string, Record<string, number>[]>(trees.map(([label]) => [label!, []]));
  for (let i = 0; i < RUNS; i++) for (const [label, tree] of trees) runs.get(label!)!.push(once(tree!, command));
  for (const [label, results] of runs) {
    const row: Record<string, string | number> = { command: command.join(" "), tree: label, "median ms": Math.round(median(results.map((r) => r["ms"]!))) };
    for (const name of Object.keys(PROBES)) row[name] = median(results.map((r) => r[name]!));
    rows.push(row);
  }
}
console.table(rows);
