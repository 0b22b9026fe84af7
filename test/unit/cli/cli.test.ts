import { describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "smol-toml";
import { runCli, tempDir } from "../../helpers/cli.ts";
import { fakeRunner, prefix } from "../../helpers/fake-runner.ts";

function project(manifest = 'name = "web"\n'): string {
  const dir = tempDir("proj");
  writeFileSync(join(dir, "bottle.toml"), manifest);
  return dir;
}

describe("claude-bottle CLI", () => {
  test("--version prints the version", async () => {
    expect(await runCli(["--version"])).toEqual({ code: 0, stdout: "claude-bottle 0.1.0\n", stderr: "" });
  });

  test("plan --json prints the fields tools depend on", async () => {
    const home = tempDir("home");
    const result = await runCli(["--home", home, "plan", "--json"], { cwd: project() });
    expect(result.code).toBe(0);
    const plan = JSON.parse(result.stdout);
    for (const key of ["backend", "slug", "bundleSubnet", "bundleGateway", "bundleIp", "smolfilePath", "env"]) expect(plan).toHaveProperty(key);
    expect(plan.smolfilePath).toBe(join(home, "bottles/web/Smolfile"));
    expect(plan.env.HTTPS_PROXY).toBe(`http://${plan.bundleIp}:8888`);
  });

  test("CLAUDE_BOTTLE_HOME and XDG_STATE_HOME choose the state dir", async () => {
    const cwd = project();
    const viaEnv = JSON.parse((await runCli(["plan", "--json"], { cwd, env: { CLAUDE_BOTTLE_HOME: "/srv/cb" } })).stdout);
    expect(viaEnv.stateDir).toBe("/srv/cb/bottles/web");
    const viaXdg = JSON.parse((await runCli(["plan", "--json"], { cwd, env: { XDG_STATE_HOME: "/xdg" } })).stdout);
    expect(viaXdg.stateDir).toBe("/xdg/claude-bottle/bottles/web");
    const fallback = JSON.parse((await runCli(["plan", "--json"], { cwd })).stdout);
    expect(fallback.stateDir).toBe("/nonexistent-home/.local/state/claude-bottle/bottles/web");
  });

  test("render writes a private Smolfile, parsed back, and claims the subnet", async () => {
    const home = tempDir("home");
    const result = await runCli(["--home", home, "render"], { cwd: project() });
    expect(result.code).toBe(0);
    const dir = join(home, "bottles/web");
    expect(readdirSync(dir).sort()).toEqual(["Smolfile", "bundle", "subnet"]);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, "Smolfile")).mode & 0o777).toBe(0o600);
    const smolfile = parse(readFileSync(join(dir, "Smolfile"), "utf8")) as { network: { allow_cidrs: string[] } };
    const claim = readFileSync(join(dir, "subnet"), "utf8").trim();
    expect(smolfile.network.allow_cidrs).toEqual([claim.replace(/0\/24$/, "2/32")]);
  });

  test("a second bottle planned after the first's render never gets the same /24", async () => {
    const home = tempDir("home");
    await runCli(["--home", home, "render"], { cwd: project('name = "one"\n[bundle]\nsubnet_pool = "10.77.0.0/24"') });
    const second = await runCli(["--home", home, "plan", "--json"], { cwd: project('name = "two"\n[bundle]\nsubnet_pool = "10.77.0.0/23"') });
    expect(JSON.parse(second.stdout).bundleSubnet).toBe("10.77.1.0/24");
  });

  test("render --out writes elsewhere and claims nothing", async () => {
    const home = tempDir("home");
    const out = join(tempDir("out"), "files");
    expect((await runCli(["--home", home, "render", "--out", out], { cwd: project() })).code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(["Smolfile", "bundle"]);
    expect(existsSync(join(home, "bottles"))).toBe(false);
  });

  test("an unwritable home is one clear error and leaves no file behind", async () => {
    const home = tempDir("home");
    writeFileSync(join(home, "bottles"), "a file where a directory should be");
    const result = await runCli(["--home", home, "render"], { cwd: project() });
    expect(result.code).toBe(73);
    expect(result.stderr).toStartWith(`error: Cannot write bottle files to "${join(home, "bottles/web")}": ENOTDIR\nhint: `);
  });

  test("a bad manifest exits 78 with every issue on its own line", async () => {
    const result = await runCli(["plan"], { cwd: project('name = "Bad"\nextra = 1\n') });
    expect(result.code).toBe(78);
    expect(result.stderr).toBe([
      'error: Cannot use manifest "' + result.stderr.split('"')[1] + '": 2 problems',
      "  name: must be 1-40 lowercase letters, digits or hyphens, starting and ending with a letter or digit",
      "  extra: unknown key (known here: name, backend, agent, egress, credentials, workspace, bundle)",
      "hint: see the manifest reference in the README, or run claude-bottle init for a commented example",
      "",
    ].join("\n"));
  });

  test("a missing manifest, unknown backend, unknown command and flag", async () => {
    expect((await runCli(["plan"])).code).toBe(78);
    const unknownBackend = await runCli(["plan"], { cwd: project('name = "web"\nbackend = "qemu"') });
    expect(unknownBackend.code).toBe(78);
    expect(unknownBackend.stderr).toContain('backend: unknown backend "qemu" (known: smolmachines, docker)');
    expect((await runCli(["launch-rockets"])).code).toBe(64);
    expect((await runCli(["plan", "--frobnicate"])).code).toBe(64);
  });

  test("stack traces only with --debug", async () => {
    const plain = await runCli(["plan"], { cwd: project("name =") });
    expect(plain.stderr).not.toContain("    at ");
    const debug = await runCli(["--debug", "plan"], { cwd: project("name =") });
    expect(debug.stderr).toContain("code: E_MANIFEST_SYNTAX");
    expect(debug.stderr).toContain("    at ");
  });

  test("init writes a starter that plans, and refuses to overwrite without --force", async () => {
    const cwd = join(tempDir("init"), "My Project");
    const { mkdirSync } = await import("node:fs");
    mkdirSync(cwd);
    expect((await runCli(["init"], { cwd })).code).toBe(0);
    const plan = await runCli(["plan", "--json"], { cwd });
    expect(JSON.parse(plan.stdout).slug).toBe("my-project");
    const again = await runCli(["init"], { cwd });
    expect(again.code).toBe(73);
    expect(again.stderr).toContain("hint: pass --force to overwrite it");
    expect((await runCli(["init", "--force"], { cwd })).code).toBe(0);
    // persist_home, uncommented, is planned.
    const { readFileSync, writeFileSync } = await import("node:fs");
    const written = readFileSync(join(cwd, "bottle.toml"), "utf8");
    expect(written).toContain("\n# persist_home = true\n");
    writeFileSync(join(cwd, "bottle.toml"), written.replace("# persist_home = true", "persist_home = true"));
    expect(JSON.parse((await runCli(["plan", "--json"], { cwd })).stdout).persistHome).toBe(true);
  });

  test("init into a directory that does not exist, or onto a directory: one message, exit 73, nothing written", async () => {
    const cwd = tempDir("init-missing");
    const missing = await runCli(["init", "no-such-dir/bottle.toml"], { cwd });
    expect(missing).toEqual({
      code: 73,
      stdout: "",
      stderr: `error: Cannot write "${join(cwd, "no-such-dir/bottle.toml")}": the directory "${join(cwd, "no-such-dir")}" does not exist\n`
        + `hint: create it first (mkdir -p ${join(cwd, "no-such-dir")}), or name a file in an existing directory\n`,
    });
    const { mkdirSync } = await import("node:fs");
    mkdirSync(join(cwd, "sub"));
    for (const args of [["init", "sub"], ["init", "--force", "sub"]]) {
      const onDir = await runCli(args, { cwd });
      expect({ code: onDir.code, stderr: onDir.stderr }).toEqual({
        code: 73,
        stderr: `error: Cannot write "${join(cwd, "sub")}": it is a directory\nhint: name a file, e.g. sub/bottle.toml\n`,
      });
    }
    expect(readdirSync(cwd)).toEqual(["sub"]);
    expect(readdirSync(join(cwd, "sub"))).toEqual([]);
  });

  test("init in a git repository writes the workspace, and a credential that plans once uncommented", async () => {
    const { mkdirSync, readFileSync, writeFileSync } = await import("node:fs");
    const { spawnSync } = await import("node:child_process");
    const { nodeRunner } = await import("../../../src/runtime/node-runner.ts");
    const cwd = join(tempDir("init-git"), "repo");
    mkdirSync(cwd);
    const git = (...args: string[]) => spawnSync("git", ["-c", "user.email=a@b.test", "-c", "user.name=a", ...args], { cwd });
    git("init", "-q", "-b", "main", ".");
    git("commit", "-q", "--allow-empty", "-m", "start");
    const env = { PATH: process.env["PATH"] ?? "", ANTHROPIC_API_KEY: "sk-ant-test" };
    const cli = (args: string[]) => runCli(args, { cwd, env, runner: nodeRunner(env) });
    expect((await cli(["init"])).code).toBe(0);
    const written = readFileSync(join(cwd, "bottle.toml"), "utf8");
    expect(written).toContain("\n[workspace]\n");
    expect(written).toContain('\n# [credentials.ANTHROPIC_API_KEY]\n# from_env = "ANTHROPIC_API_KEY"\n');
    expect(JSON.parse((await cli(["plan", "--json"])).stdout).workspace).toMatchObject({ repo: cwd, refs: ["refs/heads/main"], push: ["claude/*"] });
    writeFileSync(join(cwd, "bottle.toml"), written.replace("# [credentials.", "[credentials.").replace('# from_env = "ANTHROPIC', 'from_env = "ANTHROPIC'));
    const plan = await cli(["plan", "--json"]);
    expect({ code: plan.code, stderr: plan.stderr }).toEqual({ code: 0, stderr: "" });
    expect(plan.stdout).not.toContain("sk-ant-test");
    writeFileSync(join(cwd, "bottle.toml"), 'name = "off"\n[workspace]\nenabled = false\n');
    const off = await cli(["plan", "--json"]);
    expect({ code: off.code, workspace: JSON.parse(off.stdout).workspace }).toEqual({ code: 0, workspace: undefined });
    // Outside a repository the workspace is there to read, commented.
    const plain = tempDir("init-plain");
    expect((await runCli(["init"], { cwd: plain })).code).toBe(0);
    expect(readFileSync(join(plain, "bottle.toml"), "utf8")).toContain("\n# [workspace]\n");
  });

  test("backends --json lists smolmachines with its capabilities", async () => {
    const list = JSON.parse((await runCli(["backends", "--json"])).stdout);
    expect(list[0]).toMatchObject({ name: "smolmachines", apiVersion: 2, source: "built-in", isolation: "microvm", binaries: ["smolvm", "docker"], network: { isolated: false } });
    // The people's view shows the capability data too: what confines the agent, what must be on PATH.
    const human = (await runCli(["backends"])).stdout;
    expect(human).toStartWith("smolmachines   microvm   built-in\n  microVM (libkrun via smolvm); the guest can dial only its bundle's /32\n"
      + "  network: smolvm allow_cidrs = [<bundle-ip>/32]; bundle on its own docker network\n  needs on PATH: smolvm, docker\n");
  });

  test("preflight exits 69 when a check fails, 0 when all pass", async () => {
    const cwd = project();
    const failing = await runCli(["preflight", "--json"], { cwd });
    expect(failing.code).toBe(69);
    expect(JSON.parse(failing.stdout).ok).toBe(false);
    // A host with everything: docker answers, both images are present and complete, no route in the way.
    const ready = fakeRunner([
      [prefix("docker", "version"), { stdout: "20.10.24\n" }],
      [prefix("docker", "image", "inspect"), { stdout: `sha256:${"0".repeat(64)}\n` }],
      [prefix("docker", "run", "--rm"), { stdout: "tool claude /c\ntool git /g\ntool sh /s\ntool sleep /t\nuid 1000\nhome /h\nhome-writable yes\n" }],
    ], { exitCode: 0 });
    const passing = await runCli(["preflight", "--json"], { cwd: project('name = "web"\nbackend = "docker"\n'), runner: ready });
    const report = JSON.parse(passing.stdout);
    expect(report.findings.filter((f: { level: string }) => f.level === "fail")).toEqual([]);
    expect(report.ok).toBe(true);
    expect(passing.code).toBe(0);
  });
});

test("agent-supplied text is shown with control characters escaped", async () => {
  const { formatAuditLine, terminalSafe } = await import("../../../src/cli/report.ts");
  expect(terminalSafe("evil\u001b[2J\u001b]0;pwned\u0007")).toBe("evil\\x1b[2J\\x1b]0;pwned\\x07");
  const line = JSON.stringify({ time: "t", decision: "refused", kind: "dns", host: "x\u001b[31m.test", rule: "dns-sink" });
  expect(formatAuditLine(line)).toBe("t REFUSED dns x\\x1b[31m.test [dns-sink]");
});
