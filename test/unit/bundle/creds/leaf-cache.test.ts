import { expect, test } from "bun:test";
import { createCa } from "../../../../src/bundle/bundle-ca.ts";
import { LeafCache, mintableName, REMINT_MS } from "../../../../src/bundle/serve/tls/leaf-cache.ts";
import { loadIssuer } from "../../../../src/bundle/serve/tls/mint-leaf.ts";

const ca = await createCa("leaf-cache");
const issuer = loadIssuer(ca.certificate, ca.privateKey);

test("an LRU: a hit moves a host to the back, the least recently used goes first, each host minted once", () => {
  const cache = new LeafCache(issuer, 2);
  const a = cache.context("a.wild.test");
  cache.context("b.wild.test");
  expect(cache.context("a.wild.test")).toBe(a);
  cache.context("c.wild.test");
  expect([cache.hosts, cache.minted]).toEqual([["a.wild.test", "c.wild.test"], 3]);
  cache.context("b.wild.test");
  expect([cache.hosts, cache.minted]).toEqual([["c.wild.test", "b.wild.test"], 4]);
});

test("a cached leaf is minted again after REMINT_MS (it lives 99 days), not before", () => {
  let now = Date.parse("2026-11-25T00:00:00Z");
  const cache = new LeafCache(issuer, 4, () => now);
  const first = cache.context("a.wild.test");
  now += REMINT_MS - 1;
  expect(cache.context("a.wild.test")).toBe(first);
  now += 1;
  expect(cache.context("a.wild.test")).not.toBe(first);
  expect(cache.minted).toBe(2);
});

test("names a leaf may carry: lowercase labels only; anything else throws and mints nothing", () => {
  for (const ok of ["a.wild.test", "x_y.wild.test", "a-b.c.wild.test"]) expect([ok, mintableName(ok)]).toEqual([ok, true]);
  const cache = new LeafCache(issuer, 4);
  for (const bad of ["wild", "A.wild.test", "ü.wild.test", "-a.wild.test", "a..wild.test", `${"a".repeat(64)}.wild.test`, "a b.wild.test", "1.2.3.4"]) {
    expect([bad, mintableName(bad)]).toEqual([bad, bad === "1.2.3.4"]);
    if (bad !== "1.2.3.4") expect(() => cache.context(bad)).toThrow("cannot mint a leaf");
  }
  expect(cache.minted).toBe(0);
});
