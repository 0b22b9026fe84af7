import { describe, expect, test } from "bun:test";
import { parseManifest } from "../../../src/core/load-manifest.ts";
import { smolmachines } from "../../../src/backends/smolmachines/index.ts";
import { preflightSmolmachines, egressFloorFinding } from "../../../src/backends/smolmachines/preflight.ts";
import { probeSmolvm, type SmolvmProbe } from "../../../src/backends/smolmachines/smolvm-probe.ts";
import type { BackendDeps } from "../../../src/core/deps.ts";
import type { Facts } from "../../../src/core/host-facts.ts";
import type { Finding } from "../../../src/core/step.ts";
import type { Fs } from "../../../src/core/fs.ts";
import { subnetFinding } from "../../../src/bundle/bundle-preflight.ts";
import { planBottle } from "../../../src/lifecycle/bottle.ts";
import { fakeRunner, missing, prefix, type FakeAnswer } from "../../helpers/fake-runner.ts";

const hostFacts = { home: "/state", platform: "linux", arch: "x64", user: { uid: 1000, gid: 1000 }, usedSubnets: [] };

function fsWith(kvm: "rw" | "ro" | "absent"): Fs {
  return {
    exists: async (path) => path === "/dev/kvm" && kvm !== "absent",
    canReadWrite: async (path) => path === "/dev/kvm" && kvm === "rw",
  } as Fs;
}

interface Setup { smolvm?: FakeAnswer; image?: FakeAnswer; kvm?: "rw" | "ro" | "absent"; env?: Record<string, string>; platform?: string; arch?: string }

async function findings(setup: Setup, options = {}): Promise<Record<string, Finding["level"]>> {
  const runner = fakeRunner([
    [prefix("smolvm", "--version"), setup.smolvm ?? { stdout: "smolvm 1.9.3\n" }],
    [prefix("docker", "image", "inspect"), setup.image ?? { stdout: `sha256:${"a".repeat(64)}\n` }],
    [prefix("docker", "run", "--rm"), { stdout: "tool claude /c\ntool git /g\ntool sh /s\nuid 1000\nhome /h\nhome-writable yes\n" }],
  ]);
  const deps: BackendDeps = { runner, fs: fsWith(setup.kvm ?? "rw"), env: setup.env ?? {}, log: { info() {}, warn() {} } };
  const facts: Facts<SmolvmProbe> = { ...hostFacts, platform: setup.platform ?? "linux", arch: setup.arch ?? "x64", backend: await probeSmolvm(runner) };
  const plan = planBottle(smolmachines, parseManifest('name = "web"', "/p"), facts);
  const list = await preflightSmolmachines(plan, facts, deps, options);
  for (const finding of list) if (finding.level !== "ok") expect(finding.fix).toBeTruthy();
  return Object.fromEntries(list.map((finding) => [finding.code, finding.level]));
}

describe("smolmachines preflight", () => {
  test("a good host passes every check", async () => {
    expect(await findings({})).toEqual({ SMOLVM_OK: "ok", GUEST_IMAGE_OK: "ok", DNS_SINK_OK: "ok", EGRESS_FLOOR_OK: "ok", AGENT_IMAGE_OK: "ok", AGENT_IMAGE_READY: "ok", KVM_OK: "ok" });
  });

  test.each([
    ["1.9.2", "DNS_NOT_SINKED", "warn"],
    ["1.9.3", "DNS_SINK_OK", "ok"],
  ])("smolvm %s: the guest's resolver → %s", async (version, code, level) => {
    const result = await findings({ smolvm: { stdout: `smolvm ${version}\n` } });
    expect(Object.entries(result).filter(([key]) => key.startsWith("DNS_"))).toEqual([[code, level as Finding["level"]]]);
  });

  test("all failures are collected, not just the first", async () => {
    const result = await findings({ smolvm: missing, image: { exitCode: 1, stderr: "No such image" }, kvm: "absent" });
    expect(result).toMatchObject({ SMOLVM_MISSING: "fail", AGENT_IMAGE_MISSING: "fail", KVM_MISSING: "fail" });
  });

  test.each([
    ["0.8.0", "SMOLVM_TOO_OLD", "fail"],
    ["1.1.2", "SMOLVM_TOO_OLD", "fail"],
    ["1.1.3", "SMOLVM_OK", "ok"],
    ["2.0.0", "SMOLVM_OK", "ok"],
  ])("smolvm %s → %s", async (version, code, level) => {
    expect((await findings({ smolvm: { stdout: `smolvm ${version}\n` } }))[code]).toBe(level as Finding["level"]);
  });

  test("an old smolvm passes only with the explicit override, as a warning", async () => {
    expect((await findings({ smolvm: { stdout: "smolvm 1.1.0\n" } }, { allowUnenforcedEgress: true }))).toMatchObject({ SMOLVM_EGRESS_UNENFORCED: "warn", GUEST_IMAGE_OK: "ok" });
  });

  test("a smolvm with no safe way to load the image fails even with the override: the plan refused it", async () => {
    expect((await findings({ smolvm: { stdout: "smolvm 1.0.1\n" } }, { allowUnenforcedEgress: true }))).toMatchObject({ SMOLVM_EGRESS_UNENFORCED: "warn", GUEST_IMAGE_REFUSED: "fail" });
  });

  test("unreadable version and a broken wrapper fail", async () => {
    expect((await findings({ smolvm: { stdout: "something else 1.2.3" } }))["SMOLVM_VERSION_UNKNOWN"]).toBe("fail");
    expect((await findings({ smolvm: { exitCode: 1, stderr: "Error: smolvm binary not found at /x" } }))["SMOLVM_BROKEN"]).toBe("fail");
  });

  test("docker missing, kvm without permission", async () => {
    expect(await findings({ image: missing, kvm: "ro" })).toMatchObject({ AGENT_IMAGE_UNKNOWN: "warn", KVM_PERMISSION: "fail" });
  });

  test("macOS: Apple silicon ok, Intel warns; other platforms fail", async () => {
    expect((await findings({ platform: "darwin", arch: "arm64" }))["HVF_OK"]).toBe("ok");
    expect((await findings({ platform: "darwin", arch: "x64" }))["HVF_UNTESTED"]).toBe("warn");
    expect((await findings({ platform: "win32" }))["PLATFORM_UNSUPPORTED"]).toBe("fail");
  });

  test("a route over the planned subnet fails the subnet check; the bottle's own claim does not", () => {
    const plan = planBottle(smolmachines, parseManifest('name = "web"', "/p"), { ...hostFacts, backend: { state: "missing" } });
    const used = (source: "route" | "bottle", owner?: string) => ({ usedSubnets: [{ cidr: plan.bundleSubnet, source, ...(owner ? { owner } : {}) }] });
    expect(subnetFinding(plan, used("route")).code).toBe("SUBNET_IN_USE");
    expect(subnetFinding(plan, used("bottle", "web")).code).toBe("SUBNET_FREE");
  });

  test.each([
    [{ SMOLVM_EGRESS_FLOOR: "strict" }, "fail"],
    [{ SMOLVM_PUBLISH_ADDR: "0.0.0.0" }, "fail"],
    [{ SMOLVM_PUBLISH_ADDR: "0.0.0.0", SMOLVM_EGRESS_FLOOR: "metadata" }, "ok"],
    [{ SMOLVM_PUBLISH_ADDR: "0.0.0.0", SMOLVM_EGRESS_ALLOW_PRIVATE: "1" }, "ok"],
    [{}, "ok"],
  ])("egress floor %p → %s", (env, level) => {
    expect(egressFloorFinding(env).level).toBe(level as Finding["level"]);
  });
});
