/**
 * The host keeper in a real docker-backend bottle, started by `up` as the compiled binary:
 * a push is imported at once (the agent's next ls-remote sees it); a pack that references
 * objects the mirror lacks is refused at push time with git's reason; a second keeper is a
 * no-op; a sentinel in a pushed commit is refused as a canary and, with on_canary = "stop",
 * the agent is stopped, keeping the bundle and the records;
 * `down` stops the keeper and removes the rest, and with the user's repository moved away keeps
 * the agent's branches in the archive and says where.
 */
import { afterAll, afterEach, beforeAll, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, renameSync, watch, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCli, tempDir } from "../helpers/cli.ts";
import { cleanHome, cleanupDocker, docker, requireDocker, sharedBundleImage, shInContainer as agentSh } from "../helpers/docker.ts";
import { standInAgentImage } from "../helpers/agent-images.ts";
import { gitEnv, gitOk } from "../helpers/git.ts";
import { makePack, postReceive, receiveBody, reportLines } from "../helpers/receive-pack.ts";
import { compileLinuxBinary } from "../helpers/spawn.ts";
import { bundleHostIp } from "../../src/core/bundle-plan.ts";
import { ZERO_ID } from "../../src/bundle/serve/gate/receive-request.ts";
import { nodeRunner } from "../../src/runtime/node-runner.ts";
import { nodeFs } from "../../src/runtime/node-fs.ts";
import { httpProbe } from "../../src/runtime/http-probe.ts";
import { nodeProcesses } from "../../src/runtime/processes.ts";

const run = `${process.pid}-${Date.now().toString(36)}`;
const AGENT = `claude-bottle-keeper-agent:test-${run}`;
const REAL = "sk-ant-api03-keeper-test-real-value-0123456789abcdefghijklmnopqrstuvwxyz";
let bundleImage = "";
const homes: string[] = [];

beforeAll(() => {
  requireDocker();
  bundleImage = sharedBundleImage(compileLinuxBinary);
  standInAgentImage(AGENT);
}, 240_000);

afterEach(() => {
  for (const home of homes.splice(0)) cleanHome(home);
});

afterAll(() => cleanupDocker());

/** Resolves once `check` holds, re-checked whenever something in `dir` changes (no polling). */
function whenChanged<T>(dir: string, check: () => T | undefined): Promise<T> {
  return new Promise((resolve) => {
    const watcher = watch(dir, () => {
      const value = check();
      if (value !== undefined) {
        watcher.close();
        resolve(value);
      }
    });
    const now = check();
    if (now !== undefined) {
      watcher.close();
      resolve(now);
    }
  });
}

async function project(dir: string): Promise<{ repo: string; genv: Record<string, string> }> {
  const repo = join(dir, "project");
  mkdirSync(repo);
  const genv = gitEnv();
  await gitOk(["init", "-q", "-b", "main", repo], { env: genv });
  writeFileSync(join(repo, "bottle.toml"), `name = "kp"
backend = "docker"
[agent]
image = "${AGENT}"
[bundle]
image = "${bundleImage}"
[credentials]
on_canary = "stop"
[credentials.ANTHROPIC_API_KEY]
from_env = "HOST_KEY"
hosts = ["api.anthropic.test"]
`);
  writeFileSync(join(repo, "a.txt"), "a\n");
  await gitOk(["add", "."], { cwd: repo, env: genv });
  await gitOk(["commit", "-q", "-m", "start"], { cwd: repo, env: genv });
  return { repo, genv };
}

test("the keeper imports at push time, refuses a hole, and stops the agent on a canary", async () => {
  const dir = tempDir("keeper-bottle");
  const home = join(dir, "home");
  homes.push(home);
  const { repo, genv } = await project(dir);
  const binary = compileLinuxBinary();
  const processes = nodeProcesses(binary);
  const env = { PATH: process.env["PATH"] ?? "", HOME: genv["HOME"] as string, GIT_CONFIG_NOSYSTEM: "1", HOST_KEY: REAL };
  const cli = (args: string[]) => runCli(["--home", home, ...args], { cwd: repo, env, runner: nodeRunner(env), fs: nodeFs, http: httpProbe, user: { uid: process.getuid!(), gid: process.getgid!() }, processes });
  const up = await cli(["up", "--detach"]);
  expect({ code: up.code, stderr: up.stderr }).toMatchObject({ code: 0 });
  const stateDir = join(home, "bottles", "kp");
  const state = () => JSON.parse(readFileSync(join(stateDir, "state.json"), "utf8"));
  const { keeper, plan } = state();
  expect(await processes.alive(keeper)).toBe(true);
  const agent = plan.agent.agentContainer.name as string;

  // Imported at once: the agent's very next look at the gate shows its branch.
  const pushed = agentSh(agent, "cd /workspace && echo b > b.txt && git add b.txt && git commit -q -m b && git push -q origin HEAD:claude/x 2>&1 && git rev-parse HEAD && git ls-remote origin refs/heads/claude/x");
  expect(pushed.code).toBe(0);
  const [commit, remote] = pushed.out.trim().split("\n");
  expect(remote).toBe(`${commit}\trefs/heads/claude/x`);
  expect(await gitOk(["--git-dir", plan.workspace.mirror, "rev-parse", "refs/heads/claude/x"])).toBe(commit as string);

  // A commit whose tree the mirror lacks: refused at push time, with git's reason.
  const other = join(dir, "other");
  await gitOk(["clone", "-q", repo, other], { env: genv });
  writeFileSync(join(other, "hole.txt"), "hole\n");
  await gitOk(["add", "."], { cwd: other, env: genv });
  await gitOk(["commit", "-q", "-m", "hole"], { cwd: other, env: genv });
  const hole = await gitOk(["rev-parse", "HEAD"], { cwd: other, env: genv });
  const tree = await gitOk(["rev-parse", "HEAD^{tree}"], { cwd: other, env: genv });
  const pack = await makePack(join(other, ".git"), { objects: [hole] }, genv);
  const gate = `http://${bundleHostIp(plan)}:8889/workspace.git`;
  const answer = await postReceive(gate, receiveBody([{ oldId: ZERO_ID, newId: hole, ref: "refs/heads/claude/hole" }], pack));
  expect(reportLines(answer.body)).toEqual(["unpack ok", `ng refs/heads/claude/hole pack failed git's checks: fatal: did not receive expected object ${tree}`]);
  expect(agentSh(agent, "cd /workspace && git ls-remote origin").out).not.toContain("claude/hole");

  // A second keeper for the same bottle has nothing to do.
  const second = spawnSync(binary, ["--home", home, "keeper", "kp"], { encoding: "utf8", env });
  expect({ code: second.status, stderr: second.stderr }).toEqual({ code: 0, stderr: "" });

  // A canary in a push (the sentinel in a commit message), with on_canary = "stop": the push is
  // refused, and the agent is stopped; bundle, records and audit stay.
  const leak = agentSh(agent, 'cd /workspace && git commit -q --allow-empty -m "key: $ANTHROPIC_API_KEY" && git push origin HEAD:claude/leak 2>&1');
  expect(leak.out).toContain(" ! [remote rejected] HEAD -> claude/leak (canary)");
  const stopped = await whenChanged(stateDir, () => (state().status === "stopped" ? state() : undefined));
  expect(stopped.stoppedBy.canary).toBe("ANTHROPIC_API_KEY");
  expect(docker(["inspect", "-f", "{{.State.Running}}", agent]).stdout.trim()).toBe("false");
  expect(docker(["inspect", "-f", "{{.State.Running}}", plan.bundle.containerName]).stdout.trim()).toBe("true");
  expect((await cli(["ls"])).stdout).toContain("stopped (canary ANTHROPIC_API_KEY)");
  const logs = (await cli(["logs", "kp"])).stdout;
  expect(logs).toStartWith("== canary hits and DLP findings ==\n");
  expect(logs.split("\n")[1]).toContain("CANARY ANTHROPIC_API_KEY");
  expect(logs).not.toContain(plan.env.ANTHROPIC_API_KEY);
  expect(JSON.parse((await cli(["credentials", "kp", "--json"])).stdout)).toMatchObject([{ name: "ANTHROPIC_API_KEY", canaryHits: 1 }]);
  const exec = await cli(["exec", "kp", "--", "true"]);
  expect(exec.stderr).toContain('its agent was stopped: the sentinel of ANTHROPIC_API_KEY showed up (on_canary = "stop")');

  // The user's repository moved away: down still removes the bottle and keeps the agent's work.
  renameSync(repo, `${repo}-moved`);
  const down = await cli(["down", "kp"]);
  expect(down.code).toBe(0);
  expect(await processes.alive(keeper)).toBe(false);
  expect(docker(["inspect", agent]).code).not.toBe(0);
  const kept = /the agent's unpulled branches are in (\S+); in your repository: git fetch/.exec(down.stderr)?.[1] as string;
  expect(kept).toStartWith(join(home, "archive", "kp"));
  expect(await gitOk(["--git-dir", kept, "rev-parse", "refs/heads/claude/x"])).toBe(commit as string);
  expect(existsSync(stateDir)).toBe(false);
  expect(JSON.parse(readFileSync(join(kept, "..", "summary.json"), "utf8")).unpulledWork).toBe(kept);
}, 300_000);
