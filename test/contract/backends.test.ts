/**
 * The contract every backend must pass, built-in or plugin: run against each of them, through
 * the core's composition (the core plans the bundle, the backend its part).
 */
import { describe, expect, test } from "bun:test";
import * as v from "valibot";
import { join } from "node:path";
import { parseManifest } from "../../src/core/load-manifest.ts";
import type { BackendDeps } from "../../src/core/deps.ts";
import type { Facts } from "../../src/core/host-facts.ts";
import { BUILTIN_BACKENDS } from "../../src/backends/builtin.ts";
import { loadPlugin } from "../../src/plugins/load-plugin.ts";
import { pluginApi } from "../../src/plugin-api.ts";
import { AgentPlanShape, BackendShape, FindingsShape } from "../../src/plugins/plugin-contract.ts";
import type { AnyBackend } from "../../src/plugins/types.ts";
import { bottleFiles, bottleFindings, bottleSteps, planBottle } from "../../src/lifecycle/bottle.ts";
import { fakeRunner, missing } from "../helpers/fake-runner.ts";
import { ROOT } from "../helpers/spawn.ts";

const example = await loadPlugin(join(ROOT, "examples/plugins/docker-gvisor.ts"), pluginApi);
if (!example.ok) throw new Error(example.reason);
const backends: [string, AnyBackend][] = [...BUILTIN_BACKENDS.map((b): [string, AnyBackend] => [b.name, b]), ["docker-gvisor (example plugin)", example.backend]];

const smolvm = { state: "found", version: [1, 9, 3] } as const;
const facts: Facts<unknown> = { home: "/state", platform: "linux", arch: "x64", user: { uid: 1000, gid: 1000 }, usedSubnets: [{ cidr: "192.168.1.0/24", source: "route" }], backend: smolvm };
const bottle = parseManifest('name = "contract"\n[agent.env]\nEDITOR = "vi"\n[egress]\nallow = ["api.anthropic.com"]\n', "/p/bottle.toml");

describe.each(backends)("%s", (_label, backend) => {
  test("has the contract's shape", () => {
    expect(v.safeParse(BackendShape, backend).success).toBe(true);
  });

  test("plan is pure, deterministic, JSON-printable, and the backend's part is nested", () => {
    const first = planBottle(backend, bottle, facts);
    const second = planBottle(backend, bottle, facts);
    expect(JSON.stringify(first)).toBe(JSON.stringify(second));
    expect(JSON.parse(JSON.stringify(first))).toEqual(first);
    expect(v.safeParse(AgentPlanShape, first.agent).success).toBe(true);
    expect(first).toMatchObject({ planVersion: 2, backend: backend.name, isolation: backend.info.isolation, slug: "contract" });
  });

  test("the agent reaches the bundle by IP literal and nothing overrides it", () => {
    const plan = planBottle(backend, bottle, facts);
    expect(plan.env["HTTPS_PROXY"]).toBe(`http://${plan.bundleIp}:8888`);
    expect(plan.env["https_proxy"]).toBe(`http://${plan.bundleIp}:8888`);
    expect(plan.env["NODE_EXTRA_CA_CERTS"]).toBe("/etc/claude-bottle/bundle-ca.crt");
    expect(plan.env["EDITOR"]).toBe("vi");
    expect(plan.bundleSubnet).not.toBe("192.168.1.0/24");
  });

  test("the bundle's network follows info.network.isolated: an egress network exactly when isolated", () => {
    const plan = planBottle(backend, bottle, facts);
    expect(plan.bundle.egressNetwork !== undefined).toBe(backend.info.network.isolated);
  });

  test("render returns private files inside the state dir, the bundle config first", () => {
    const files = bottleFiles(backend, planBottle(backend, bottle, facts));
    expect(files[0]!.name).toBe("bundle/bundle.json");
    for (const file of files) {
      expect(file.name).not.toStartWith("/");
      expect(file.name).not.toContain("..");
      expect(file.mode & 0o077).toBe(0);
    }
  });

  test("preflight reports every finding with a code, and a fix for each problem", async () => {
    const deps: BackendDeps = { runner: fakeRunner([], missing), fs: { exists: async () => false, canReadWrite: async () => false } as never, env: {}, log: { info() {}, warn() {} } };
    const findings = await bottleFindings(backend, planBottle(backend, bottle, facts), facts, deps, {});
    expect(v.safeParse(FindingsShape, findings).success).toBe(true);
    expect(findings.some((f) => f.level === "fail")).toBe(true);
    for (const finding of findings) if (finding.level !== "ok") expect(finding.fix?.length ?? 0).toBeGreaterThan(0);
  });

  test("launch: the core's bundle steps first, then the backend's; unique ids", () => {
    const steps = bottleSteps(backend, planBottle(backend, bottle, facts));
    expect(new Set(steps.map((s) => s.id)).size).toBe(steps.length);
    const bundleIds = backend.info.network.isolated ? ["bundle-network", "bundle-egress-network", "bundle-container"] : ["bundle-network", "bundle-container"];
    expect(steps.slice(0, bundleIds.length).map((s) => s.id)).toEqual(bundleIds);
    expect(steps.length).toBeGreaterThan(bundleIds.length);
  });

  test("every undo goes through the runner it is given, and is idempotent: what is already gone is fine", async () => {
    const plan = planBottle(backend, bottle, facts);
    // The engine and smolvm say "already gone" to everything, in the words each uses.
    const runner = fakeRunner([], { exitCode: 1, stderr: "Error: No such container: x\nError: No such network: x\nError: vm not found: x" });
    const deps: BackendDeps = { runner, fs: { exists: async () => false, remove: async () => {} } as never, env: {}, log: { info() {}, warn() {} } };
    for (const step of bottleSteps(backend, plan).reverse()) await step.undo(deps, undefined);
    const touched = runner.calls.flat();
    // The undos removed this bottle's own resources by name, newest first: the network last.
    for (const name of [plan.bundle.containerName, plan.bundle.networkName]) expect(touched).toContain(name);
    expect(runner.calls.at(-1)).toEqual(["docker", "network", "rm", plan.bundle.networkName]);
  });
});
