/**
 * The git gate on loopback, side by side in one run (median of RUNS, interleaved):
 *   clone:  a repository with a ~25 MiB pack through the gate (smart HTTP upload-pack, the bundle
 *           in its own process; and the gate's dumb HTTP, GIT_SMART_HTTP=0) vs `git clone` of the
 *           same mirror over file:// (git's own transport), and vs python3's static file server
 *           over the same mirror (dumb HTTP without the gate)
 *   push:   1 MiB and 20 MiB of new (incompressible) data through the gate vs to a local bare repo
 *   import: the host's import of each gate push into the mirror (index-pack --strict, checks, refs)
 * Run: bun bench/gate.ts
 */
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildMirror } from "../src/workspace/mirror.ts";
import { importPushes } from "../src/workspace/import-push.ts";
import { nodeFs } from "../src/runtime/node-fs.ts";
import { nodeRunner } from "../src/runtime/node-runner.ts";

const RUNS = Number(process.env["RUNS"] ?? 5);
const root = join(import.meta.dir, "..");
const work = mkdtempSync(join(tmpdir(), "bench-gate-"));
const env = {
  PATH: process.env["PATH"] ?? "",
  HOME: work,
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_AUTHOR_NAME: "b",
  GIT_AUTHOR_EMAIL: "b@bench.invalid",
  GIT_COMMITTER_NAME: "b",
  GIT_COMMITTER_EMAIL: "b@bench.invalid",
};
const deps = { runner: nodeRunner(env), fs: nodeFs };

function git(args: string[], cwd?: string, extra: Record<string, string> = {}): string {
  const result = spawnSync("git", args, { cwd, env: { ...env, ...extra }, encoding: "utf8" });
  if (result.status !== 0) throw new Error(`git ${args.join(" ")}: ${result.stderr}`);
  return result.stdout.trim();
}

/** Times an async git run (the gate answers in another process, so a blocking spawn is fine too). */
function timed(args: string[], cwd?: string, extra: Record<string, string> = {}): number {
  const started = performance.now();
  git(args, cwd, extra);
  return performance.now() - started;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

// A user repository whose pack is ~25 MiB: 50 commits of a 512 KiB random file each.
const repo = join(work, "user");
git(["init", "-q", "-b", "main", repo]);
for (let index = 0; index < 50; index++) {
  writeFileSync(join(repo, `data-${index % 10}.bin`), randomBytes(512 * 1024));
  git(["add", "."], repo);
  git(["commit", "-q", "-m", `c${index}`], repo);
}
const state = join(work, "state");
const paths = {
  mirror: join(state, "mirror.git"),
  quarantine: join(state, "quarantine"),
  imported: join(state, "imported"),
  rejected: join(state, "rejected"),
  scratch: join(state, "scratch"),
};
await nodeFs.makeDir(state, 0o700);
await buildMirror(deps, { repo, refs: [], path: paths.mirror });
const packBytes = Number(git(["count-objects", "-v"], paths.mirror).match(/size-pack: (\d+)/)?.[1]) * 1024;

writeFileSync(join(state, "supervise.token"), "t".repeat(64));
const config = {
  version: 1,
  bottle: "bench",
  bundleIp: "127.0.0.1",
  subnet: "192.0.2.0/24",
  listen: "127.0.0.1",
  ports: { proxy: 0, gitGate: 0, supervise: 0, dns: 0 },
  allow: [],
  workspace: {
    mirror: paths.mirror,
    quarantine: paths.quarantine,
    push: ["claude/*"],
    exposed: ["refs/heads/main"],
    maxBytes: 256 * 1024 * 1024,
    maxObjects: 1_000_000,
  },
};
writeFileSync(join(state, "bundle.json"), JSON.stringify(config));
const bundle = spawn(
  join(root, "node_modules/.bin/bun"),
  ["src/main.ts", "bundle", "serve", "--config", join(state, "bundle.json")],
  { cwd: root, env },
);
const port = await new Promise<number>((resolve) => {
  let out = "";
  bundle.stdout.on("data", (chunk) => {
    out += chunk;
    const line = out.split("\n").find((candidate) => candidate.includes('"listening"'));
    if (line) resolve(JSON.parse(line).ports.gitGate);
  });
});
const url = `http://127.0.0.1:${port}/workspace.git`;

// A plain static file server over the same mirror: what git's dumb-HTTP client costs by itself.
const staticServer = spawn("python3", ["-u", "-m", "http.server", "0", "--bind", "127.0.0.1", "--directory", state], { env });
const staticPort = await new Promise<number>((resolve) => {
  let out = "";
  staticServer.stdout.on("data", (chunk) => {
    out += chunk;
    const match = /port (\d+)/.exec(out);
    if (match) resolve(Number(match[1]));
  });
});

const clones = { gate: [] as number[], dumb: [] as number[], file: [] as number[], static: [] as number[] };
for (let run = 0; run < RUNS; run++) {
  for (const [kind, source] of [
    ["gate", url],
    ["dumb", url],
    ["file", `file://${paths.mirror}`],
    ["static", `http://127.0.0.1:${staticPort}/mirror.git`],
  ] as const) {
    const dest = join(work, `clone-${kind}-${run}`);
    clones[kind].push(timed(["clone", "-q", source, dest], undefined, kind === "dumb" ? { GIT_SMART_HTTP: "0" } : {}));
    rmSync(dest, { recursive: true, force: true });
  }
}

const agent = join(work, "agent");
git(["clone", "-q", url, agent]);
const bare = join(work, "bare.git");
git(["clone", "-q", "--bare", `file://${paths.mirror}`, bare]);
git(["remote", "add", "bare", bare], agent);
const pushes: Record<string, { gate: number[]; bare: number[]; import: number[] }> = {};
for (const size of [1, 20]) {
  const row: { gate: number[]; bare: number[]; import: number[] } = { gate: [], bare: [], import: [] };
  pushes[`${size} MiB`] = row;
  for (let run = 0; run < RUNS; run++) {
    git(["checkout", "-q", "-B", `claude/p${size}-${run}`, "main"], agent);
    writeFileSync(join(agent, "new.bin"), randomBytes(size * 1024 * 1024));
    git(["add", "new.bin"], agent);
    git(["commit", "-q", "-m", `push ${size} MiB`], agent);
    row.gate.push(timed(["push", "-q", "origin", "HEAD"], agent));
    row.bare.push(timed(["push", "-q", "bare", "HEAD"], agent));
    const [imported] = await importPushes(deps, paths, config.workspace);
    if (!imported?.ok) throw new Error(`import failed: ${imported?.reason}`);
    row.import.push(imported.durationMs);
  }
}
bundle.kill("SIGTERM");
staticServer.kill("SIGTERM");
rmSync(work, { recursive: true, force: true });

const ms = (value: number) => `${value.toFixed(0)} ms`;
console.log(
  `git ${git(["--version"]).replace("git version ", "")}, mirror pack ${(packBytes / 1024 / 1024).toFixed(1)} MiB, median of ${RUNS}\n`,
);
console.log("| case | through the gate | baseline | ratio |\n|---|---:|---:|---:|");
console.log(
  `| clone, smart HTTP (baseline: git clone file://) | ${ms(median(clones.gate))} | ${ms(median(clones.file))} | ${(median(clones.gate) / median(clones.file)).toFixed(2)}× |`,
);
console.log(
  `| clone, the gate's dumb HTTP (baseline: git clone file://) | ${ms(median(clones.dumb))} | ${ms(median(clones.file))} | ${(median(clones.dumb) / median(clones.file)).toFixed(2)}× |`,
);
console.log(
  `| clone, the gate's dumb HTTP (baseline: python3 -m http.server, dumb HTTP) | ${ms(median(clones.dumb))} | ${ms(median(clones.static))} | ${(median(clones.dumb) / median(clones.static)).toFixed(2)}× |`,
);
for (const [size, row] of Object.entries(pushes)) {
  console.log(
    `| push ${size} (baseline: local bare repo) | ${ms(median(row.gate))} | ${ms(median(row.bare))} | ${(median(row.gate) / median(row.bare)).toFixed(2)}× |`,
  );
}
console.log("\n| host import of one push | median |\n|---|---:|");
for (const [size, row] of Object.entries(pushes)) console.log(`| ${size} | ${ms(median(row.import))} |`);
