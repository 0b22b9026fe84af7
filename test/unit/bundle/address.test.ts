import { describe, expect, test } from "bun:test";
import { blockedReason, classifyHost, embeddedIpv4, inetAton } from "../../../src/bundle/serve/address.ts";

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

describe("blockedReason", () => {
  test.each([
    ["127.0.0.1", "loopback"],
    ["10.1.2.3", "private (RFC 1918)"],
    ["172.31.255.255", "private (RFC 1918)"],
    ["192.168.0.1", "private (RFC 1918)"],
    ["100.100.100.200", "carrier-grade NAT (RFC 6598)"],
    ["169.254.169.254", "link-local / cloud metadata"],
    ["0.0.0.0", "this-network"],
    ["224.0.0.1", "multicast"],
    ["255.255.255.255", "reserved / broadcast"],
    ["::1", "loopback"],
    ["::", "unspecified"],
    ["::ffff:127.0.0.1", "loopback"],
    ["::ffff:7f00:1", "loopback"],
    ["::ffff:169.254.169.254", "link-local / cloud metadata"],
    ["64:ff9b::a00:1", "private (RFC 1918)"],
    ["fd00:ec2::254", "unique local (private)"],
    ["fe80::1", "link-local"],
  ])("%s is %s", (address, why) => {
    expect(blockedReason(address)).toBe(why);
  });

  test.each(["1.1.1.1", "203.0.113.9", "2606:4700::1111", "172.32.0.1", "100.128.0.1"])("%s is public", (address) => {
    expect(blockedReason(address)).toBeUndefined();
  });

  test("the bundle's own subnet is blocked even inside an otherwise public range", () => {
    expect(blockedReason("198.51.100.7", { base: 3325256704, prefix: 24 })).toBe("the bundle's own network");
  });

  test("embedded IPv4 forms", () => {
    expect(embeddedIpv4("::ffff:10.0.0.1")).toBe("10.0.0.1");
    expect(embeddedIpv4("2001:db8::1")).toBeUndefined();
  });
});
