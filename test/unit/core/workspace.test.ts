/** [workspace]: the manifest table, where the repository is found, and the plan made from them. */
import { describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseManifest } from "../../../src/core/load-manifest.ts";
import { planWorkspace } from "../../../src/core/workspace.ts";
import { findWorkspaceSource } from "../../../src/core/workspace-source.ts";
import { nodeFs } from "../../../src/runtime/node-fs.ts";
import { tempDir } from "../../helpers/cli.ts";

const manifest = (table: string) => `name = "w"\n[workspace]\n${table}\n`;

describe("the [workspace] table", () => {
  test("defaults: HEAD, /workspace, claude/*", () => {
    expect(parseManifest(manifest(""), "/p/bottle.toml").manifest.workspace).toEqual({ refs: ["HEAD"], path: "/workspace", push: ["claude/*"] });
    expect(parseManifest('name = "w"\n', "/p/bottle.toml").manifest.workspace).toBeUndefined();
  });

  test("enabled = false opts out; enabled = true is the default spelled out", () => {
    expect(parseManifest(manifest("enabled = false"), "/p/bottle.toml").manifest.workspace).toMatchObject({ enabled: false });
    expect(parseManifest(manifest("enabled = true"), "/p/bottle.toml").manifest.workspace).toEqual({ refs: ["HEAD"], path: "/workspace", push: ["claude/*"] });
  });

  test.each([
    ['refs = ["main"]', "workspace.refs.0", 'must be "HEAD" or a full branch name such as refs/heads/main'],
    ['refs = ["refs/tags/v1"]', "workspace.refs.0", 'must be "HEAD" or a full branch name such as refs/heads/main'],
    ['refs = ["refs/heads/--mirror"]', "workspace.refs.0", "ref name component starts with '-'"],
    ["refs = []", "workspace.refs", "must name a ref"],
    ['path = "workspace"', "workspace.path", "must be an absolute guest path of letters, digits, . _ - and /"],
    ['path = "/a/../etc"', "workspace.path", 'must not contain ".."'],
    ['path = "/work space"', "workspace.path", "must be an absolute guest path of letters, digits, . _ - and /"],
    ['push = ["claude/*", "-x"]', "workspace.push.1", "ref name component starts with '-'"],
    ['push = ["a b"]', "workspace.push.0", "ref name has a forbidden character"],
    ['push = [""]', "workspace.push.0", "must not be empty"],
    ['repo = ""', "workspace.repo", "must not be empty"],
    ["mirror = true", "workspace.mirror", "unknown key (known here: enabled, repo, refs, path, push)"],
    ['enabled = "no"', "workspace.enabled", 'expected boolean, got "no"'],
    ['enabled = false\npush = ["x/*"]', "workspace.enabled", "is false, so repo, refs, path and push would be ignored: remove them or remove enabled"],
  ])("%s is refused at %s", (line, path, message) => {
    const error = (() => {
      try {
        parseManifest(manifest(line), "/p/bottle.toml");
      } catch (caught) {
        return caught as { issues: { path: string; message: string }[] };
      }
      throw new Error("accepted");
    })();
    expect(error.issues).toContainEqual({ path, message });
  });
});

describe("findWorkspaceSource", () => {
  function tree(): string {
    const top = tempDir("ws-src");
    mkdirSync(join(top, ".git"));
    writeFileSync(join(top, ".git", "HEAD"), "ref: refs/heads/feature/x\n");
    mkdirSync(join(top, "sub", "deeper"), { recursive: true });
    return top;
  }

  test("walks up from the manifest to the work tree and reads its branch", async () => {
    const top = tree();
    expect(await findWorkspaceSource(nodeFs, join(top, "sub", "deeper", "bottle.toml"), undefined)).toEqual({ repo: top, head: "refs/heads/feature/x" });
  });

  test("a detached HEAD gives no branch; a linked worktree's .git file is followed", async () => {
    const top = tree();
    writeFileSync(join(top, ".git", "HEAD"), `${"a".repeat(40)}\n`);
    expect(await findWorkspaceSource(nodeFs, join(top, "bottle.toml"), undefined)).toEqual({ repo: top });
    const linked = tempDir("ws-linked");
    mkdirSync(join(top, ".git", "worktrees", "l"), { recursive: true });
    writeFileSync(join(top, ".git", "worktrees", "l", "HEAD"), "ref: refs/heads/l\n");
    writeFileSync(join(linked, ".git"), `gitdir: ${join(top, ".git", "worktrees", "l")}\n`);
    expect(await findWorkspaceSource(nodeFs, join(linked, "bottle.toml"), undefined)).toEqual({ repo: linked, head: "refs/heads/l" });
  });

  test("repo = names a work tree relative to the manifest, or is a config error", async () => {
    const top = tree();
    const elsewhere = tempDir("ws-manifest");
    const relative = join("..", top.split("/").pop() as string);
    expect(await findWorkspaceSource(nodeFs, join(elsewhere, "bottle.toml"), { repo: relative })).toEqual({ repo: top, head: "refs/heads/feature/x" });
    await expect(findWorkspaceSource(nodeFs, join(elsewhere, "bottle.toml"), { repo: "." })).rejects.toMatchObject({ exitCode: 78, issues: [{ path: "workspace.repo", message: `"${elsewhere}" has no .git` }] });
  });

  test("enabled = false: no workspace even inside a work tree", async () => {
    const top = tree();
    expect(await findWorkspaceSource(nodeFs, join(top, "bottle.toml"), { enabled: false })).toBeUndefined();
    expect(await findWorkspaceSource(nodeFs, join(top, "bottle.toml"), {})).toEqual({ repo: top, head: "refs/heads/feature/x" });
  });

  test("no repository: no workspace, unless [workspace] asks for one", async () => {
    const bare = tempDir("ws-none");
    expect(await findWorkspaceSource(nodeFs, join(bare, "bottle.toml"), undefined)).toBeUndefined();
    await expect(findWorkspaceSource(nodeFs, join(bare, "bottle.toml"), {})).rejects.toMatchObject({ exitCode: 78, issues: [{ path: "workspace.repo", message: "is required outside a git repository" }] });
  });
});

test("planWorkspace resolves HEAD to the branch, keeps order, and names the gate by the bundle's address", () => {
  const table = { refs: ["HEAD", "refs/heads/dev", "refs/heads/main"], path: "/src", push: ["agent/*"] };
  expect(planWorkspace(table, { repo: "/r", head: "refs/heads/main" }, "/h/bottles/w", "10.9.8.2")).toEqual({
    repo: "/r",
    refs: ["refs/heads/main", "refs/heads/dev"],
    path: "/src",
    push: ["agent/*"],
    url: "http://10.9.8.2:8889/workspace.git",
    dir: "/h/bottles/w/workspace",
    mirror: "/h/bottles/w/workspace/mirror.git",
    quarantine: "/h/bottles/w/workspace/quarantine",
  });
  expect(planWorkspace(undefined, { repo: "/r" }, "/s", "10.0.0.2")?.refs).toEqual([]);
  expect(planWorkspace(table, undefined, "/s", "10.0.0.2")).toBeUndefined();
});
