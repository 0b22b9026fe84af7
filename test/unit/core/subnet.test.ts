import { describe, expect, test } from "bun:test";
import { ConfigError } from "../../../src/core/errors.ts";
import * as v from "valibot";
import { bundleSubnet, slugBlockIndex } from "../../../src/core/subnet.ts";
import { SubnetPoolSchema } from "../../../src/core/value-schemas.ts";

/** A pool as the manifest schema gives it: parsed once. */
const pool = (text: string) => v.parse(SubnetPoolSchema, text);

/** The first slug "a0", "a1", … whose hash lands on `index` in a /16 pool. */
function slugLandingOn(index: number): string {
  for (let i = 0; i < 100_000; i++) if (slugBlockIndex(`a${i}`, 256) === index) return `a${i}`;
  throw new Error("no slug found");
}

describe("bundleSubnet", () => {
  test("third octet comes from the slug hash; gateway .1, bundle .2", () => {
    const slug = slugLandingOn(42);
    expect(bundleSubnet(slug, pool("192.168.0.0/16"), [])).toEqual({ subnet: "192.168.42.0/24", gateway: "192.168.42.1", bundleIp: "192.168.42.2" });
  });

  test("same slug and facts give the same answer", () => {
    const used = [{ cidr: "192.168.1.0/24" }];
    expect(bundleSubnet("web", pool("192.168.0.0/16"), used)).toEqual(bundleSubnet("web", pool("192.168.0.0/16"), used));
  });

  test("never lands on third octet 17", () => {
    const slug = slugLandingOn(17);
    expect(bundleSubnet(slug, pool("192.168.0.0/16"), []).subnet).toBe("192.168.18.0/24");
  });

  test("probes past subnets in use, wrapping at the end of the pool", () => {
    const slug = slugLandingOn(255);
    const used = [{ cidr: "192.168.255.0/24" }, { cidr: "192.168.0.0/23" }];
    expect(bundleSubnet(slug, pool("192.168.0.0/16"), used).subnet).toBe("192.168.2.0/24");
  });

  test("a route covering the block (host LAN) is avoided", () => {
    const slug = slugLandingOn(7);
    expect(bundleSubnet(slug, pool("192.168.0.0/16"), [{ cidr: "192.168.4.0/22" }]).subnet).toBe("192.168.8.0/24");
  });

  test("its own network and claim are not in its way", () => {
    const slug = slugLandingOn(9);
    expect(bundleSubnet(slug, pool("192.168.0.0/16"), [{ cidr: "192.168.9.0/24", owner: slug }]).subnet).toBe("192.168.9.0/24");
  });

  test("two bottles that hash alike still get different subnets once one has claimed", () => {
    const first = slugLandingOn(42);
    const second = (() => {
      for (let i = 0; i < 100_000; i++) if (`b${i}` !== first && slugBlockIndex(`b${i}`, 256) === 42) return `b${i}`;
      throw new Error("no second slug found");
    })();
    const claimed = bundleSubnet(first, pool("192.168.0.0/16"), []);
    expect(claimed.subnet).toBe("192.168.42.0/24");
    expect(bundleSubnet(second, pool("192.168.0.0/16"), []).subnet).toBe("192.168.42.0/24");
    // Once the first has claimed its /24, the second probes on to the next block.
    expect(bundleSubnet(second, pool("192.168.0.0/16"), [{ cidr: claimed.subnet, owner: first }]).subnet).toBe("192.168.43.0/24");
  });

  test("a larger pool spreads over all its /24s: the block is the hash modulo the pool's block count", () => {
    const seconds = new Set<number>();
    for (let i = 0; i < 300; i++) {
      const slug = `spread${i}`;
      const block = slugBlockIndex(slug, 65_536);
      if ((block & 255) === 17) continue; // steered to the next block: tested above
      expect(bundleSubnet(slug, pool("10.0.0.0/8"), []).subnet).toBe(`10.${block >> 8}.${block & 255}.0/24`);
      seconds.add(block >> 8);
    }
    // 300 slugs over 256 second octets: a rule that used only a /16 of the /8 would give one.
    expect(seconds.size).toBeGreaterThan(150);
  });

  test.each([
    ["192.168.0.0/25", "is smaller than one /24"],
    ["192.168.0.1/16", "has host bits set"],
    ["nonsense", "is not an IPv4 CIDR"],
  ])("pool %s is refused by the schema, with the reason", (text, message) => {
    const parsed = v.safeParse(SubnetPoolSchema, text);
    expect(parsed.success).toBe(false);
    expect(parsed.issues?.[0]?.message).toContain(message);
  });

  test("a pool smaller than a /24 that reached it anyway is a ConfigError", () => {
    expect(() => bundleSubnet("web", { base: 0xc0a80000, prefix: 25 }, [])).toThrow(ConfigError);
  });

  test("a full pool is a clear error", () => {
    expect(() => bundleSubnet("web", pool("192.168.17.0/24"), [])).toThrow(/Cannot find a free \/24/);
    expect(() => bundleSubnet("web", pool("10.1.0.0/23"), [{ cidr: "10.1.0.0/23" }])).toThrow(/Cannot find a free \/24/);
  });
});
