import { expect, test } from "bun:test";
import { parseBsdRoutes, parseDockerNetworks, parseLinuxRoutes } from "../../../src/core/host-routes.ts";

test("linux routes: destinations, default skipped, bare IPs become /32", () => {
  const output = [
    "default via 10.0.2.2 dev eth0",
    "10.0.2.0/24 dev eth0 proto kernel scope link src 10.0.2.15",
    "172.17.0.0/16 dev docker0 proto kernel scope link src 172.17.0.1 linkdown",
    "169.254.169.254 via 10.0.2.2 dev eth0",
    "broadcast 10.0.2.255 dev eth0 table local",
    "",
  ].join("\n");
  expect(parseLinuxRoutes(output)).toEqual(["10.0.2.0/24", "172.17.0.0/16", "169.254.169.254/32"]);
});

test("bsd routes: shortened destinations cover the octets they name", () => {
  const output = ["Routing tables", "Destination        Gateway            Flags", "default            192.168.1.1        UGScg", "127                127.0.0.1          UCS", "192.168.1          link#6             UCS", "10/8               utun3              USc", "192.168.1.20       aa:bb:cc           UHLWI"].join("\n");
  expect(parseBsdRoutes(output)).toEqual(["127.0.0.0/8", "192.168.1.0/24", "10.0.0.0/8", "192.168.1.20/32"]);
});

test("docker networks: IPv4 subnets and labels; garbage lines skipped", () => {
  const output = [
    '"bridge"\t[{"Subnet":"172.17.0.0/16","Gateway":"172.17.0.1"}]\t{}',
    '"claude-bottle-web-net"\t[{"Subnet":"192.168.9.0/24"},{"Subnet":"fd00::/64"}]\t{"dev.claude-bottle.slug":"web"}',
    '"none"\t[]\tnull',
    "not json",
  ].join("\n");
  expect(parseDockerNetworks(output)).toEqual([
    { name: "bridge", subnets: ["172.17.0.0/16"], labels: {} },
    { name: "claude-bottle-web-net", subnets: ["192.168.9.0/24"], labels: { "dev.claude-bottle.slug": "web" } },
    { name: "none", subnets: [], labels: {} },
  ]);
});
