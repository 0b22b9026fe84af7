/**
 * The subnet lock is per home: another home (or user) on the same engine can take the planned
 * /24 between our planning and our `docker network create`. The fake engine answers that as
 * the real one does ("Pool overlaps"); `up` then plans again around what it now sees.
 */
import { expect, test } from "bun:test";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { FAKE_BIN, fakeWorld, type FakeWorld } from "../helpers/fake-world.ts";

/**
 * A `docker` that, before each of the first `times` network creates, makes a network of another
 * home on the very subnet asked for (what a racing `up` elsewhere would have done), then runs
 * the fake engine, which refuses the overlap.
 */
function racingDocker(world: FakeWorld, times: number): Record<string, string> {
  const bin = join(world.dir, "racing-bin");
  mkdirSync(bin);
  const script = `#!/bin/sh
if [ "$1 $2" = "network create" ]; then
  n=$(ls "$FAKE_STATE/raced" 2>/dev/null | wc -l)
  if [ "$n" -lt ${times} ]; then
    subnet=$(printf '%s\\n' "$@" | sed -n '/^--subnet$/{n;p;}')
    d="$FAKE_STATE/docker/networks/other-home-$n"
    mkdir -p "$d" "$FAKE_STATE/raced" && touch "$FAKE_STATE/raced/$n"
    printf '%s' "$subnet" >"$d/subnet"; printf '' >"$d/labels"
  fi
fi
exec ${FAKE_BIN}/docker "$@"
`;
  writeFileSync(join(bin, "docker"), script);
  chmodSync(join(bin, "docker"), 0o755);
  return { PATH: `${bin}:${world.env.PATH}` };
}

const creates = (world: FakeWorld) => world.calls().filter((argv) => argv.slice(0, 3).join(" ") === "docker network create");
const subnetOf = (world: FakeWorld, network: string) => readFileSync(join(world.env.FAKE_STATE!, "docker/networks", network, "subnet"), "utf8");

test("a subnet taken between planning and creating is planned around: up plans again and comes up", async () => {
  const world = fakeWorld();
  const up = await world.cli(["up", "--detach"], { env: racingDocker(world, 1) });
  expect({ code: up.code, stderr: up.code === 0 ? "" : up.stderr }).toEqual({ code: 0, stderr: "" });
  const mine = world.networks().find((name) => name.endsWith("-web-net"))!;
  expect(world.networks().sort()).toEqual([mine, "other-home-0"].sort());
  expect(subnetOf(world, mine)).not.toBe(subnetOf(world, "other-home-0"));
  expect(creates(world)).toHaveLength(2);
  expect((await world.cli(["down", "web"])).code).toBe(0);
  expect(world.networks()).toEqual(["other-home-0"]);
});

test("a subnet taken at every try gives up after the bounded attempts: exit 75, one message, nothing left", async () => {
  const world = fakeWorld();
  const up = await world.cli(["up", "--detach"], { env: racingDocker(world, 99) });
  expect(up.code).toBe(75);
  expect(creates(world)).toHaveLength(3);
  expect(up.stderr.match(/planning again \(\d of 3\)/g)).toEqual(["planning again (2 of 3)", "planning again (3 of 3)"]);
  expect(up.stderr).toMatch(/\nerror: Cannot create the bundle network \S+-web-net: [\d.]+\/24 is taken on this docker engine\nhint: another network holds/);
  expect(world.networks()).toEqual(["other-home-0", "other-home-1", "other-home-2"]);
  expect({ machines: world.machines(), containers: world.containers() }).toEqual({ machines: [], containers: [] });
});
