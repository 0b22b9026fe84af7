/** `allow` says what a broad CIDR would expose and refuses it without --force, before asking any bundle. */
import { expect, test } from "bun:test";
import { runCli, tempDir } from "../../helpers/cli.ts";

test("a CIDR broader than a /16 is refused without --force, with what it would expose and the fix", async () => {
  const result = await runCli(["--home", tempDir("home"), "allow", "web", "10.0.0.0/8"]);
  expect(result.code).toBe(64);
  expect(result.stderr).toBe('error: Cannot allow "10.0.0.0/8": 10.0.0.0/8 is broader than a /16: it would expose 16,777,216 addresses, including 10.0.0.0/8 (private (RFC 1918))\nhint: narrow it, or pass --force if the agent may reach all of that\n');
});

test("a guarded range is refused even with --force", async () => {
  const result = await runCli(["--home", tempDir("home"), "allow", "web", "169.254.169.254/32", "--force"]);
  expect(result.code).toBe(64);
  expect(result.stderr).toContain("169.254.169.254/32 lies in 169.254.0.0/16 (link-local / cloud metadata), which no rule can open");
});

test("--force lets the broad rule through to the bottle (here: none is running, so that is the error)", async () => {
  const home = tempDir("home");
  const result = await runCli(["--home", home, "allow", "web", "10.0.0.0/8", "--force"]);
  expect(result.stderr).not.toContain("broader than");
  expect(result.stderr).toContain('"web"');
  const narrow = await runCli(["--home", home, "allow", "web", "10.1.0.0/16"]);
  expect(narrow.stderr).toEqual(result.stderr);
});
