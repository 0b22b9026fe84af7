/** Runs the CLI in-process against a Host made of data, capturing its output. */
import { run } from "../../src/cli/run.ts";
import type { Host } from "../../src/runtime/host.ts";
import { nodeFs } from "../../src/runtime/node-fs.ts";
import type { Runner } from "../../src/core/runner.ts";
import type { Fs } from "../../src/core/fs.ts";
import type { Processes } from "../../src/core/processes.ts";
import { fakeRunner } from "./fake-runner.ts";
import { fileLocks } from "../../src/runtime/file-locks.ts";
import type { HttpProbe } from "../../src/plugins/types.ts";
import { tempDir } from "./temp.ts";

export { tempDir };

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  cwd?: string;
  env?: Record<string, string>;
  runner?: Runner;
  platform?: string;
  http?: HttpProbe;
  fs?: Fs;
  /** The host user (files the bundle container reads are this user's). */
  user?: { uid: number; gid: number };
  /** Resolves when the in-process "server" should stop. */
  terminated?: Promise<string>;
  /** Aborts the launch as SIGINT would. */
  interrupt?: AbortSignal;
  /** Background processes: with them, `up` starts a real host keeper (give it the compiled binary). */
  processes?: Processes;
}

export async function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  let stdout = "";
  let stderr = "";
  const host: Host = {
    args,
    env: { PATH: "/nonexistent", ...options.env },
    cwd: options.cwd ?? tempDir(),
    userHome: "/nonexistent-home",
    platform: options.platform ?? "linux",
    arch: "x64",
    user: options.user ?? { uid: 1000, gid: 1000 },
    selfBinary: undefined, // in-process is never the compiled binary: test/e2e/first-use.test.ts is
    stdinIsTty: async () => false,
    stdout: (text) => void (stdout += text),
    stderr: (text) => void (stderr += text),
  };
  const code = await run(host, {
    fs: options.fs ?? nodeFs,
    runner: options.runner ?? fakeRunner([]),
    locks: fileLocks,
    http: options.http ?? { get: async () => ({ error: "no network in unit tests" }) },
    interrupts: () => ({ signal: options.interrupt ?? new AbortController().signal, dispose() {} }),
    terminated: () => options.terminated ?? new Promise(() => {}),
    ...(options.processes ? { processes: options.processes } : {}),
  });
  return { code, stdout, stderr };
}
