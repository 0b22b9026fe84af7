import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { runCli, tempDir } from "../../helpers/cli.ts";
import { EXAMPLES } from "../../../src/cli/help.ts";

async function listedCommands(): Promise<string[]> {
  const help = await runCli(["--help"]);
  expect(help.code).toBe(0);
  const section = help.stdout.split("Commands:\n")[1]!.split("\n\n")[0]!;
  return section.split("\n").map((line) => line.trim().split(" ")[0]!);
}

describe("help that helps", () => {
  test("every command the program lists has examples, and every example names a listed command", async () => {
    const commands = await listedCommands();
    expect(commands.length).toBeGreaterThan(15);
    expect([...commands].sort()).toEqual(Object.keys(EXAMPLES).sort());
  });

  test("each command's --help: a one-line description, usage, options, and runnable examples", async () => {
    for (const name of await listedCommands()) {
      const help = await runCli([name, "--help"]);
      expect({ name, code: help.code, stderr: help.stderr }).toEqual({ name, code: 0, stderr: "" });
      const [description, , usageTitle, usage] = help.stdout.split("\n");
      expect(description!.length).toBeGreaterThan(10);
      expect([usageTitle, usage!.startsWith(`  $ claude-bottle ${name}`)]).toEqual(["Usage:", true]);
      expect(help.stdout).toContain("  -h, --help");
      const examples = help.stdout.split("Examples:\n")[1]!.trimEnd().split("\n");
      expect(examples.length).toBeGreaterThan(0);
      for (const example of examples) expect(example).toStartWith(`  $ claude-bottle ${name === "backends" ? "" : name}`);
    }
  });

  test("init's template and the missing-smolvm fix point hosts without smolvm at the docker backend", async () => {
    const cwd = tempDir("help");
    expect((await runCli(["init"], { cwd })).code).toBe(0);
    expect(readFileSync(join(cwd, "bottle.toml"), "utf8")).toContain('# backend = "docker"');
    const preflight = JSON.parse((await runCli(["preflight", "--json"], { cwd })).stdout);
    const missing = preflight.findings.find((finding: { code: string }) => finding.code === "SMOLVM_MISSING");
    expect(missing.fix).toContain('backend = "docker"');
  });

  test("an unknown manifest key suggests the nearest known one, or lists them", async () => {
    const cwd = tempDir("help");
    const { writeFileSync } = await import("node:fs");
    writeFileSync(join(cwd, "bottle.toml"), 'name = "web"\nbakend = "docker"\n[agent]\nmemroy = 4096\n[bundle]\nzzzzzz = 1\n');
    const plan = await runCli(["plan"], { cwd });
    expect(plan.code).toBe(78);
    expect(plan.stderr).toContain('  bakend: unknown key; did you mean "backend"?\n');
    expect(plan.stderr).toContain('  agent.memroy: unknown key; did you mean "memory"?\n');
    expect(plan.stderr).toContain("  bundle.zzzzzz: unknown key (known here: image, subnet_pool");
  });
});
