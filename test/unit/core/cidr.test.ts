import { describe, expect, test } from "bun:test";
import { cidrsOverlap, formatCidr, formatIpv4, parseCidr, parseIpv4 } from "../../../src/core/cidr.ts";

describe("parseIpv4", () => {
  test.each([
    ["0.0.0.0", 0],
    ["192.168.1.2", 3232235778],
    ["255.255.255.255", 4294967295],
  ])("%s", (text, value) => {
    expect(parseIpv4(text)).toBe(value);
    expect(formatIpv4(value)).toBe(text);
  });

  test.each(["256.0.0.1", "1.2.3", "01.2.3.4", "0x7f.0.0.1", "1.2.3.4.5", " 1.2.3.4", "a.b.c.d", "2130706433"])("refuses %s", (text) => {
    expect(parseIpv4(text)).toBeUndefined();
  });
});

describe("parseCidr", () => {
  test("strict refuses host bits and names the network", () => {
    expect(parseCidr("10.0.0.1/8")).toEqual({ ok: false, reason: '"10.0.0.1/8" has host bits set; did you mean 10.0.0.0/8?' });
  });
  test("lenient masks host bits", () => {
    const parsed = parseCidr("172.17.0.1/16", false);
    expect(parsed.ok && formatCidr(parsed.cidr)).toBe("172.17.0.0/16");
  });
  test.each(["10.0.0.0", "10.0.0.0/33", "10.0.0.0/x", "10.0.0.0/8/8", "", "::1/128"])("refuses %s", (text) => {
    expect(parseCidr(text).ok).toBe(false);
  });
});

test("cidrsOverlap", () => {
  const c = (text: string) => {
    const parsed = parseCidr(text);
    if (!parsed.ok) throw new Error(parsed.reason);
    return parsed.cidr;
  };
  expect(cidrsOverlap(c("192.168.0.0/16"), c("192.168.5.0/24"))).toBe(true);
  expect(cidrsOverlap(c("192.168.5.0/24"), c("192.168.6.0/24"))).toBe(false);
  expect(cidrsOverlap(c("192.168.5.7/32"), c("192.168.5.0/24"))).toBe(true);
  expect(cidrsOverlap(c("0.0.0.0/0"), c("10.0.0.0/8"))).toBe(true);
});
