/**
 * Golden files for what tools and the bundle read: bundle.json (read back through its schema),
 * `plan --json` and preflight output. A shape change is a visible diff; regenerate with
 * UPDATE_GOLDEN=1 after checking it is intended.
 */
import { expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as v from "valibot";
import { parseManifest } from "../../src/core/load-manifest.ts";
import { BundleConfigSchema } from "../../src/core/bundle-config.ts";
import { bundleFiles } from "../../src/bundle/bundle-phases.ts";
import { docker } from "../../src/backends/docker/index.ts";
import { planBottle } from "../../src/lifecycle/bottle.ts";
import { nodeFs } from "../../src/runtime/node-fs.ts";
import type { Fs } from "../../src/core/fs.ts";
import { runCli, tempDir } from "../helpers/cli.ts";
import { fakeRunner, prefix } from "../helpers/fake-runner.ts";

const GOLDEN = join(import.meta.dir, "../golden");

function golden(name: string, actual: string): void {
  const path = join(GOLDEN, name);
  if (process.env["UPDATE_GOLDEN"] === "1") writeFileSync(path, actual);
  expect(actual).toBe(readFileSync(path, "utf8"));
}

const MANIFEST = 'name = "golden"\n[agent.env]\nEDITOR = "vi"\n[egress]\nallow = ["api.anthropic.com", "*.github.com", "registry.npmjs.org:443", "10.20.0.0/16"]\n';

test("bundle.json: golden, and read back through the bundle's schema to the manifest's rules", () => {
  const bottle = parseManifest(MANIFEST, "/p/bottle.toml");
  const facts = { home: "/state", platform: "linux", arch: "x64", user: { uid: 1000, gid: 1000 }, usedSubnets: [], backend: undefined };
  const file = bundleFiles(planBottle(docker, bottle, facts)).find((f) => f.name === "bundle/bundle.json")!;
  golden("bundle.json", file.contents);
  const read = v.parse(BundleConfigSchema, JSON.parse(file.contents));
  expect(read.allow).toEqual(bottle.manifest.egress.allow);
  expect(read.listen).toBe("0.0.0.0");
});

/** A good host, as the fakes answer: smolvm 1.9.3, docker 20.10, images present and complete, KVM usable. */
const goodHost = () => fakeRunner([
  [prefix("smolvm", "--version"), { stdout: "smolvm 1.9.3\n" }],
  [prefix("docker", "version"), { stdout: "20.10.24\n" }],
  [prefix("docker", "network", "ls"), { stdout: "" }],
  [prefix("docker", "image", "inspect"), { stdout: `sha256:${"c".repeat(64)}\n` }],
  [prefix("docker", "run", "--rm"), { stdout: "tool claude /usr/local/bin/claude\ntool git /usr/bin/git\ntool sh /bin/sh\nuid 1000\nhome /home/agent\nhome-writable yes\n" }],
  [prefix("ip", "-4", "route", "show"), { stdout: "default via 10.0.0.1 dev eth0\n10.0.0.0/24 dev eth0 scope link\n" }],
]);
const kvm: Fs = { ...nodeFs, exists: async (p) => p === "/dev/kvm" || nodeFs.exists(p), canReadWrite: async (p) => p === "/dev/kvm" || nodeFs.canReadWrite(p) };

function project(): string {
  const dir = tempDir("golden");
  writeFileSync(join(dir, "bottle.toml"), MANIFEST);
  return dir;
}

test.each([
  ["plan.json", ["plan", "--json"]],
  ["plan.txt", ["plan"]],
  ["preflight.json", ["preflight", "--json"]],
  ["preflight.txt", ["preflight"]],
])("%s: golden", async (name, args) => {
  const result = await runCli(["--home", "/golden-home", ...args], { cwd: project(), runner: goodHost(), fs: kvm });
  expect(result.stderr).toBe("");
  expect(result.code).toBe(0);
  golden(name, result.stdout);
});
