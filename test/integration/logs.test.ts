/**
 * `logs` against a hostile agent: its console, the bundle's output and the audit log carry
 * terminal escapes (OSC 52 clipboard write, CSI clear screen, a raw 0x9B, the C1 CSI U+009B,
 * CR-painted lines, bidi overrides, lone surrogates). Nothing of it reaches stdout unescaped,
 * with and without -f; rotated audit files are shown, oldest first.
 */
import { afterEach, expect, test } from "bun:test";
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fakeWorld } from "../helpers/fake-world.ts";
import { BIN, ROOT } from "../helpers/spawn.ts";

const HOSTILE = Buffer.concat([
  Buffer.from("console-start ünïcode\n\u001b]52;c;ZXZpbA==\u0007\u001b[2J\u001b[H"),
  Buffer.from([0x9b, 0x32, 0x4a, 0x0a]), // a raw C1 CSI byte, then "2J"
  Buffer.from("\u009b31m c1-csi\u007f\u0008 fake\r== egress decisions ==\n\u202eevil\u202c\nconsole-end\r\n"),
]);

/** Every character a terminal would act on, apart from newline and tab. */
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

function hostileWorld() {
  const world = fakeWorld();
  return {
    world,
    async up() {
      expect((await world.cli(["up", "--detach"])).code).toBe(0);
      const plan = JSON.parse(readFileSync(join(world.home, "bottles/web/state.json"), "utf8")).plan;
      writeFileSync(join(world.env.FAKE_STATE!, "smolvm/machines", plan.agent.machineName, "agent-console.log"), HOSTILE);
      writeFileSync(join(world.env.FAKE_STATE!, "docker/containers", plan.bundle.containerName, "output"), Buffer.concat([Buffer.from("bundle-out "), HOSTILE]));
      const audit = (host: string) => `${JSON.stringify({ time: "2026-11-24T10:00:00.000Z", decision: "deny", method: "CONNECT", host, port: 443, rule: "default-deny" })}\n`;
      writeFileSync(join(plan.bundle.dir, "audit.jsonl.2"), audit("oldest.test"));
      writeFileSync(join(plan.bundle.dir, "audit.jsonl.1"), audit("newer.test\u001b]52;c;eA==\u0007\ud800"));
      writeFileSync(join(plan.bundle.dir, "audit.jsonl"), `${audit("current.test")}not json \u001b[2J\n`);
      return plan;
    },
  };
}

/** Follow-mode children never end by themselves: their process groups go after each test. */
const groups: number[] = [];
afterEach(() => {
  for (const pgid of groups.splice(0)) {
    try {
      process.kill(-pgid, "SIGTERM");
    } catch {
      // already gone
    }
  }
});

function expectSafe(stdout: string): void {
  expect(stdout).not.toMatch(UNSAFE);
  expect(stdout).toContain("console-start ünïcode\n\\x1b]52;c;ZXZpbA==\\x07\\x1b[2J\\x1b[H\ufffd2J\n\\x9b31m c1-csi\\x7f\\x08 fake\\x0d== egress");
  expect(stdout).toContain("\\u{202e}evil\\u{202c}\nconsole-end\n");
}

test("logs escapes every section and shows the rotated audit files oldest first", async () => {
  const { world, up } = hostileWorld();
  await up();
  const logs = await world.cli(["logs", "web"]);
  expect(logs.code).toBe(0);
  expectSafe(logs.stdout);
  expect(logs.stdout).toContain("bundle-out console-start");
  const audit = logs.stdout.split("== bundle process ==")[0]!;
  expect(audit.indexOf("oldest.test")).toBeLessThan(audit.indexOf("newer.test"));
  expect(audit.indexOf("newer.test")).toBeLessThan(audit.indexOf("current.test"));
  expect(audit).toContain("newer.test\\x1b]52;c;eA==\\x07\\u{d800}:443");
  expect(audit).toContain("not json \\x1b[2J\n");
  await world.cli(["down", "web"]);
});

test("logs -f streams through the same filter", async () => {
  const { world, up } = hostileWorld();
  await up();
  const child = spawn(join(BIN, "bun"), [join(ROOT, "src/main.ts"), "--home", world.home, "logs", "-f", "web"], { cwd: world.project, env: world.env, detached: true });
  groups.push(child.pid!);
  let stdout = "";
  const done = new Promise<void>((resolve) => {
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString("utf8");
      // Every section has arrived: the console twice (bundle and agent) and the current audit line.
      if (stdout.split("console-end").length === 3 && stdout.includes("current.test")) resolve();
    });
  });
  const exited = new Promise((resolve) => child.on("close", resolve));
  await done;
  process.kill(-child.pid!, "SIGTERM");
  await exited;
  groups.splice(groups.indexOf(child.pid!), 1);
  expectSafe(stdout);
  expect(stdout).toContain("CONNECT current.test:443");
  await world.cli(["down", "web"]);
}, 60_000);
