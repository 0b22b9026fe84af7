/**
 * claude-bottle's own overhead for `up --detach` + `down`, side by side:
 *   instant:  an in-memory runner answering every docker/smolvm call at once (our code only)
 *   fakes:    the POSIX-sh fake executables from test/fixtures/bin (adds ~20 process spawns)
 * Run: bun bench/lifecycle.ts
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run } from "../src/cli/run.ts";
import { nodeFs } from "../src/runtime/node-fs.ts";
import { nodeRunner } from "../src/runtime/node-runner.ts";
import { fileLocks } from "../src/runtime/file-locks.ts";
import type { Runner, RunResult } from "../src/core/runner.ts";
import type { Fs } from "../src/core/fs.ts";

const FAKE_BIN = join(import.meta.dir, "../test/fixtures/bin");
const fs: Fs = { ...nodeFs, exists: (p) => (p === "/dev/kvm" ? Promise.resolve(true) : nodeFs.exists(p)), canReadWrite: (p) => (p === "/dev/kvm" ? Promise.resolve(true) : nodeFs.canReadWrite(p)) };

const instant: Runner = {
  async run(argv): Promise<RunResult> {
    const out = (stdout: string) => ({ argv, exitCode: 0, stdout, stderr: "", durationMs: 0 });
    const line = argv.join(" ");
    if (line === "smolvm --version") return out("smolvm 1.9.3\n");
    if (line.startsWith("docker version")) return out("20.10.24\n");
    if (line.startsWith("docker image inspect")) return out(`sha256:${"c".repeat(64)}\n`);
    if (line.startsWith("docker image save")) {
      writeFileSync(argv[4]!, "archive");
      return out("");
    }
    return out("");
  },
};

async function cycle(runner: Runner, env: Record<string, string>): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), "bench-life-"));
  mkdirSync(join(dir, "p"));
  writeFileSync(join(dir, "p/bottle.toml"), 'name = "bench"\n');
  mkdirSync(join(dir, "state/docker/images"), { recursive: true });
  writeFileSync(join(dir, "state/docker/images/claude-bottle_latest"), "a".repeat(64));
  writeFileSync(join(dir, "state/docker/images/claude-bottle-bundle_latest"), "b".repeat(64));
  const fullEnv = { ...env, FAKE_STATE: join(dir, "state") };
  const host = { args: [] as string[], env: fullEnv, cwd: join(dir, "p"), userHome: dir, platform: "linux", arch: "x64", user: { uid: 0, gid: 0 }, selfBinary: undefined, stdinIsTty: async () => false, stdout: () => {}, stderr: () => {} };
  const powers = { fs, runner: runner === instant ? instant : nodeRunner(fullEnv), locks: fileLocks, http: { get: async () => ({ status: 200, body: "ok" }) }, interrupts: () => ({ signal: new AbortController().signal, dispose() {} }), terminated: () => new Promise<string>(() => {}) };
  const started = performance.now();
  const up = await run({ ...host, args: ["--home", join(dir, "home"), "up", "--detach"] }, powers);
  const down = await run({ ...host, args: ["--home", join(dir, "home"), "down", "bench"] }, powers);
  const ms = performance.now() - started;
  rmSync(dir, { recursive: true, force: true });
  if (up !== 0 || down !== 0) throw new Error(`up ${up}, down ${down}`);
  return ms;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const runs = 15;
await cycle(instant, {});
const instantMs: number[] = [];
const fakeMs: number[] = [];
const fakeEnv = { PATH: `${FAKE_BIN}:/usr/bin:/bin`, FAKE_SMOLVM_VERSION: "1.9.3" };
for (let i = 0; i < runs; i++) {
  instantMs.push(await cycle(instant, {}));
  fakeMs.push(await cycle(nodeRunner(fakeEnv), fakeEnv));
}
console.log(`up --detach + down, instant in-memory runner (claude-bottle itself): median ${median(instantMs).toFixed(1)} ms  (target < 100 ms)`);
console.log(`up --detach + down, POSIX-sh fake executables (adds process spawns):  median ${median(fakeMs).toFixed(1)} ms`);
