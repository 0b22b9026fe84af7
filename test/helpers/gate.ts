/** A gate on loopback over a mirror of a real repository, torn down after each test. */
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { readFileSync } from "node:fs";
import { Audit } from "../../src/bundle/serve/audit.ts";
import { createGate, type GateConfig } from "../../src/bundle/serve/gate/gate.ts";
import { buildMirror, type MirrorInfo } from "../../src/workspace/mirror.ts";
import { importPushes, type ImportResult, type WorkspacePaths } from "../../src/workspace/import-push.ts";
import type { RefVetter } from "../../src/bundle/serve/gate/receive-pack.ts";
import type { Fs } from "../../src/core/fs.ts";
import type { PushInspector } from "../../src/bundle/serve/gate/push-canary.ts";
import { nodeFs } from "../../src/runtime/node-fs.ts";
import { nodeRunner } from "../../src/runtime/node-runner.ts";
import { tempDir } from "./cli.ts";
import { gitEnv, userRepo } from "./git.ts";

const closers: (() => Promise<void>)[] = [];

/** Stops the gates this file started; each test file registers it: afterEach(closeGates). */
export async function closeGates(): Promise<void> {
  for (const close of closers.splice(0)) await close();
}

export interface TestGate {
  readonly url: string;
  readonly port: number;
  readonly repo: string;
  readonly paths: WorkspacePaths;
  readonly info: MirrorInfo;
  readonly config: GateConfig;
  readonly auditPath: string;
  /** The host's import, as `pull` and `down` run it. */
  importNow(): Promise<ImportResult[]>;
  auditLines(): Promise<Record<string, unknown>[]>;
}

export const hostDeps = { runner: nodeRunner(gitEnv("/nonexistent-host-home")), fs: nodeFs };

export interface GateOptions {
  readonly repo?: string;
  readonly limits?: Partial<GateConfig["limits"]>;
  readonly push?: string[];
  readonly vet?: RefVetter;
  /** How long a push waits for the keeper's verdict. */
  readonly verdictWaitMs?: number;
  readonly inspect?: PushInspector;
  readonly onCanary?: (name: string) => void;
  /** The gate's and the audit's Fs (the host's import keeps the real one). */
  readonly fs?: Fs;
}

export async function startGate(options: GateOptions = {}): Promise<TestGate> {
  const repo = options.repo ?? (await userRepo());
  const state = tempDir("gate-state");
  const paths: WorkspacePaths = {
    mirror: join(state, "mirror.git"),
    quarantine: join(state, "quarantine"),
    imported: join(state, "imported"),
    rejected: join(state, "rejected"),
    scratch: join(state, "import-scratch"),
  };
  const info = await buildMirror(hostDeps, { repo, refs: [], path: paths.mirror });
  const config: GateConfig = {
    mirror: paths.mirror,
    quarantine: paths.quarantine,
    push: options.push ?? ["claude/*"],
    exposed: Object.keys(info.refs),
    limits: { maxBytes: 64 * 1024 * 1024, maxObjects: 100_000, ...options.limits },
    ...(options.verdictWaitMs === undefined ? {} : { verdictWaitMs: options.verdictWaitMs }),
  };
  const auditPath = join(state, "audit.jsonl");
  const fs = options.fs ?? nodeFs;
  const audit = new Audit({ path: auditPath, fs });
  const server = await createGate({
    bottle: "test",
    audit,
    fs,
    config,
    ...(options.vet ? { vet: options.vet } : {}),
    ...(options.inspect ? { inspect: options.inspect } : {}),
    ...(options.onCanary ? { onCanary: options.onCanary } : {}),
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  closers.push(async () => {
    server.closeAllConnections?.();
    await new Promise((resolve) => server.close(resolve));
    await audit.flushed();
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/workspace.git`,
    port,
    repo,
    paths,
    info,
    config,
    auditPath,
    importNow: () => importPushes(hostDeps, paths, config),
    async auditLines() {
      await audit.flushed();
      return readFileSync(auditPath, "utf8").trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>);
    },
  };
}
