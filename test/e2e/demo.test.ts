/**
 * The README's first command, `bun run demo`, as a user runs it: a docker-backend bottle on an
 * example project, the stand-in agent's allowed and denied requests, its push through the gate,
 * pull, diff, the audit, and down, with nothing of it left on the engine afterwards.
 */
import { expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { docker, requireDocker } from "../helpers/docker.ts";
import { BIN, ROOT } from "../helpers/spawn.ts";

test("bun run demo brings a bottle up, gets the agent's work out and leaves nothing behind", () => {
  requireDocker();
  const run = spawnSync(join(BIN, "bun"), ["run", "demo"], { cwd: ROOT, encoding: "utf8", env: process.env });
  const out = run.stdout + run.stderr;
  expect(out).toContain("Mercury, Venus, Earth, Mars: greet Earth.");
  expect(out).toContain("wget: server returned error: HTTP/1.1 403 Forbidden");
  expect(out).toContain(" * [new branch]      HEAD -> claude/fix-planet");
  expect(out).toContain("  remotes/bottle-greeter/claude/fix-planet");
  expect(out).toContain('+echo "hello, earth"');
  expect(out).toMatch(/ALLOW +GET docs\.demo\.test:80 \[docs\.demo\.test\]/);
  expect(out).toMatch(/DENY +GET evil\.demo\.test:80 \[default-deny\]/);
  expect(out).toContain('bottle "greeter" removed');
  expect(run.status).toBe(0);
  expect(docker(["ps", "-aq", "--filter", "label=dev.claude-bottle.slug=greeter"]).stdout).toBe("");
  expect(docker(["network", "ls", "-q", "--filter", "label=dev.claude-bottle.slug=greeter"]).stdout).toBe("");
  expect(docker(["image", "ls", "-q", "claude-bottle-demo-agent"]).stdout).toBe("");
}, 600_000);
