/**
 * Bottle names are never paths: every command that takes NAME refuses anything but a slug with
 * exit 64 and the rule, before it reads, locks or removes anything; `down` of a name with no
 * state removes a directory only when a claim proves `render`/`up` made it.
 */
import { describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCli, tempDir } from "../../helpers/cli.ts";

const BAD_NAMES = ["..", "../..", "a/b", "/etc", "", ".", "Web", "a--b", "web\u001b]52;c;x\u0007"];

/** A home inside a parent, each holding a file of the user's, so any removal shows. */
function homeWithNeighbours() {
  const parent = tempDir("names");
  const home = join(parent, "home");
  mkdirSync(join(home, "bottles"), { recursive: true });
  writeFileSync(join(parent, "mine.txt"), "the user's");
  writeFileSync(join(home, "keep.txt"), "state");
  const intact = () => existsSync(join(parent, "mine.txt")) && existsSync(join(home, "keep.txt")) && existsSync(join(home, "bottles"));
  return { parent, home, intact };
}

const COMMANDS: ((name: string) => string[])[] = [
  (name) => ["down", name],
  (name) => ["exec", name, "--", "true"],
  (name) => ["attach", name],
  (name) => ["logs", name],
  (name) => ["allow", name, "example.test"],
  (name) => ["deny", name, "example.test"],
  (name) => ["why", name, "example.test"],
  (name) => ["requests", name],
  (name) => ["credentials", name],
];

describe("names are never paths", () => {
  for (const command of COMMANDS) {
    test(`${command("NAME").join(" ")} refuses every name that is not a slug`, async () => {
      const world = homeWithNeighbours();
      for (const name of BAD_NAMES) {
        const result = await runCli(["--home", world.home, ...command(name)], { cwd: world.parent });
        expect({ name, code: result.code }).toEqual({ name, code: 64 });
        expect(result.stderr).toContain("lowercase letters, digits or hyphens");
        expect(result.stderr).not.toContain("\u001b");
        expect(world.intact()).toBe(true);
      }
      expect(readdirSync(world.home).sort()).toEqual(["bottles", "keep.txt"]);
    });
  }

  test("a valid but unknown name: down says nothing was up; the others say it is not found", async () => {
    const world = homeWithNeighbours();
    const down = await runCli(["--home", world.home, "down", "ghost"], { cwd: world.parent });
    expect(down).toMatchObject({ code: 0, stderr: 'bottle "ghost" was not up; nothing to remove\n' });
    const logs = await runCli(["--home", world.home, "logs", "ghost"], { cwd: world.parent });
    expect(logs.code).toBe(64);
    expect(logs.stderr).toContain('Cannot find bottle "ghost"');
    expect(world.intact()).toBe(true);
  });

  test("down leaves a bottle directory alone unless a claim proves it is ours", async () => {
    const world = homeWithNeighbours();
    const stranger = join(world.home, "bottles", "stranger");
    mkdirSync(stranger);
    writeFileSync(join(stranger, "notes.txt"), "not ours");
    expect((await runCli(["--home", world.home, "down", "stranger"], { cwd: world.parent })).code).toBe(0);
    expect(existsSync(join(stranger, "notes.txt"))).toBe(true);

    const claimed = join(world.home, "bottles", "claimed");
    mkdirSync(claimed);
    writeFileSync(join(claimed, "subnet"), "192.168.5.0/24\n");
    expect((await runCli(["--home", world.home, "down", "claimed"], { cwd: world.parent })).code).toBe(0);
    expect(existsSync(claimed)).toBe(false);
  });
});
