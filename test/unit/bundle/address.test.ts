import { describe, expect, test } from "bun:test";
import { blockedReason, classifyHost, embeddedIpv4, guardedReason, inetAton } from "../../../src/bundle/serve/address.ts";
import { ownNetworks } from "../../../src/bundle/serve/own-networks.ts";
import * as v from "valibot";
import { CidrSchema } from "../../../src/core/value-schemas.ts";

const cidr = (text: string) => v.parse(CidrSchema, text);

describe("inetAton reads every numeric spelling the C resolver accepts", () => {
  test.each([
    ["127.0.0.1", "127.0.0.1"],
    ["127.1", "127.0.0.1"],
    ["127.0.1", "127.0.0.1"],
    ["2130706433", "127.0.0.1"],
    ["0x7f000001", "127.0.0.1"],
    ["0x7f.0.0.1", "127.0.0.1"],
    ["0177.0.0.1", "127.0.0.1"],
    ["017700000001", "127.0.0.1"],
    ["0", "0.0.0.0"],
    ["169.254.43518", "169.254.169.254"],
    ["0xa9fea9fe", "169.254.169.254"],
  ])("%s → %s", (text, address) => {
    expect(inetAton(text)).toBe(address);
  });

  test.each(["example.com", "1.2.3.4.5", "256.1.1.1", "08.1.1.1", "0xg.1.1.1", "1..1", "4294967296", "api.2"])("%s is not numeric", (text) => {
    expect(inetAton(text)).toBeUndefined();
  });
});

test.each([
  ["[::1]", { kind: "ipv6", address: "::1" }],
  ["EXAMPLE.com.", { kind: "name", name: "example.com" }],
  ["0x7f.1", { kind: "ipv4", address: "127.0.0.1" }],
])("classifyHost(%s)", (host, kind) => {
  expect(classifyHost(host)).toEqual(kind as never);
});

describe("guardedReason: what no rule can open", () => {
  test.each([
    ["127.0.0.1", "loopback"],
    ["127.255.255.254", "loopback"],
    ["169.254.169.254", "link-local / cloud metadata"],
    ["100.100.100.200", "cloud metadata"],
    ["168.63.129.16", "cloud metadata"],
    ["0.0.0.0", "this-network"],
    ["224.0.0.1", "multicast"],
    ["255.255.255.255", "reserved / broadcast"],
    ["::1", "loopback"],
    ["::", "unspecified"],
    ["::ffff:127.0.0.1", "loopback"],
    ["::ffff:7f00:1", "loopback"],
    ["::127.0.0.1", "loopback"],
    ["::ffff:169.254.169.254", "link-local / cloud metadata"],
    ["64:ff9b::7f00:1", "loopback"],
    ["64:ff9b:1::a9fe:a9fe", "link-local / cloud metadata"],
    ["fd00:ec2::254", "cloud metadata"],
    ["fe80::1", "link-local"],
    ["ff02::1", "multicast"],
  ])("%s is %s", (address, why) => {
    expect(guardedReason(address)).toBe(why);
  });

  test.each(["10.1.2.3", "172.16.0.1", "192.168.0.1", "100.64.0.1", "1.1.1.1", "fd12::1", "2606:4700::1111"])("%s is not guarded (a rule decides)", (address) => {
    expect(guardedReason(address)).toBeUndefined();
  });

  test("the bundle's own networks are guarded, IPv4 and IPv6, also when public or mapped", () => {
    const own = ownNetworks([cidr("198.51.100.0/24")], { eth1: [{ address: "2001:db8:5::2", cidr: "2001:db8:5::2/64", family: "IPv6", netmask: "", mac: "", internal: false, scopeid: 0 }] });
    expect(guardedReason("198.51.100.7", own)).toBe("the bundle's own network");
    expect(guardedReason("::ffff:198.51.100.1", own)).toBe("the bundle's own network");
    expect(guardedReason("2001:db8:5::1", own)).toBe("the bundle's own network");
    expect(guardedReason("2001:db8:6::1", own)).toBeUndefined();
    expect(guardedReason("198.51.101.7", own)).toBeUndefined();
  });
});

describe("blockedReason: private ranges a CIDR rule may open", () => {
  test.each([
    ["10.1.2.3", "private (RFC 1918)"],
    ["172.31.255.255", "private (RFC 1918)"],
    ["192.168.0.1", "private (RFC 1918)"],
    ["100.64.0.1", "carrier-grade NAT (RFC 6598)"],
    ["64:ff9b::a00:1", "private (RFC 1918)"],
    ["fd12::1", "unique local (private)"],
  ])("%s is %s", (address, why) => {
    expect(blockedReason(address)).toBe(why);
  });

  test.each(["1.1.1.1", "203.0.113.9", "2606:4700::1111", "172.32.0.1", "100.128.0.1"])("%s is public", (address) => {
    expect(blockedReason(address)).toBeUndefined();
    expect(guardedReason(address)).toBeUndefined();
  });

  test("embedded IPv4 forms", () => {
    expect(embeddedIpv4("::ffff:10.0.0.1")).toBe("10.0.0.1");
    expect(embeddedIpv4("2001:db8::1")).toBeUndefined();
  });
});

test("ownNetworks reads interface CIDRs of both families and skips what it cannot read", () => {
  const info = (cidr: string | null, family: "IPv4" | "IPv6") => ({ address: "", cidr, family, netmask: "", mac: "", internal: false, scopeid: 0 });
  const own = ownNetworks([cidr("192.168.108.0/24")], { lo: [info("127.0.0.1/8", "IPv4")], eth1: [info("192.168.9.2/24", "IPv4"), info(null, "IPv4"), info("fe80::42/64", "IPv6")] });
  expect(own.v4).toEqual([{ base: 0xc0a86c00, prefix: 24 }, { base: 0x7f000000, prefix: 8 }, { base: 0xc0a80900, prefix: 24 }]);
  expect(own.v6).toEqual([{ groups: [0xfe80, 0, 0, 0, 0, 0, 0, 0x42], prefix: 64 }]);
});
