import { expect, test } from "bun:test";
import { parseLinuxLocalAddresses } from "../../../src/core/host-routes.ts";
import { routeSubnets } from "../../../src/core/host-facts.ts";
import { fakeRunner, prefix } from "../../helpers/fake-runner.ts";

const TABLE = `default via 192.0.2.1 dev eth0
172.17.0.0/16 dev docker0 proto kernel scope link src 172.17.0.1 linkdown
local 10.213.77.1 dev br-560bfa0adfcd table local proto kernel scope host src 10.213.77.1
broadcast 10.213.77.255 dev br-560bfa0adfcd table local proto kernel scope link src 10.213.77.1
local 127.0.0.0/8 dev lo table local proto kernel scope host src 127.0.0.1
local 127.0.0.1 dev lo table local proto kernel scope host src 127.0.0.1
local 172.17.0.1 dev docker0 table local proto kernel scope host src 172.17.0.1
local 192.0.2.2 dev eth0 table local proto kernel scope host src 192.0.2.2
`;

test("the host's own addresses come from the local routes, loopback and broadcast left out", () => {
  expect(parseLinuxLocalAddresses(TABLE)).toEqual(["10.213.77.1/32", "172.17.0.1/32", "192.0.2.2/32"]);
});

test("routeSubnets reports them as source local beside the routes, from the one ip call", async () => {
  const runner = fakeRunner([[prefix("ip", "-4", "route", "show", "table", "all"), { stdout: TABLE }]]);
  expect(runner.calls).toEqual([]);
  const used = await routeSubnets(runner, "linux");
  expect(runner.calls).toHaveLength(1);
  expect(used.filter((entry) => entry.source === "local").map((entry) => entry.cidr)).toEqual(["10.213.77.1/32", "172.17.0.1/32", "192.0.2.2/32"]);
  expect(used.filter((entry) => entry.source === "route").map((entry) => entry.cidr)).toEqual(["172.17.0.0/16"]);
});
