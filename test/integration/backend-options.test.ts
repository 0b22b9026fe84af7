/**
 * [backend.options]: a backend declares the options it takes as data; the core checks a
 * bottle's against them before `plan` and reports problems like its own, naming the backend.
 */
import { expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCli, tempDir } from "../helpers/cli.ts";
import { ROOT } from "../helpers/spawn.ts";

const EXAMPLE = join(ROOT, "examples/plugins/docker-gvisor.ts");

function project(manifest: string): string {
  const dir = tempDir("opts");
  writeFileSync(join(dir, "bottle.toml"), manifest);
  return dir;
}

const withOptions = (options: string) => `name = "gv"\n[backend]\nuse = "${EXAMPLE}"\n[backend.options]\n${options}\n`;

test("the plugin's options reach its plan, defaults filled", async () => {
  const chosen = JSON.parse((await runCli(["plan", "--json"], { cwd: project(withOptions('runtime = "runsc-kvm"')) })).stdout);
  expect(chosen.agent.runtime).toBe("runsc-kvm");
  const defaulted = JSON.parse((await runCli(["plan", "--json"], { cwd: project(`name = "gv"\nbackend = "${EXAMPLE}"\n`) })).stdout);
  expect(defaulted.agent.runtime).toBe("runsc");
});

test("unknown keys and bad values are configuration errors naming the backend, all at once", async () => {
  const result = await runCli(["plan"], { cwd: project(withOptions('runtime = "kata"\ncolour = "blue"')) });
  expect(result.code).toBe(78);
  expect(result.stderr).toContain('error: Cannot use the options for backend "docker-gvisor": 2 problems');
  expect(result.stderr).toContain('  backend.options.colour: unknown key (backend "docker-gvisor" takes: runtime)');
  expect(result.stderr).toContain('  backend.options.runtime: must be one of "runsc", "runsc-kvm"');
});

test("a backend that declares no options takes none", async () => {
  const result = await runCli(["plan"], { cwd: project('name = "web"\n[backend]\nuse = "docker"\n[backend.options]\ncpus = 4\n') });
  expect(result.code).toBe(78);
  expect(result.stderr).toContain('backend.options.cpus: unknown key (backend "docker" takes no options)');
});

test("backends --json shows each backend's options", async () => {
  const list = JSON.parse((await runCli(["--plugin", EXAMPLE, "backends", "--json"])).stdout);
  expect(list.find((b: { name: string }) => b.name === "docker-gvisor").options.runtime).toMatchObject({ type: "string", default: "runsc" });
  expect(list.find((b: { name: string }) => b.name === "docker").options).toEqual({});
});
