import { expect, test } from "bun:test";
import { nodeRunner } from "../../../src/runtime/node-runner.ts";
import { ensureSuccess } from "../../../src/core/runner.ts";

const runner = nodeRunner({ PATH: process.env["PATH"] ?? "/usr/bin:/bin" });

test("a non-zero exit is data", async () => {
  const result = await runner.run(["sh", "-c", "echo out; echo err >&2; exit 3"]);
  expect(result).toMatchObject({ argv: ["sh", "-c", "echo out; echo err >&2; exit 3"], exitCode: 3, stdout: "out\n", stderr: "err\n" });
  expect(() => ensureSuccess(result, "do the thing")).toThrow("Cannot do the thing: sh exited with code 3\nerr");
});

test("a missing executable is exit 127 with ENOENT", async () => {
  const result = await runner.run(["claude-bottle-no-such-binary"]);
  expect(result).toMatchObject({ exitCode: 127, spawnError: "ENOENT" });
  expect(() => ensureSuccess(result, "start smolvm")).toThrow('Cannot start smolvm: "claude-bottle-no-such-binary" is not installed or not on PATH');
});

test("stdin is given and closed; env is only what the runner was made with", async () => {
  const result = await runner.run(["sh", "-c", "cat; echo \"[$HOME][$EXTRA]\""], { input: "in\n", env: { EXTRA: "x" } });
  expect(result.stdout).toBe("in\n[][x]\n");
});

test("a timeout kills the child and says so", async () => {
  const result = await runner.run(["sleep", "5"], { timeoutMs: 50 });
  expect(result.timedOut).toBe(true);
  expect(result.exitCode).toBe(137);
});
