/**
 * SIGTERM (and SIGINT) in the middle of `up`, delivered to the compiled binary: what was made is
 * undone and the exit code says interrupted. The fakes hold the step open until the signal.
 */
import { expect, test } from "bun:test";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../helpers/cli.ts";
import { FAKE_BIN } from "../helpers/fake-world.ts";
import { compileLinuxBinary } from "../helpers/spawn.ts";

async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((resolve) => setImmediate(resolve));
}

test.each([["SIGTERM"], ["SIGINT"]] as const)("%s during the bundle step rolls back and exits 130", async (signal) => {
  const binary = compileLinuxBinary();
  const dir = tempDir("interrupt");
  mkdirSync(join(dir, "p"));
  mkdirSync(join(dir, "state/docker/images"), { recursive: true });
  writeFileSync(join(dir, "state/docker/images/claude-bottle_latest"), "a".repeat(64));
  writeFileSync(join(dir, "state/docker/images/claude-bottle-bundle_latest"), "b".repeat(64));
  writeFileSync(join(dir, "p/bottle.toml"), 'name = "web"\nbackend = "docker"\n');
  const gate = join(dir, "gate");
  const env = { PATH: `${FAKE_BIN}:/usr/bin:/bin`, HOME: dir, FAKE_STATE: join(dir, "state"), FAKE_SLOW: "docker run --detach", FAKE_SLOW_FILE: gate, DOCKER_HOST: "tcp://127.0.0.1:1" }; // facts from the fake CLI, not a real engine
  const child = spawn(binary, ["--home", join(dir, "home"), "up", "--detach"], { cwd: join(dir, "p"), env });
  let stderr = "";
  child.stderr.on("data", (chunk) => (stderr += chunk));
  const exited = new Promise<number>((resolve) => child.on("close", (code) => resolve(code ?? -1)));
  await until(() => existsSync(`${gate}.started`));
  expect(readdirSync(join(dir, "state/docker/networks")).length).toBe(2);
  child.kill(signal);
  const code = await exited;
  writeFileSync(gate, ""); // release the fake if anything still waits on it
  expect(stderr).toContain("undone: create isolated network");
  expect(stderr).toContain("Interrupted: what the launch had made is undone");
  expect(code).toBe(130);
  expect(readdirSync(join(dir, "state/docker/networks"))).toEqual([]);
  expect(existsSync(join(dir, "state/docker/containers")) ? readdirSync(join(dir, "state/docker/containers")) : []).toEqual([]);
  expect(existsSync(join(dir, "home/bottles/web"))).toBe(false);
}, 60_000);
