/** The readiness guard's judgment of `ip -4 route get <bundle address>`: only the bundle's own bridge passes. */
import { expect, test } from "bun:test";
import { bundleRouteProblem } from "../../../src/bundle/bundle-route.ts";

const GATEWAY = "192.168.81.1";

test.each([
  ["the bundle network's bridge, the host's address on it the gateway", "192.168.81.2 dev br-0a1b2c3d4e5f src 192.168.81.1 uid 1000\n    cache\n", undefined],
  ["through a gateway", "192.168.81.2 via 10.0.2.2 dev eth0 src 10.0.2.15 uid 0\n", "this host routes it through a gateway, not a local bridge"],
  // The bench's case: the host's own LAN is 192.168.81.0/24, directly connected, no gateway.
  ["on the host's LAN", "192.168.81.2 dev eth0 src 192.168.81.57 uid 0\n", "this host routes it over eth0, not a docker bridge"],
  ["a bridge that is not the bundle network's", "192.168.81.2 dev br-lan src 192.168.81.57 uid 0\n", "this host's address on br-lan is 192.168.81.57, not the bundle network's gateway 192.168.81.1"],
  ["the host's own address", "local 192.168.81.2 dev lo table local src 192.168.81.2 uid 0\n", 'this host does not route it to a bridge ("local 192.168.81.2 dev lo table local src 192.168.81.2 uid 0")'],
  ["an answer with no device", "unreachable 192.168.81.2\n", 'this host does not route it to a bridge ("unreachable 192.168.81.2")'],
  ["a bridge with no address of the host", "192.168.81.2 dev br-0a1b2c3d4e5f uid 0\n", "this host's address on br-0a1b2c3d4e5f is none, not the bundle network's gateway 192.168.81.1"],
])("%s", (_case, output, problem) => {
  expect(bundleRouteProblem(output, GATEWAY)).toBe(problem);
});
