import { expect, test } from "bun:test";
import { createServer } from "node:http";
import { join } from "node:path";
import { dockerApi } from "../../../src/runtime/docker-api.ts";
import { dockerSubnets } from "../../../src/core/host-facts.ts";
import { fakeRunner, prefix } from "../../helpers/fake-runner.ts";
import { tempDir } from "../../helpers/cli.ts";

test("which engine endpoints are asked directly, and which are left to the CLI", () => {
  expect(dockerApi({})).toBeDefined();
  expect(dockerApi({ DOCKER_HOST: "unix:///run/user/1000/docker.sock" })).toBeDefined();
  expect(dockerApi({ DOCKER_HOST: "tcp://10.0.0.5:2376" })).toBeUndefined();
  expect(dockerApi({ DOCKER_CONTEXT: "remote" })).toBeUndefined();
});

test("network subnets come from the API socket when it answers, from the CLI when it does not", async () => {
  const socket = join(tempDir("sock"), "docker.sock");
  const server = createServer((req, res) => {
    expect(req.url).toBe("/networks");
    res.end(JSON.stringify([{ Name: "bridge", IPAM: { Config: [{ Subnet: "172.17.0.0/16" }, { Subnet: "fd00::/64" }] }, Labels: {} }, { Name: "b", IPAM: { Config: [{ Subnet: "192.168.9.0/24" }] }, Labels: { "dev.claude-bottle.slug": "web", "dev.claude-bottle.home": "/h" } }, { Name: "c", IPAM: { Config: [{ Subnet: "192.168.10.0/24" }] }, Labels: { "dev.claude-bottle.slug": "web", "dev.claude-bottle.home": "/other-home" } }, { Name: "none", IPAM: { Config: null }, Labels: null }]));
  });
  await new Promise<void>((resolve) => server.listen(socket, () => resolve()));
  const cli = fakeRunner([[prefix("docker"), { exitCode: 1 }]]);
  try {
    // Owned only with this home's label: another home's "web" is someone else's network.
    expect(await dockerSubnets(cli, "/h", dockerApi({ DOCKER_HOST: `unix://${socket}` }))).toEqual([
      { cidr: "172.17.0.0/16", source: "docker" },
      { cidr: "192.168.9.0/24", source: "docker", owner: "web" },
      { cidr: "192.168.10.0/24", source: "docker" },
    ]);
    expect(cli.calls).toEqual([]);
  } finally {
    server.close();
  }
  const fallback = fakeRunner([
    [prefix("docker", "network", "ls"), { stdout: "n1\n" }],
    [prefix("docker", "network", "inspect"), { stdout: '"n1"\t[{"Subnet":"10.1.0.0/16"}]\t{"dev.claude-bottle.slug":"web","dev.claude-bottle.home":"/other-home"}\n' }],
  ]);
  expect(await dockerSubnets(fallback, "/h", dockerApi({ DOCKER_HOST: `unix://${socket}.gone` }))).toEqual([{ cidr: "10.1.0.0/16", source: "docker" }]);
});
