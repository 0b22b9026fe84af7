import { describe, expect, test } from "bun:test";
import { parseManifest } from "../../../src/core/load-manifest.ts";
import { planSmolmachines } from "../../../src/backends/smolmachines/plan.ts";
import { preflightSmolmachines, egressFloorFinding } from "../../../src/backends/smolmachines/preflight.ts";
import type { BackendDeps, Finding, HostFacts } from "../../../src/plugins/types.ts";
import type { Fs } from "../../../src/core/fs.ts";
import { fakeRunner, missing, prefix, type FakeAnswer } from "../../helpers/fake-runner.ts";

const facts: HostFacts = { home: "/state", platform: "linux", arch: "x64", user: { uid: 1000, gid: 1000 }, usedSubnets: [], backend: {} };
const plan = planSmolmachines(parseManifest('name = "web"', "/p"), facts);

function fsWith(kvm: "rw" | "ro" | "absent"): Fs {
  return {
    exists: async (path) => path === "/dev/kvm" && kvm !== "absent",
    canReadWrite: async (path) => path === "/dev/kvm" && kvm === "rw",
  } as Fs;
}

interface Setup { smolvm?: FakeAnswer; docker?: FakeAnswer; routes?: string; kvm?: "rw" | "ro" | "absent"; env?: Record<string, string>; platform?: string; arch?: string }

async function findings(setup: Setup, options = {}): Promise<Record<string, Finding["level"]>> {
  const runner = fakeRunner([
    [prefix("smolvm", "--version"), setup.smolvm ?? { stdout: "smolvm 1.9.3\n" }],
    [prefix("docker", "version"), setup.docker ?? { stdout: "20.10.24\n" }],
    [prefix("docker", "network", "ls"), { stdout: "" }],
    [prefix("docker", "image", "inspect"), { stdout: "sha256:abc\n" }],
    [prefix("ip"), { stdout: setup.routes ?? "default via 10.0.0.1 dev eth0\n" }],
  ]);
  const deps: BackendDeps = { runner, fs: fsWith(setup.kvm ?? "rw"), env: setup.env ?? {}, log: { info() {}, warn() {} } };
  const p = { ...plan, host: { platform: setup.platform ?? "linux", arch: setup.arch ?? "x64" } };
  const list = await preflightSmolmachines(p, deps, options);
  for (const finding of list) if (finding.level !== "ok") expect(finding.fix).toBeTruthy();
  return Object.fromEntries(list.map((finding) => [finding.code, finding.level]));
}

describe("smolmachines preflight", () => {
  test("a good host passes every check", async () => {
    expect(await findings({})).toEqual({ SMOLVM_OK: "ok", EGRESS_FLOOR_OK: "ok", DOCKER_OK: "ok", AGENT_IMAGE_OK: "ok", KVM_OK: "ok", SUBNET_FREE: "ok" });
  });

  test("all failures are collected, not just the first", async () => {
    const result = await findings({ smolvm: missing, docker: { exitCode: 1, stderr: "Cannot connect to the Docker daemon" }, kvm: "absent" });
    expect(result).toMatchObject({ SMOLVM_MISSING: "fail", DOCKER_UNREACHABLE: "fail", KVM_MISSING: "fail" });
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
    expect((await findings({ smolvm: { stdout: "smolvm 0.8.0\n" } }, { allowUnenforcedEgress: true }))["SMOLVM_EGRESS_UNENFORCED"]).toBe("warn");
  });

  test("unreadable version and a broken wrapper fail", async () => {
    expect((await findings({ smolvm: { stdout: "something else 1.2.3" } }))["SMOLVM_VERSION_UNKNOWN"]).toBe("fail");
    expect((await findings({ smolvm: { exitCode: 1, stderr: "Error: smolvm binary not found at /x" } }))["SMOLVM_BROKEN"]).toBe("fail");
  });

  test("docker missing, kvm without permission", async () => {
    expect(await findings({ docker: missing, kvm: "ro" })).toMatchObject({ DOCKER_MISSING: "fail", KVM_PERMISSION: "fail" });
  });

  test("macOS: Apple silicon ok, Intel warns; other platforms fail", async () => {
    expect((await findings({ platform: "darwin", arch: "arm64" }))["HVF_OK"]).toBe("ok");
    expect((await findings({ platform: "darwin", arch: "x64" }))["HVF_UNTESTED"]).toBe("warn");
    expect((await findings({ platform: "win32" }))["PLATFORM_UNSUPPORTED"]).toBe("fail");
  });

  test("a route over the planned subnet fails the subnet check", async () => {
    expect((await findings({ routes: `${plan.bundleSubnet} dev wlan0 scope link\n` }))["SUBNET_IN_USE"]).toBe("fail");
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
