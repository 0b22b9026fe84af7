/** The workspace's preflight findings, the guest clone's argv and the bundle's mounts, from data. */
import { describe, expect, test } from "bun:test";
import { bundleRunArgv, type BundleArgvPlan } from "../../../src/bundle/docker-argv.ts";
import type { BackendDeps } from "../../../src/core/deps.ts";
import type { WorkspacePlan } from "../../../src/core/workspace.ts";
import { workspaceFindings } from "../../../src/workspace/workspace-preflight.ts";
import { guestCloneArgv } from "../../../src/workspace/workspace-steps.ts";
import { nodeFs } from "../../../src/runtime/node-fs.ts";
import { fakeRunner, missing, prefix, type FakeRule } from "../../helpers/fake-runner.ts";

const workspace: WorkspacePlan = {
  repo: "/r",
  refs: ["refs/heads/main"],
  path: "/workspace",
  push: ["claude/*"],
  url: "http://10.1.2.2:8889/workspace.git",
  dir: "/s/workspace",
  mirror: "/s/workspace/mirror.git",
  quarantine: "/s/workspace/quarantine",
};

function deps(rules: FakeRule[]): BackendDeps {
  return { runner: fakeRunner(rules), fs: nodeFs, env: {}, log: { info: () => {}, warn: () => {} } };
}

const hostGit: FakeRule = [prefix("git", "--version"), { stdout: "git version 2.39.5\n" }];
const refOk: FakeRule = [(argv) => argv.includes("rev-parse"), { stdout: "abc\n" }];
const imageGit: FakeRule = [prefix("docker", "run"), { stdout: "git version 2.45.0\n" }];

describe("workspaceFindings", () => {
  test("all present: three ok findings; no workspace: none", async () => {
    const findings = await workspaceFindings(deps([hostGit, refOk, imageGit]), workspace, "agent:1");
    expect(findings.map((finding) => [finding.code, finding.level])).toEqual([
      ["WORKSPACE_HOST_GIT", "ok"],
      ["WORKSPACE_REFS", "ok"],
      ["WORKSPACE_IMAGE_GIT", "ok"],
    ]);
    expect(findings[2]?.message).toBe("agent image agent:1 has git version 2.45.0");
    expect(await workspaceFindings(deps([]), undefined, "agent:1")).toEqual([]);
  });

  test("each missing piece fails with a fix", async () => {
    const noHostGit = await workspaceFindings(deps([[prefix("git"), missing], imageGit]), workspace, "a");
    expect(noHostGit[0]).toMatchObject({ code: "WORKSPACE_HOST_GIT", level: "fail", fix: "install git (apt-get install git), or remove [workspace] from bottle.toml" });
    const detached = await workspaceFindings(deps([hostGit, imageGit]), { ...workspace, refs: [] }, "a");
    expect(detached[1]).toMatchObject({ code: "WORKSPACE_REFS", level: "fail", fix: "check out a branch, or list branches in [workspace] refs" });
    const noRef = await workspaceFindings(deps([hostGit, [(argv) => argv.includes("rev-parse"), { exitCode: 1 }], imageGit]), workspace, "a");
    expect(noRef[1]).toMatchObject({ code: "WORKSPACE_REFS", level: "fail", message: '"refs/heads/main" names no commit in /r' });
    const noImageGit = await workspaceFindings(deps([hostGit, refOk, [prefix("docker", "run"), { exitCode: 127, stderr: "exec: git: not found" }]]), workspace, "a");
    expect(noImageGit[2]).toMatchObject({ code: "WORKSPACE_IMAGE_GIT", level: "fail" });
  });

  test("the image is checked offline, never pulled, with git as the entrypoint", async () => {
    const runner = fakeRunner([hostGit, refOk, imageGit]);
    await workspaceFindings({ runner, fs: nodeFs, env: {}, log: { info: () => {}, warn: () => {} } }, workspace, "agent:1");
    expect(runner.calls.find((argv) => argv[0] === "docker")).toEqual(["docker", "run", "--rm", "--pull", "never", "--network", "none", "--entrypoint", "git", "agent:1", "--version"]);
  });
});

test("the guest clone: origin is the gate, push.default current, an identity naming the bottle", () => {
  expect(guestCloneArgv({ slug: "web", workspace } as never)).toEqual([
    "git", "clone", "--quiet",
    "-c", "push.default=current",
    "-c", "user.name=Claude (bottle web)",
    "-c", "user.email=claude@web.bottle.invalid",
    "--", "http://10.1.2.2:8889/workspace.git", "/workspace",
  ]);
});

test("the bundle mounts the mirror read-only and the quarantine writable, only with a workspace", () => {
  const plan = {
    slug: "web", home: "/h", bundleSubnet: "10.1.2.0/24", bundleGateway: "10.1.2.1", bundleIp: "10.1.2.2",
    bundle: { placement: "docker", image: "b:1", networkName: "n", containerName: "c", dir: "/s/bundle", configPath: "/s/bundle/bundle.json", user: "1:1", allow: [], caCertPath: "/s/ca/ca.crt" },
  } as unknown as BundleArgvPlan;
  const mounts = (argv: string[]) => argv.flatMap((arg, index) => (argv[index - 1] === "--mount" ? [arg] : []));
  expect(mounts(bundleRunArgv(plan))).toEqual(["type=bind,source=/s/bundle,target=/bundle"]);
  expect(mounts(bundleRunArgv({ ...plan, workspace }))).toEqual([
    "type=bind,source=/s/bundle,target=/bundle",
    "type=bind,source=/s/workspace/mirror.git,target=/workspace/mirror.git,readonly",
    "type=bind,source=/s/workspace/quarantine,target=/workspace/quarantine",
  ]);
});
