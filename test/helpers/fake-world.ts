/**
 * A host made of the fake `smolvm` and `docker` in test/fixtures/bin, with state in a temp dir:
 * the real runner runs them, so whole command sequences are exercised and checked.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { nodeRunner } from "../../src/runtime/node-runner.ts";
import { nodeFs } from "../../src/runtime/node-fs.ts";
import type { Fs } from "../../src/core/fs.ts";
import type { HttpProbe } from "../../src/plugins/types.ts";
import { runCli, tempDir, type CliResult } from "./cli.ts";
import { ROOT } from "./spawn.ts";

export const FAKE_BIN = join(ROOT, "test/fixtures/bin");

export interface FakeWorld {
  readonly dir: string;
  readonly home: string;
  readonly project: string;
  readonly env: Record<string, string>;
  cli(args: string[], extra?: { env?: Record<string, string>; interrupt?: AbortSignal; http?: HttpProbe}): Promise<CliResult>;
  /** Every argv the fakes were called with. */
  calls(): string[][];
  machines(): string[];
  networks(): string[];
  containers(): string[];
  orphans(): string[];
  machineFile(name: string, file: string): string;
}

/** /dev/kvm exists and is ours, whatever this machine has. */
const fsWithKvm: Fs = {
  ...nodeFs,
  exists: (path) => (path === "/dev/kvm" ? Promise.resolve(true) : nodeFs.exists(path)),
  canReadWrite: (path) => (path === "/dev/kvm" ? Promise.resolve(true) : nodeFs.canReadWrite(path)),
};

function list(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).sort() : [];
}

export function fakeWorld(options: { smolvm?: string; manifest?: string; env?: Record<string, string>; noBundleImage?: boolean } = {}): FakeWorld {
  const dir = tempDir("world");
  const state = join(dir, "state");
  const home = join(dir, "home");
  const project = join(dir, "project");
  mkdirSync(join(state, "docker/images"), { recursive: true });
  mkdirSync(project);
  writeFileSync(join(state, "docker/images/claude-bottle_latest"), "a".repeat(64));
  if (!options.noBundleImage) writeFileSync(join(state, "docker/images/claude-bottle-bundle_latest"), "b".repeat(64));
  writeFileSync(join(project, "bottle.toml"), options.manifest ?? 'name = "web"\n[egress]\nallow = ["api.anthropic.com"]\n');
  const env: Record<string, string> = {
    PATH: `${FAKE_BIN}:/usr/bin:/bin`,
    FAKE_STATE: state,
    FAKE_LOG: join(dir, "calls.jsonl"),
    FAKE_SMOLVM_VERSION: options.smolvm ?? "1.9.3",
    ...options.env,
  };
  // Readiness: a bundle is "up" when the fake engine has a running container at that IP.
  const http: HttpProbe = {
    async get(url) {
      const host = new URL(url).hostname;
      const containers = join(state, "docker/containers");
      const addresses = (name: string) => [readFileSync(join(containers, name, "ip"), "utf8"), ...(existsSync(join(containers, name, "extra-ips")) ? readFileSync(join(containers, name, "extra-ips"), "utf8").split("\n") : [])];
      const up = list(containers).some((name) => addresses(name).includes(host));
      return up ? { status: 200, body: "ok" } : { error: "connect ECONNREFUSED" };
    },
  };
  return {
    dir,
    home,
    project,
    env,
    cli(args, extra = {}) {
      const merged = { ...env, ...extra.env };
      return runCli(["--home", home, ...args], { cwd: project, env: merged, runner: nodeRunner(merged), fs: fsWithKvm, http: extra.http ?? http, ...(extra.interrupt ? { interrupt: extra.interrupt } : {}) });
    },
    calls: () => (existsSync(env.FAKE_LOG!) ? readFileSync(env.FAKE_LOG!, "utf8").trim().split("\n").filter(Boolean).map((line) => JSON.parse(line)) : []),
    machines: () => list(join(state, "smolvm/machines")),
    networks: () => list(join(state, "docker/networks")),
    containers: () => list(join(state, "docker/containers")),
    orphans: () => list(join(state, "smolvm/orphans")),
    machineFile: (name, file) => readFileSync(join(state, "smolvm/machines", name, file), "utf8"),
  };
}
