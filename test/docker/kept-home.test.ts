/**
 * `[agent] persist_home` on a real engine: the agent's home is a docker volume labelled with the
 * state home and the bottle, kept across `down`/`up` of the same name, listed by `gc`, removed by
 * `down --purge` only; Claude Code's login file is never kept (deleted at down and again at up).
 */
import { afterAll, afterEach, beforeAll, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCli, tempDir } from "../helpers/cli.ts";
import { cleanHome, cleanupDocker, docker, requireDocker, sharedBundleImage, trackImage } from "../helpers/docker.ts";
import { standInAgentImage } from "../helpers/agent-images.ts";
import { compileLinuxBinary } from "../helpers/spawn.ts";
import { nodeRunner } from "../../src/runtime/node-runner.ts";
import { nodeFs } from "../../src/runtime/node-fs.ts";
import { httpProbe } from "../../src/runtime/http-probe.ts";
import { keptHomeVolume } from "../../src/core/kept-home.ts";

const run = `${process.pid}-${Date.now().toString(36)}`;
const AGENT = `claude-bottle-kept-agent:test-${run}`;
// A name per run: the subnet follows the name's hash; concurrent runs on one engine would race for it.
const NAME = `kept${process.pid % 100_000}`;
let bundleImage = "";
const homes: string[] = [];
const volumes: string[] = [];

beforeAll(() => {
  requireDocker();
  bundleImage = sharedBundleImage(compileLinuxBinary);
  trackImage(AGENT);
  standInAgentImage(AGENT);
}, 240_000);

afterEach(() => {
  for (const home of homes.splice(0)) cleanHome(home);
  for (const volume of volumes.splice(0)) docker(["volume", "rm", "-f", volume]);
});

afterAll(() => cleanupDocker());

function agentSh(container: string, script: string): string {
  const result = spawnSync("docker", ["exec", container, "sh", "-c", script], { encoding: "utf8" });
  return (result.stdout ?? "") + (result.stderr ?? "");
}

/** What the volume holds, read by a throwaway container with no network. */
function volumeFiles(volume: string): string {
  return docker(["run", "--rm", "--network", "none", "--mount", `type=volume,source=${volume},target=/h`, "--entrypoint", "sh", AGENT, "-c", "cd /h && find . -type f | sort"]).stdout;
}

test("the agent's home outlives down when persist_home is set; never its login; down --purge removes it", async () => {
  const dir = tempDir("kepthome");
  const home = join(dir, "home");
  homes.push(home);
  const volume = keptHomeVolume(home, NAME);
  volumes.push(volume);
  mkdirSync(join(dir, "p"));
  writeFileSync(join(dir, "p/bottle.toml"), `name = "${NAME}"\nbackend = "docker"\n[agent]\nimage = "${AGENT}"\npersist_home = true\n[bundle]\nimage = "${bundleImage}"\n`);
  const env = { PATH: process.env["PATH"] ?? "" };
  const cli = (args: string[]) => runCli(["--home", home, ...args], { cwd: join(dir, "p"), env, runner: nodeRunner(env), fs: nodeFs, http: httpProbe, user: { uid: process.getuid!(), gid: process.getgid!() } });

  const first = await cli(["up", "--detach"]);
  expect({ code: first.code, stderr: first.code === 0 ? "" : first.stderr }).toEqual({ code: 0, stderr: "" });
  expect(first.stderr).toContain(`keep the agent's home in docker volume ${volume}`);
  const agent = JSON.parse((await cli(["plan", "--json"])).stdout).agent.agentContainer.name as string;
  expect(JSON.parse(docker(["volume", "inspect", volume]).stdout)[0].Labels).toEqual({
    "dev.claude-bottle.home": home, "dev.claude-bottle.slug": NAME, "dev.claude-bottle.kept": "agent-home",
  });
  expect(agentSh(agent, 'echo "$HOME" && mkdir -p ~/.claude && echo one > ~/.claude/history.jsonl && echo login > ~/.claude/.credentials.json && echo ok')).toBe("/home/agent\nok\n");

  const down = await cli(["down", NAME]);
  expect(down.code).toBe(0);
  expect(down.stderr).toContain(`kept the agent's home in docker volume ${volume}; claude-bottle down --purge ${NAME} removes it`);
  expect(volumeFiles(volume)).toBe("./.claude/history.jsonl\n");
  const gc = await cli(["gc", "--dry-run"]);
  expect(gc.stdout).toContain(`kept home of bottle "${NAME}": docker volume ${volume} (claude-bottle down --purge ${NAME} removes it)`);
  expect(docker(["volume", "inspect", volume]).code).toBe(0); // gc collects nothing that is kept on purpose

  // A login file put there behind the bottle's back is gone again by the time the agent starts.
  docker(["run", "--rm", "--network", "none", "--user", "1000:1000", "--mount", `type=volume,source=${volume},target=/h`, "--entrypoint", "sh", AGENT, "-c", "echo login > /h/.claude/.credentials.json"]);
  expect(volumeFiles(volume)).toBe("./.claude/.credentials.json\n./.claude/history.jsonl\n");
  expect((await cli(["up", "--detach"])).code).toBe(0);
  expect(agentSh(agent, "cat ~/.claude/history.jsonl; ls -A ~/.claude")).toBe("one\nhistory.jsonl\n");

  const purge = await cli(["down", "--purge", NAME]);
  expect(purge.code).toBe(0);
  expect(purge.stderr).toContain(`removed the agent's kept home (docker volume ${volume})`);
  expect(docker(["volume", "inspect", volume]).code).not.toBe(0);
  expect((await cli(["gc", "--dry-run"])).stdout).not.toContain("kept home");
}, 240_000);
