/**
 * `info.features.dnsSink` is read by the core: a backend that points the agent's resolver at the
 * bundle gets a bundle serving DNS on :53 (and the sysctl that lets it bind there); one that does
 * not gets neither, so the bundle listens on nothing the agent never uses.
 */
import { expect, test } from "bun:test";
import * as v from "valibot";
import { docker } from "../../../src/backends/docker/index.ts";
import { smolmachines } from "../../../src/backends/smolmachines/index.ts";
import { bundleFiles } from "../../../src/bundle/bundle-phases.ts";
import { bundleRunArgv } from "../../../src/bundle/docker-argv.ts";
import { BundleConfigSchema } from "../../../src/core/bundle-config.ts";
import { parseManifest } from "../../../src/core/load-manifest.ts";
import type { AnyBackend } from "../../../src/plugins/types.ts";
import { planBottle } from "../../../src/lifecycle/bottle.ts";
import { startBundle } from "../../helpers/bundle.ts";

const bottle = parseManifest('name = "web"\n', "/p/bottle.toml");
const host = { home: "/state", platform: "linux", arch: "x64", user: { uid: 1000, gid: 1000 }, usedSubnets: [] };
const withoutSink = (backend: AnyBackend): AnyBackend => ({ ...backend, info: { ...backend.info, features: { ...backend.info.features, dnsSink: false } } });

function bundleSide(backend: AnyBackend, own: unknown) {
  const plan = planBottle(backend, bottle, { ...host, backend: own });
  const config = bundleFiles(plan).find((file) => file.name === "bundle/bundle.json")!;
  const argv = bundleRunArgv(plan);
  return {
    dnsSink: plan.bundle.dnsSink,
    dnsPort: v.parse(BundleConfigSchema, JSON.parse(config.contents)).ports.dns,
    sysctl: argv.filter((_, i) => argv[i - 1] === "--sysctl"),
  };
}

test.each([
  ["docker", docker as AnyBackend, undefined],
  ["smolmachines", smolmachines as AnyBackend, { state: "found", version: [1, 9, 3] }],
])("%s: a backend with a DNS sink gets :53 and its sysctl; the same backend without one gets neither", (_name, backend, own) => {
  expect(bundleSide(backend, own)).toEqual({ dnsSink: true, dnsPort: 53, sysctl: ["net.ipv4.ip_unprivileged_port_start=53"] });
  expect(bundleSide(withoutSink(backend), own)).toEqual({ dnsSink: false, dnsPort: undefined, sysctl: [] });
});

test("a bundle whose config names no DNS port serves the rest and no DNS", async () => {
  const ports = { proxy: 0, gitGate: 0, supervise: 0 };
  const bundle = await startBundle(["api.example.com"], {}, { config: { ports } });
  expect(Object.keys(bundle.ports).sort()).toEqual(["gitGate", "proxy", "supervise"]);
  expect((await bundle.supervise("GET", "/status")).status).toBe(200);
});
