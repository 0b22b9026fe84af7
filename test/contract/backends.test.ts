/**
 * The contract every backend must pass, built-in or plugin: run against each of them.
 */
import { describe, expect, test } from "bun:test";
import * as v from "valibot";
import { join } from "node:path";
import { parseManifest } from "../../src/core/load-manifest.ts";
import { BUILTIN_BACKENDS } from "../../src/backends/builtin.ts";
import { loadPlugin } from "../../src/plugins/load-plugin.ts";
import { BackendShape, PlanShape } from "../../src/plugins/plugin-contract.ts";
import type { Backend, BackendDeps, BasePlan, HostFacts } from "../../src/plugins/types.ts";
import { fakeRunner, missing } from "../helpers/fake-runner.ts";
import { ROOT } from "../helpers/spawn.ts";

const example = await loadPlugin(join(ROOT, "examples/plugins/docker-gvisor.ts"));
if (!example.ok) throw new Error(example.reason);
const backends: [string, Backend<BasePlan>][] = [...BUILTIN_BACKENDS.map((b) => [b.name, b as Backend<BasePlan>] as [string, Backend<BasePlan>]), ["docker-gvisor (example plugin)", example.backend]];

const facts: HostFacts = { home: "/state", platform: "linux", arch: "x64", user: { uid: 1000, gid: 1000 }, usedSubnets: [{ cidr: "192.168.1.0/24", source: "route" }], backend: { smolvmVersion: "1.9.3" } };
const bottle = parseManifest('name = "contract"\n[agent.env]\nEDITOR = "vi"\n[egress]\nallow = ["api.anthropic.com"]\n', "/p/bottle.toml");

describe.each(backends)("%s", (_label, backend) => {
  test("has the contract's shape", () => {
    expect(v.safeParse(BackendShape, backend).success).toBe(true);
  });

  test("plan is pure, deterministic, JSON-printable and well-formed", () => {
    const first = backend.plan(bottle, facts);
    const second = backend.plan(bottle, facts);
    expect(JSON.stringify(first)).toBe(JSON.stringify(second));
    expect(JSON.parse(JSON.stringify(first))).toEqual(first);
    expect(v.safeParse(PlanShape, first).success).toBe(true);
    expect(first.isolation.length).toBeGreaterThan(0);
  });

  test("the agent reaches the bundle by IP literal and nothing overrides it", () => {
    const plan = backend.plan(bottle, facts);
    expect(plan.env["HTTPS_PROXY"]).toBe(`http://${plan.bundleIp}:8888`);
    expect(plan.env["https_proxy"]).toBe(`http://${plan.bundleIp}:8888`);
    expect(plan.env["NODE_EXTRA_CA_CERTS"]).toBe("/etc/claude-bottle/bundle-ca.crt");
    expect(plan.env["EDITOR"]).toBe("vi");
    expect(plan.bundleSubnet).not.toBe("192.168.1.0/24");
  });

  test("render returns private files inside the state dir", () => {
    for (const file of backend.render(backend.plan(bottle, facts))) {
      expect(file.name).not.toStartWith("/");
      expect(file.name).not.toContain("..");
      expect(file.mode & 0o077).toBe(0);
    }
  });

  test("preflight reports every finding with a code, and a fix for each problem", async () => {
    const deps: BackendDeps = { runner: fakeRunner([], missing), fs: { exists: async () => false, canReadWrite: async () => false } as never, env: {}, log: { info() {}, warn() {} } };
    const findings = await backend.preflight(backend.plan(bottle, facts), deps);
    expect(findings.some((f) => f.level === "fail")).toBe(true);
    for (const finding of findings) {
      expect(finding.code).toMatch(/^[A-Z][A-Z0-9_]+$/);
      if (finding.level !== "ok") expect(finding.fix?.length ?? 0).toBeGreaterThan(0);
    }
  });

  test("launch builds steps with unique ids and undo, changing nothing while building", () => {
    const runner = fakeRunner([]);
    const steps = backend.launch(backend.plan(bottle, facts));
    expect(new Set(steps.map((s) => s.id)).size).toBe(steps.length);
    for (const step of steps) {
      expect(typeof step.run).toBe("function");
      expect(typeof step.undo).toBe("function");
    }
    expect(steps[0]!.id).toBe("bundle-network");
    expect(runner.calls).toEqual([]);
  });
});
