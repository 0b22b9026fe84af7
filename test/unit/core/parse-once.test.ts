/**
 * Parse once: the manifest gives typed values (Cidr, EgressRule[]) and bundle.json is read back
 * through the same schemas, so a value the host wrote is the value the bundle enforces.
 */
import { nodeFs } from "../../../src/runtime/node-fs.ts";
import { expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as v from "valibot";
import { parseManifest } from "../../../src/core/load-manifest.ts";
import { BundleConfigSchema, bundleConfig } from "../../../src/core/bundle-config.ts";
import { DEFAULT_APPROVAL_TTL_SECONDS } from "../../../src/core/egress-rule.ts";
import { loadBundleConfig } from "../../../src/bundle/serve/config.ts";
import { Policy } from "../../../src/bundle/serve/policy.ts";
import { docker } from "../../../src/backends/docker/index.ts";
import { planBottle } from "../../../src/lifecycle/bottle.ts";

const facts = { home: "/state", platform: "linux", arch: "x64", user: { uid: 1000, gid: 1000 }, usedSubnets: [], backend: undefined };

test("the manifest's pool and allowlist come out typed, with the text each rule was written as", () => {
  const { manifest } = parseManifest('name = "w"\n[egress]\nallow = ["API.example.com:8443", "*.github.com", "10.20.0.0/16"]\n[bundle]\nsubnet_pool = "10.9.0.0/16"', "/p");
  expect(manifest.bundle.subnet_pool).toEqual({ base: 0x0a090000, prefix: 16 });
  expect(manifest.egress.allow).toEqual([
    { kind: "host", source: "API.example.com:8443", host: "api.example.com", ports: [8443] },
    { kind: "suffix", source: "*.github.com", suffix: "github.com", ports: [443, 80] },
    { kind: "cidr", source: "10.20.0.0/16", cidr: { base: 0x0a140000, prefix: 16 }, ports: [] },
  ]);
});

test("bundle.json as rendered reads back through its schema to the manifest's typed rules", () => {
  const bottle = parseManifest('name = "w"\n[egress]\nallow = ["api.example.com", "10.20.0.0/16"]', "/p");
  const plan = planBottle(docker, bottle, facts);
  const read = v.parse(BundleConfigSchema, JSON.parse(JSON.stringify(bundleConfig(plan))));
  expect(read.allow).toEqual(bottle.manifest.egress.allow);
  expect(read.subnet).toEqual(v.parse(BundleConfigSchema.entries.subnet, plan.bundleSubnet));
});

test.each([
  ["192.168.5.0/33", "subnet"],
  ["192.168.5.1/24", "subnet"],
  ["not a subnet", "subnet"],
])("a bundle.json whose subnet is %p is an error naming it, never a guard dropped", async (subnet, path) => {
  const dir = mkdtempSync(join(tmpdir(), "cb-config-"));
  try {
    const file = join(dir, "bundle.json");
    writeFileSync(file, JSON.stringify({ version: 1, bottle: "w", bundleIp: "192.168.5.2", subnet, ports: { proxy: 0, gitGate: 0, supervise: 0, dns: 0 }, allow: [] }));
    const error = await loadBundleConfig(nodeFs, file).then(() => undefined, (e: { issues?: { path: string }[]; exitCode?: number }) => e);
    expect(error?.exitCode).toBe(78);
    expect(error?.issues?.map((issue) => issue.path)).toEqual([path]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("one TTL default: an approval without ttlSeconds lasts as long as `allow` says by default", async () => {
  const dir = mkdtempSync(join(tmpdir(), "cb-policy-"));
  try {
    const now = 1_000_000;
    const policy = new Policy([], join(dir, "approved.json"), { fs: nodeFs, now: () => now });
    const rule = await policy.approve("api.example.com", "ttl");
    expect(rule.expiresAt).toBe(now + DEFAULT_APPROVAL_TTL_SECONDS * 1000);
    expect(DEFAULT_APPROVAL_TTL_SECONDS).toBe(3600);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("[bundle.timeouts] reach bundle.json in seconds; unset ones keep the bundle's defaults", () => {
  const bottle = parseManifest('name = "w"\n[bundle.timeouts]\ndial = "5s"\nidle = "2m"', "/p");
  const read = v.parse(BundleConfigSchema, JSON.parse(JSON.stringify(bundleConfig(planBottle(docker, bottle, facts)))));
  expect(read.timeouts).toEqual({ dialSeconds: 5, idleSeconds: 120, bodySeconds: 10 });
  const unset = bundleConfig(planBottle(docker, parseManifest('name = "w"', "/p"), facts));
  expect("timeouts" in unset).toBe(false);
});

test.each([["soon"], ["0s"], ["8d"]])("[bundle.timeouts] idle = %p is a config error naming the key", (idle) => {
  let error: { exitCode?: number; issues?: { path: string; message: string }[] } | undefined;
  try {
    parseManifest(`name = "w"\n[bundle.timeouts]\nidle = "${idle}"`, "/p");
  } catch (caught) {
    error = caught as typeof error;
  }
  expect(error?.exitCode).toBe(78);
  expect(error?.issues?.map((issue) => issue.path)).toEqual(["bundle.timeouts.idle"]);
  expect(error?.issues?.[0]?.message).toMatch(/^must be (a duration|at most a week)/);
});
