/**
 * The bundle half of the lifecycle against a real Docker engine: the bundle image built here
 * with no registry, a network with the plan's subnet, the container pinned to the bundle IP,
 * readiness over HTTP from the host, the proxy, DNS sink and approvals answering on the bundle
 * IP, teardown and gc. The VM half uses the fake smolvm (smolvm cannot run here).
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { createSocket } from "node:dgram";
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { runCli, tempDir } from "../helpers/cli.ts";
import { cleanHome, cleanupDocker, docker, requireDocker, sharedBundleImage, trackNetwork, TEST_LABEL } from "../helpers/docker.ts";
import { dnsQuery } from "../helpers/dns.ts";
import { FAKE_BIN } from "../helpers/fake-world.ts";
import { standInAgentImage } from "../helpers/agent-images.ts";
import { compileLinuxBinary } from "../helpers/spawn.ts";
import { nodeRunner } from "../../src/runtime/node-runner.ts";
import { nodeFs } from "../../src/runtime/node-fs.ts";
import { httpProbe } from "../../src/runtime/http-probe.ts";
import type { Fs } from "../../src/core/fs.ts";

const run = `${process.pid}-${Date.now().toString(36)}`;
let BUNDLE_IMAGE = "";
const AGENT_IMAGE = `claude-bottle-agent:test-${run}`;
// A name per run: the subnet follows the name's hash, and concurrent runs on one engine would
// race for the same /24 between planning and creating it.
const NAME = `real${process.pid % 100_000}`;

beforeAll(() => {
  requireDocker();
  BUNDLE_IMAGE = sharedBundleImage(compileLinuxBinary);
  standInAgentImage(AGENT_IMAGE);
}, 180_000);

const fsWithKvm: Fs = { ...nodeFs, exists: (p) => (p === "/dev/kvm" ? Promise.resolve(true) : nodeFs.exists(p)), canReadWrite: (p) => (p === "/dev/kvm" ? Promise.resolve(true) : nodeFs.canReadWrite(p)) };
const homes: string[] = [];
afterEach(() => {
  for (const home of homes.splice(0)) cleanHome(home);
});
afterAll(() => cleanupDocker());

/** A project whose bottle uses real docker and the fake smolvm (only smolvm is faked on PATH). */
function world(allow: string[] = ["api.anthropic.com"]) {
  const dir = tempDir("real");
  const home = join(dir, "home");
  homes.push(home);
  const fakes = join(dir, "bin");
  mkdirSync(fakes);
  symlinkSync(join(FAKE_BIN, "smolvm"), join(fakes, "smolvm"));
  symlinkSync(join(FAKE_BIN, "_common.sh"), join(fakes, "_common.sh"));
  mkdirSync(join(dir, "project"));
  writeFileSync(join(dir, "project/bottle.toml"), `name = "${NAME}"\n[agent]\nimage = "${AGENT_IMAGE}"\n[egress]\nallow = ${JSON.stringify(allow)}\n[bundle]\nimage = "${BUNDLE_IMAGE}"\n`);
  const env = { PATH: `${fakes}:${process.env["PATH"]}`, FAKE_STATE: join(dir, "fake"), FAKE_SMOLVM_VERSION: "1.9.3" };
  const cli = (args: string[]) => runCli(["--home", home, ...args], { cwd: join(dir, "project"), env, runner: nodeRunner(env), fs: fsWithKvm, http: httpProbe, user: { uid: process.getuid!(), gid: process.getgid!() } });
  return { dir, home, cli };
}

function rawTo(host: string, port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, host);
    let answer = "";
    socket.on("data", (chunk) => (answer += chunk));
    socket.on("close", () => resolve(answer));
    socket.on("error", reject);
    socket.write(request);
  });
}

describe("bundle on a real docker engine", () => {
  test("up builds network and pinned bundle, serves on the bundle IP, and down removes both", async () => {
    // The pool as a CIDR rule: it covers the bundle's own network, which must stay closed anyway.
    // docker0's range too: the host's own address on it (a local route) must stay closed.
    const w = world(["api.anthropic.com", "192.168.0.0/16", "172.17.0.0/16"]);
    const up = await w.cli(["up", "--detach"]);
    expect(up.stderr).toContain(`bottle "${NAME}" is up`);
    expect(up.code).toBe(0);
    const plan = JSON.parse(readFileSync(join(w.home, `bottles/${NAME}/state.json`), "utf8")).plan;

    const inspect = JSON.parse(docker(["inspect", plan.bundle.containerName]).stdout)[0];
    expect(inspect.NetworkSettings.Networks[plan.bundle.networkName].IPAMConfig.IPv4Address).toBe(plan.bundleIp);
    expect(inspect.Config.Labels).toMatchObject({ "dev.claude-bottle.slug": NAME, "dev.claude-bottle.home": w.home });
    expect(inspect.HostConfig).toMatchObject({ ReadonlyRootfs: true, CapDrop: ["ALL"], SecurityOpt: ["no-new-privileges"] });
    // Never uid 0, even for a root host user: nobody's uid, and the audit below proves it can write.
    expect(inspect.Config.User).toBe(process.getuid!() === 0 ? "65534:65534" : `${process.getuid!()}:${process.getgid!()}`);
    const net = JSON.parse(docker(["network", "inspect", plan.bundle.networkName]).stdout)[0];
    expect(net.IPAM.Config[0]).toMatchObject({ Subnet: plan.bundleSubnet, Gateway: plan.bundleGateway });

    // The proxy in the container refuses what the allowlist does not name, in words.
    const denied = await rawTo(plan.bundleIp, 8888, "CONNECT blocked.example.com:443 HTTP/1.1\r\n\r\n");
    expect(denied).toStartWith("HTTP/1.1 403");
    expect(denied).toContain(`claude-bottle allow ${NAME} blocked.example.com:443`);
    // ...and refuses the host's own loopback, metadata, and its own network, whatever the rules say.
    expect(plan.bundle.hostAddresses).toContain("172.17.0.1/32");
    for (const target of ["127.0.0.1:8890", "169.254.169.254:80", `${plan.bundleGateway}:22`, `${plan.bundleIp}:8890`, "172.17.0.1:22"]) {
      const answer = await rawTo(plan.bundleIp, 8888, `CONNECT ${target} HTTP/1.1\r\n\r\n`);
      expect(answer).toStartWith("HTTP/1.1 403");
      expect(answer).toContain("no rule can admit it");
    }

    // The DNS sink answers REFUSED on the bundle IP.
    const udp = createSocket("udp4");
    const answer = await new Promise<Buffer>((resolve) => {
      udp.once("message", (message) => resolve(message));
      udp.send(dnsQuery("exfil.example.com"), 53, plan.bundleIp);
    });
    udp.close();
    expect(answer[3]! & 0x0f).toBe(5);

    // Approvals from the host CLI, over the bundle IP, with the token only the host has.
    const asked = await fetch(`http://${plan.bundleIp}:8890/requests`, { method: "POST", body: JSON.stringify({ host: "pypi.org", reason: "pip" }) });
    expect(asked.status).toBe(202);
    expect((await w.cli(["requests", NAME])).stdout).toMatch(/pending\s+pypi\.org:443/);
    expect((await w.cli(["allow", NAME, "pypi.org", "--always"])).stdout).toBe(`allowed pypi.org for ${NAME} (kept across restarts)\n`);
    expect(JSON.parse(readFileSync(join(w.home, `bottles/${NAME}/bundle/approved.json`), "utf8"))).toEqual(["pypi.org"]);
    expect((await w.cli(["requests", NAME])).stdout).toBe("no pending requests\n");
    const broad = await w.cli(["allow", NAME, "10.0.0.0/8"]);
    expect([broad.code, broad.stderr]).toEqual([64, expect.stringContaining("it would expose 16,777,216 addresses")]);
    const forced = await w.cli(["allow", NAME, "10.0.0.0/8", "--force", "--once"]);
    expect(forced.stdout).toBe(`allowed 10.0.0.0/8 for ${NAME} (one connection)\n`);
    expect(forced.stderr).toContain("note: 10.0.0.0/8 exposes 16,777,216 addresses");
    const byName = await w.cli(["why", NAME, "api.anthropic.com"]);
    expect(byName.stdout).toBe("ALLOW api.anthropic.com:443 by api.anthropic.com (manifest) (the name is resolved only on connect)\n");
    const why = await w.cli(["why", NAME, "blocked.example.com:443"]);
    expect(why.stdout).toBe("DENY blocked.example.com:443 by default-deny — no allowlist entry matches blocked.example.com:443\n");
    expect(why.code).toBe(1);

    // The audit log lands in the bottle's state on the host, written by the container.
    const audit = readFileSync(join(w.home, `bottles/${NAME}/bundle/audit.jsonl`), "utf8");
    expect(audit).toContain('"host":"blocked.example.com"');
    expect(audit).toContain('"host":"exfil.example.com"');

    const down = await w.cli(["down", NAME]);
    expect(down.code).toBe(0);
    expect(docker(["inspect", plan.bundle.containerName]).code).not.toBe(0);
    expect(docker(["network", "inspect", plan.bundle.networkName]).code).not.toBe(0);
  }, 120_000);

  test("a bundle image that does not exist is refused before anything is made", async () => {
    const w = world();
    writeFileSync(join(w.dir, "project/bottle.toml"), `name = "${NAME}"\n[agent]\nimage = "${AGENT_IMAGE}"\n[bundle]\nimage = "claude-bottle-bundle:absent-${run}"\n`);
    const up = await w.cli(["up", "--detach"]);
    expect(up.code).toBe(69);
    expect(up.stderr).toContain(`Cannot start the bundle: image claude-bottle-bundle:absent-${run} is not on this host`);
    expect(docker(["network", "ls", "-q", "--filter", `label=dev.claude-bottle.home=${w.home}`]).stdout).toBe("");
  }, 60_000);

  test("gc removes what a crash left, and leaves the user's own network alone", async () => {
    const w = world();
    expect((await w.cli(["up", "--detach"])).code).toBe(0);
    rmSync(join(w.home, "bottles"), { recursive: true });
    const mine = `user-net-${run}`;
    trackNetwork(mine);
    expect(docker(["network", "create", "--label", TEST_LABEL, mine]).code).toBe(0);
    const dry = await w.cli(["gc", "--dry-run"]);
    expect(dry.stdout).toMatch(new RegExp(`would remove container claude-bottle-.*-${NAME}-bundle\nwould remove network claude-bottle-.*-${NAME}-net\n`));
    expect((await w.cli(["gc"])).code).toBe(0);
    expect(docker(["ps", "-aq", "--filter", `label=dev.claude-bottle.home=${w.home}`]).stdout).toBe("");
    expect(docker(["network", "ls", "-q", "--filter", `label=dev.claude-bottle.home=${w.home}`]).stdout).toBe("");
    expect(docker(["network", "inspect", mine]).code).toBe(0);
  }, 120_000);
});
