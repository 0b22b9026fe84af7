import { describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "smol-toml";
import { parseManifest } from "../../../src/core/load-manifest.ts";
import { smolmachines } from "../../../src/backends/smolmachines/index.ts";
import { renderSmolfile } from "../../../src/backends/smolmachines/render.ts";
import type { SmolvmProbe } from "../../../src/backends/smolmachines/smolvm-probe.ts";
import type { Facts } from "../../../src/core/host-facts.ts";
import type { Bottle } from "../../../src/core/load-manifest.ts";
import { bottleFiles, planBottle } from "../../../src/lifecycle/bottle.ts";

const GOLDEN = join(import.meta.dir, "../../golden");
const facts: Facts<SmolvmProbe> = { home: "/home/u/.local/state/claude-bottle", platform: "linux", arch: "x64", user: { uid: 1000, gid: 1000 }, usedSubnets: [], backend: { state: "found", version: [1, 9, 3] } };
const planSmolmachines = (bottle: Bottle, f: Facts<SmolvmProbe>) => planBottle(smolmachines, bottle, f);

function golden(name: string, actual: string): void {
  const path = join(GOLDEN, name);
  if (process.env["UPDATE_GOLDEN"] === "1") writeFileSync(path, actual);
  expect(actual).toBe(readFileSync(path, "utf8"));
}

const HOSTILE = `name = "hostile"
[agent.env]
QUOTES = 'say "hi"'
BACKSLASH = 'C:\\temp\\new'
NEWLINE = "line1\\nline2"
UNICODE = "ünïcödé ✓ 🍾"
EQUALS = "a=b=c"
TOML_INJECTION = '"]\\n[network]\\nallow_cidrs = ["0.0.0.0/0"]'
`;

describe("Smolfile", () => {
  for (const [name, text] of [["minimal", 'name = "web"'], ["hostile", HOSTILE]] as const) {
    test(`${name}: golden, and parses back to exactly env + network.allow_cidrs`, () => {
      const plan = planSmolmachines(parseManifest(text, "/p/bottle.toml"), facts);
      const rendered = renderSmolfile(plan);
      golden(`${name}.Smolfile`, rendered);
      const parsed = parse(rendered) as { env: string[]; network: { allow_cidrs: string[] } };
      expect(Object.keys(parsed).sort()).toEqual(["env", "network"]);
      expect(Object.keys(parsed.network)).toEqual(["allow_cidrs"]);
      expect(parsed.network.allow_cidrs).toEqual([`${plan.bundleIp}/32`]);
      expect(parsed.env).toEqual(Object.entries(plan.env).map(([k, v]) => `${k}=${v}`));
    });
  }

  test("every manifest value round-trips exactly", () => {
    const bottle = parseManifest(HOSTILE, "/p/bottle.toml");
    const parsed = parse(renderSmolfile(planSmolmachines(bottle, facts))) as { env: string[] };
    for (const [key, value] of Object.entries(bottle.manifest.agent.env)) {
      expect(parsed.env).toContain(`${key}=${value}`);
    }
  });

  test("env is sorted by key, like the seed renderer", () => {
    const parsed = parse(renderSmolfile({ bundleIp: "10.0.0.2", env: { A0: "x", A: "y", B: "z" } })) as { env: string[] };
    expect(parsed.env).toEqual(["A=y", "A0=x", "B=z"]);
  });

  test("nothing of the gvproxy design or TSI flags leaks in", () => {
    const rendered = renderSmolfile(planSmolmachines(parseManifest('name = "web"', "/p"), facts));
    for (const banned of ["gvproxy", "unixgram", "[[net]]", "socket", "outbound", "localhost-only", "image", "entrypoint", "cmd", "cpus", "memory", "net ="]) {
      expect(rendered).not.toContain(banned);
    }
  });

  test("files are private (0600) and named for the state dir", () => {
    const files = bottleFiles(smolmachines, planSmolmachines(parseManifest('name = "web"', "/p"), facts));
    expect(files.map((file) => [file.name, file.mode])).toEqual([["bundle/bundle.json", 0o600], ["Smolfile", 0o600]]);
  });
});
