/**
 * The workspace end to end in a real docker-backend bottle: up clones the project into the
 * agent's /workspace from the gate; the agent commits and pushes its branch; main, a tag and a
 * delete are refused with reasons; pull and diff bring the work to the host; down keeps what
 * was pushed and not pulled. Real git on both sides, the compiled binary in the bundle.
 */
import { afterAll, afterEach, beforeAll, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCli, tempDir } from "../helpers/cli.ts";
import { cleanHome, cleanupDocker, docker, requireDocker, sharedBundleImage, shInContainer as agentSh } from "../helpers/docker.ts";
import { standInAgentImage } from "../helpers/agent-images.ts";
import { gitEnv, gitOk } from "../helpers/git.ts";
import { compileLinuxBinary } from "../helpers/spawn.ts";
import { nodeRunner } from "../../src/runtime/node-runner.ts";
import { nodeFs } from "../../src/runtime/node-fs.ts";
import { httpProbe } from "../../src/runtime/http-probe.ts";

const run = `${process.pid}-${Date.now().toString(36)}`;
// A name per run: the subnet follows the name's hash; concurrent runs on one engine would race for it.
const NAME = `ws${process.pid % 100_000}`;
const AGENT = `claude-bottle-git-agent:test-${run}`;
let bundleImage = "";
const homes: string[] = [];

beforeAll(() => {
  requireDocker();
  bundleImage = sharedBundleImage(compileLinuxBinary);
  standInAgentImage(AGENT); // busybox + git + a claude stand-in: passes preflight's image checks
}, 240_000);

afterEach(() => {
  for (const home of homes.splice(0)) cleanHome(home);
});

afterAll(() => cleanupDocker());

test("clone, push, refusals, pull, diff and down in a docker bottle", async () => {
  const dir = tempDir("ws-bottle");
  const home = join(dir, "home");
  homes.push(home);
  const repo = join(dir, "project");
  mkdirSync(repo);
  const genv = gitEnv();
  await gitOk(["init", "-q", "-b", "main", repo], { env: genv });
  writeFileSync(join(repo, "bottle.toml"), `name = "${NAME}"\nbackend = "docker"\n[agent]\nimage = "${AGENT}"\n[bundle]\nimage = "${bundleImage}"\n`);
  writeFileSync(join(repo, "login.txt"), "broken\n");
  await gitOk(["add", "."], { cwd: repo, env: genv });
  await gitOk(["commit", "-q", "-m", "start"], { cwd: repo, env: genv });
  const start = await gitOk(["rev-parse", "HEAD"], { cwd: repo, env: genv });
  const env = { PATH: process.env["PATH"] ?? "", HOME: genv["HOME"] as string, GIT_CONFIG_NOSYSTEM: "1" };
  const cli = (args: string[]) => runCli(["--home", home, ...args], { cwd: repo, env, runner: nodeRunner(env), fs: nodeFs, http: httpProbe, user: { uid: process.getuid!(), gid: process.getgid!() } });

  const plan = JSON.parse((await cli(["plan", "--json"])).stdout);
  expect(plan.workspace).toMatchObject({ repo, refs: ["refs/heads/main"], path: "/workspace", push: ["claude/*"] });
  const up = await cli(["up", "--detach"]);
  expect(up.stderr).toContain("clone the workspace into /workspace");
  expect(up.code).toBe(0);
  const agent = JSON.parse((await cli(["plan", "--json"])).stdout).agent.agentContainer.name as string;

  expect(agentSh(agent, "cd /workspace && git rev-parse HEAD && git remote get-url origin").out).toBe(`${start}\n${plan.workspace.url}\n`);
  const fixed = agentSh(agent, "cd /workspace && echo fixed > login.txt && git commit -q -am 'fix login' && git checkout -q -b claude/fix-login && git push -q origin 2>&1 && git rev-parse HEAD");
  expect(fixed.code).toBe(0);
  const fixCommit = fixed.out.trim().split("\n").pop() as string;

  const main = agentSh(agent, "cd /workspace && git push origin HEAD:main");
  expect(main.out).toContain(" ! [remote rejected] HEAD -> main (read-only: this branch came from the host)");
  const tag = agentSh(agent, "cd /workspace && git tag v1 && git push origin v1");
  expect(tag.out).toContain(" ! [remote rejected] v1 -> v1 (pushing tags is not allowed)");
  const other = agentSh(agent, "cd /workspace && git push origin HEAD:feature");
  expect(other.out).toContain(" ! [remote rejected] HEAD -> feature (branch not allowed: may push claude/*)");
  const del = agentSh(agent, "cd /workspace && git push origin :claude/fix-login");
  expect(del.code).not.toBe(0);
  expect(del.out).toContain("! [remote rejected] claude/fix-login");

  const listed = JSON.parse((await cli(["ls", "--json"])).stdout);
  expect(listed[0].pushesWaiting).toBe(1);
  const before = await gitOk(["for-each-ref", "--format=%(refname)"], { cwd: repo, env: genv });
  const pulled = await cli(["pull", NAME]);
  expect(pulled.code).toBe(0);
  expect(pulled.stdout).toContain(`bottle-${NAME}/claude/fix-login  ${fixCommit.slice(0, 12)}`);
  expect(await gitOk(["rev-parse", `refs/remotes/bottle-${NAME}/claude/fix-login`], { cwd: repo, env: genv })).toBe(fixCommit);
  expect(await gitOk(["for-each-ref", "--format=%(refname)"], { cwd: repo, env: genv })).toBe(`${before}\nrefs/remotes/bottle-${NAME}/claude/fix-login`);
  expect(await gitOk(["rev-parse", "HEAD"], { cwd: repo, env: genv })).toBe(start);
  expect(JSON.parse((await cli(["ls", "--json"])).stdout)[0].pushesWaiting).toBe(0);

  const diff = await cli(["diff", NAME]);
  expect(diff.stdout).toContain("-broken\n+fixed\n");

  // The agent fetches its own imported branch, then pushes more that nobody pulls before down.
  const more = agentSh(agent, "cd /workspace && git fetch -q origin && git rev-parse origin/claude/fix-login && echo more > more.txt && git add more.txt && git commit -q -m more && git push -q origin HEAD:claude/more 2>&1 && git rev-parse HEAD");
  expect(more.code).toBe(0);
  const [fetched, moreCommit] = more.out.trim().split("\n");
  expect(fetched).toBe(fixCommit);
  const audit = (await cli(["logs", NAME])).stdout;
  expect(audit).toContain("POST gate /workspace.git/git-receive-pack [git-gate]");
  expect(audit).toContain("refs/heads/main read-only: this branch came from the host");
  expect(audit).toContain("import gate push ");

  const down = await cli(["down", NAME]);
  expect(down.code).toBe(0);
  expect(await gitOk(["rev-parse", `refs/remotes/bottle-${NAME}/claude/more`], { cwd: repo, env: genv })).toBe(moreCommit as string);
  expect(docker(["inspect", agent]).code).not.toBe(0);
}, 240_000);
