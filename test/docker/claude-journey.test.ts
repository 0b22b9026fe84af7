/**
 * Issue 12's journey with the real Claude Code: the agent image built by `image agent` (from a
 * Debian base made here with debootstrap, no registry; one build per test run, shared with the
 * image agent test), a docker-backend bottle, the compiled
 * binary. Attached `up` runs `[agent] command` = `claude -p "<prompt>"`; Claude Code talks to a
 * fake Anthropic Messages API (TLS with its own CA) through the bundle, which terminates the
 * connection, swaps the sentinel for the real key and sends it on through the test's operator
 * proxy (`upstream_proxy` + `upstream_ca`). The proxy gets the CONNECT by name and routes it to the
 * fake API: api.anthropic.com is resolved by nobody. The fake API answers with a Bash tool call,
 * so Claude Code itself commits in /workspace and pushes claude/x through the gate; `pull` brings
 * the branch to the host.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { execFile, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../helpers/cli.ts";
import { cleanHome, cleanupDocker, docker, requireDocker, sharedBundleImage } from "../helpers/docker.ts";
import { sharedClaudeAgentImage } from "../helpers/agent-images.ts";
import { gitEnv, gitOk } from "../helpers/git.ts";
import { compileLinuxBinary } from "../helpers/spawn.ts";
import { startFakeAnthropic, type FakeAnthropic } from "../../scripts/fake-anthropic.ts";

let AGENT = "";
// A name per run: the subnet follows the name's hash; concurrent runs on one engine would race for it.
const NAME = `journey${process.pid % 100_000}`;
const REAL = `sk-ant-api03-${"Jr9x".repeat(23)}AA`;
const PROMPT = "Greet the right planet, commit it and push it to claude/x";
// The model's one tool call: where it runs, which key it holds (hashed: the sentinel itself in the
// next request's body would be a canary hit, and the bundle would refuse it), then the work itself.
const COMMAND = "pwd; printenv ANTHROPIC_API_KEY | sha256sum | cut -c1-64; printf 'hello, earth\\n' > greet.txt"
  + " && git commit -q -am 'greet the right planet' && git push -q origin HEAD:claude/x 2>&1 && git rev-parse HEAD";
let binary = "";
let bundleImage = "";
let fake: FakeAnthropic | undefined;
const homes: string[] = [];

beforeAll(() => {
  requireDocker();
  binary = compileLinuxBinary();
  bundleImage = sharedBundleImage(() => binary);
  // The run's one build of the real agent image, shared with the image agent test.
  const shared = sharedClaudeAgentImage(binary);
  if (shared.build.code !== 0) throw new Error(`image agent failed: ${shared.build.stderr}`);
  AGENT = shared.image;
}, 900_000);

afterAll(() => {
  for (const home of homes) cleanHome(home);
  fake?.close();
  cleanupDocker();
});

/** The compiled binary, asynchronously: the fake API and its proxy live in this process. */
function cb(args: string[], cwd: string, env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = execFile(binary, args, { cwd, env, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) =>
      done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }));
    child.stdin?.end(); // claude -p reads a piped stdin to its end
  });
}

async function project(dir: string, proxyUrl: string, caPem: string): Promise<string> {
  const repo = join(dir, "greeter");
  mkdirSync(repo);
  writeFileSync(join(dir, "fake-anthropic-ca.pem"), caPem);
  writeFileSync(join(repo, "greet.txt"), "hello, mars\n");
  writeFileSync(join(repo, "bottle.toml"), `name = "${NAME}"
backend = "docker"
[agent]
image = "${AGENT}"
command = ["claude", "-p", "${PROMPT}", "--dangerously-skip-permissions"]
[bundle]
image = "${bundleImage}"
[egress]
upstream_proxy = "${proxyUrl}"
upstream_ca = ["${join(dir, "fake-anthropic-ca.pem")}"]
[credentials.ANTHROPIC_API_KEY]
from_env = "HOST_ANTHROPIC_KEY"
`);
  const env = gitEnv();
  await gitOk(["init", "-q", "-b", "main", repo], { env });
  await gitOk(["add", "."], { cwd: repo, env });
  await gitOk(["commit", "-q", "-m", "greeter"], { cwd: repo, env });
  return repo;
}

function inAgent(container: string, script: string): string {
  const result = spawnSync("docker", ["exec", container, "sh", "-c", script], { encoding: "utf8" });
  return (result.stdout ?? "") + (result.stderr ?? "");
}

test("claude -p in a docker bottle: the fake API answers, Claude Code commits and pushes claude/x, pull shows it", async () => {
  fake = await startFakeAnthropic({ command: COMMAND, answer: "Pushed claude/x at" });
  const dir = tempDir("journey");
  const home = join(dir, "home");
  homes.push(home);
  const repo = await project(dir, fake.proxyUrl, fake.caPem);
  const env = { PATH: process.env["PATH"] ?? "", HOME: gitEnv()["HOME"] as string, GIT_CONFIG_NOSYSTEM: "1", HOST_ANTHROPIC_KEY: REAL };

  const up = await cb(["--home", home, "up"], repo, env);
  expect(up.stderr).toContain("clone the workspace into /workspace");
  expect({ code: up.code, stdout: up.code === 0 ? "" : up.stdout }).toEqual({ code: 0, stdout: "" }); // a failure shows why
  const plan = JSON.parse(readFileSync(join(home, "bottles", NAME, "state.json"), "utf8")).plan;
  const sentinel: string = plan.env.ANTHROPIC_API_KEY;
  expect(sentinel).toMatch(/^sk-ant-api03-/);
  expect(sentinel).not.toBe(REAL);

  // Claude Code ran the tool in the workspace clone holding the sentinel, and printed the answer.
  expect(fake.toolResults).toHaveLength(1);
  const [cwd, key, commit] = fake.toolResults[0]!.trim().split("\n");
  expect({ cwd, key }).toEqual({ cwd: "/workspace", key: createHash("sha256").update(`${sentinel}\n`).digest("hex") });
  expect(commit).toMatch(/^[0-9a-f]{40}$/);
  expect(up.stdout).toBe(`Pushed claude/x at /workspace\n`);
  expect(up.stderr).toContain(`bottle "${NAME}" is still up. Next:`);

  // The fake API saw the real key on every request; the operator proxy only ever the name.
  expect(fake.seen.filter((request) => request.url.startsWith("/v1/messages")).length).toBeGreaterThanOrEqual(2);
  expect(new Set(fake.seen.map((request) => request.apiKey))).toEqual(new Set([REAL]));
  expect(new Set(fake.asked)).toEqual(new Set(["api.anthropic.com:443"]));

  // The guest only ever had the sentinel: its env, its files, what docker shows of both containers.
  const agent: string = plan.agent.agentContainer.name;
  expect(inAgent(agent, "printenv ANTHROPIC_API_KEY")).toBe(`${sentinel}\n`);
  expect(inAgent(agent, `grep -rl "${REAL.slice(13, 45)}" /etc /tmp /workspace /home /opt/claude-code/package/package.json 2>/dev/null; echo done`)).toBe("done\n");
  for (const name of [agent, plan.bundle.containerName]) expect(docker(["inspect", name]).stdout).not.toContain(REAL);
  // Claude Code kept its state in the agent's home, not in the clone.
  expect(inAgent(agent, "ls -A ~ | grep -c claude; git -C /workspace status --porcelain")).toBe("2\n");

  const pulled = await cb(["--home", home, "pull", NAME], repo, env);
  expect(pulled.code).toBe(0);
  expect(pulled.stdout).toContain(`bottle-${NAME}/claude/x  ${commit!.slice(0, 12)}`);
  expect(await gitOk(["show", `refs/remotes/bottle-${NAME}/claude/x:greet.txt`], { cwd: repo, env: gitEnv() })).toBe("hello, earth");
  expect((await cb(["--home", home, "logs", NAME], repo, env)).stdout).not.toContain(REAL);
  expect((await cb(["--home", home, "down", NAME], repo, env)).code).toBe(0);
}, 600_000);
