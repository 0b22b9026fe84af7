/**
 * Plans 1,000 bottles in one process on a crowded host: 300 routes, 100 docker networks and
 * the claims of 1,000 bottles, gathered once (what `ls` or a fleet re-plan does). Side by side:
 * the seed's bare rule (hash → /24, no probing, no facts) as the floor we cannot beat.
 * Also reported: the `up`-like case where each plan sees a fresh facts list with one more claim.
 * Run: bun bench/plan-many.ts   (or: deno run -A bench/plan-many.ts)
 */
import { parseManifest } from "../src/core/load-manifest.ts";
import { slugBlockIndex } from "../src/core/subnet.ts";
import { smolmachines } from "../src/backends/smolmachines/index.ts";
import type { Facts, UsedSubnet } from "../src/core/host-facts.ts";
import type { Bottle } from "../src/core/load-manifest.ts";
import { planBottle } from "../src/lifecycle/bottle.ts";

const BOTTLES = 1000;
const POOL = "10.0.0.0/8";
const crowd: UsedSubnet[] = [
  ...Array.from({ length: 300 }, (_, i): UsedSubnet => ({ cidr: `10.${i % 256}.${(i * 7) % 256}.0/24`, source: "route" })),
  ...Array.from({ length: 100 }, (_, i): UsedSubnet => ({ cidr: `172.${16 + (i % 16)}.${i}.0/24`, source: "docker" })),
];
const bottles = Array.from({ length: BOTTLES }, (_, i) => parseManifest(`name = "bottle-${i}"\n[bundle]\nsubnet_pool = "${POOL}"`, `/p/${i}/bottle.toml`));
const smolvm = { state: "found", version: [1, 9, 3] } as const;
const factsWith = (used: UsedSubnet[]): Facts<unknown> => ({ home: "/state", platform: "linux", arch: "x64", user: { uid: 1000, gid: 1000 }, usedSubnets: used, backend: smolvm });
const planSmolmachines = (bottle: Bottle, facts: Facts<unknown>) => planBottle(smolmachines, bottle, facts);

/** `up` one by one: every plan sees a new facts list (one more claim), so nothing is reused. */
function claimOneByOne(): { ms: number; claims: UsedSubnet[] } {
  let used = [...crowd];
  const started = performance.now();
  for (const bottle of bottles) {
    const plan = planSmolmachines(bottle, factsWith(used));
    used = [...used, { cidr: plan.bundleSubnet, source: "bottle", owner: bottle.slug }];
  }
  return { ms: performance.now() - started, claims: used };
}

function replanAll(facts: Facts<unknown>): number {
  const started = performance.now();
  for (const bottle of bottles) planSmolmachines(bottle, facts);
  return performance.now() - started;
}

function seedRule(): number {
  const started = performance.now();
  const subnets: string[] = [];
  for (const bottle of bottles) {
    let octet = slugBlockIndex(bottle.slug, 256);
    if (octet === 17) octet = 18;
    subnets.push(`192.168.${octet}.0/24`);
  }
  return performance.now() - started;
}

const median = (runs: number[]) => [...runs].sort((a, b) => a - b)[Math.floor(runs.length / 2)]!;
const crowded = claimOneByOne();
const runs = 9;
const replan = median(Array.from({ length: runs }, () => replanAll(factsWith(crowded.claims))));
const seed = median(Array.from({ length: runs }, seedRule));
const oneByOne = median(Array.from({ length: 3 }, () => claimOneByOne().ms));
console.log(`host facts: ${crowded.claims.length} subnets in use (300 routes, 100 docker, ${BOTTLES} bottle claims)`);
console.log(`plan ${BOTTLES} bottles, facts gathered once   : median ${replan.toFixed(1)} ms  (target < 50 ms)`);
console.log(`seed rule, hash only, no facts (baseline)  : median ${seed.toFixed(1)} ms`);
console.log(`plan ${BOTTLES} bottles, new facts per plan    : median ${oneByOne.toFixed(1)} ms  (each indexes ${crowd.length}-${crowded.claims.length} entries)`);
