/**
 * The plugin written in docs/plugins.md, taken from the page itself, brings a bottle up and down
 * against the fake docker: the walkthrough cannot drift from what works.
 */
import { expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fakeWorld } from "../helpers/fake-world.ts";
import { ROOT } from "../helpers/spawn.ts";

test("the docs/plugins.md walkthrough plugin works end to end", async () => {
  const doc = readFileSync(join(ROOT, "docs/plugins.md"), "utf8");
  const code = /```ts\n\/\/ local-docker\.ts\n([\s\S]*?)```/.exec(doc)![1]!.replace('from "claude-bottle/plugin"', `from "${join(ROOT, "src/plugin-api.ts")}"`);
  const world = fakeWorld({ manifest: 'name = "doc"\nbackend = "./local-docker.ts"\n' });
  writeFileSync(join(world.project, "local-docker.ts"), code);
  const listed = JSON.parse((await world.cli(["--plugin", "./local-docker.ts", "backends", "--json"])).stdout);
  expect(listed.find((b: { name: string }) => b.name === "local-docker")).toMatchObject({ status: "ok", isolation: "container" });
  const up = await world.cli(["up", "--detach"]);
  expect(up.stderr).toContain('bottle "doc" is up');
  expect(world.containers().length).toBe(2);
  expect(world.networks().length).toBe(2);
  expect((await world.cli(["down", "doc"])).code).toBe(0);
  expect([world.containers(), world.networks()]).toEqual([[], []]);
});
