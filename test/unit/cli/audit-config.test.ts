/** `[bundle] audit_max_mb` reaches the bundle's config; a bad value is a config error. */
import { expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCli, tempDir } from "../../helpers/cli.ts";

function project(manifest: string): string {
  const dir = tempDir("proj");
  writeFileSync(join(dir, "bottle.toml"), manifest);
  return dir;
}

test("audit_max_mb is rendered into bundle.json (default 50)", async () => {
  const home = tempDir("home");
  expect((await runCli(["--home", home, "render"], { cwd: project('name = "web"\n[bundle]\naudit_max_mb = 7\n') })).code).toBe(0);
  expect(JSON.parse(readFileSync(join(home, "bottles/web/bundle/bundle.json"), "utf8")).auditMaxMb).toBe(7);
  expect((await runCli(["--home", home, "render"], { cwd: project('name = "two"\n') })).code).toBe(0);
  expect(JSON.parse(readFileSync(join(home, "bottles/two/bundle/bundle.json"), "utf8")).auditMaxMb).toBe(50);
});

test.each([["0", "must be at least 1"], ["1.5", "must be a whole number of MiB"], ['"50"', 'expected number, got "50"']])("audit_max_mb = %s is refused", async (value, message) => {
  const result = await runCli(["--home", tempDir("home"), "plan"], { cwd: project(`name = "web"\n[bundle]\naudit_max_mb = ${value}\n`) });
  expect(result.code).toBe(78);
  expect(result.stderr).toContain(`bundle.audit_max_mb: ${message}`);
});
