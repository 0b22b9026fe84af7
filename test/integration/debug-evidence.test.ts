/**
 * A failed command's error carries its whole run result: by default the message has the action,
 * the exit code and stderr's tail; --debug adds the argv, the exit code and all of stderr.
 */
import { expect, test } from "bun:test";
import { fakeWorld } from "../helpers/fake-world.ts";

test("--debug prints the failed command's argv, exit code and stderr", async () => {
  const world = fakeWorld({ env: { FAKE_FAIL: "docker network create" } });
  const plain = await world.cli(["up", "--detach"]);
  expect(plain.code).toBe(1);
  expect(plain.stderr).toContain("error: Cannot create the bundle network");
  expect(plain.stderr).not.toContain("exit code:");

  const debug = await world.cli(["--debug", "up", "--detach"]);
  expect(debug.code).toBe(1);
  const create = world.calls().filter((argv) => argv[1] === "network" && argv[2] === "create").at(-1)!;
  expect(debug.stderr).toContain(`command: ${create.join(" ")}\nexit code: 1\nstderr:\n  Error: injected failure: docker network create\n`);
});
