import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { parseManifest } from "../../../src/core/load-manifest.ts";
import { smolmachines } from "../../../src/backends/smolmachines/index.ts";
import type { SmolvmProbe } from "../../../src/backends/smolmachines/smolvm-probe.ts";
import type { Facts } from "../../../src/core/host-facts.ts";
import type { Bottle } from "../../../src/core/load-manifest.ts";
import { planBottle } from "../../../src/lifecycle/bottle.ts";
import { docker } from "../../../src/backends/docker/index.ts";

const facts: Facts<SmolvmProbe> = { home: "/state", platform: "linux", arch: "x64", user: { uid: 1000, gid: 1000 }, usedSubnets: [], backend: { state: "found", version: [1, 9, 3] } };
const planSmolmachines = (b: Bottle, f: Facts<SmolvmProbe>) => planBottle(smolmachines, b, f);
const bottle = (text: string) => parseManifest(text, "/p/bottle.toml");

describe("planSmolmachines", () => {
  test("the agent env uses IP literals for every bundle endpoint", () => {
    const plan = planSmolmachines(bottle('name = "web"\n[agent.env]\nEDITOR = "vi"'), facts);
    const ip = plan.bundleIp;
    expect(plan.env).toEqual({
      CLAUDE_BOTTLE_GIT_URL: `http://${ip}:8889/workspace.git`,
      CLAUDE_BOTTLE_NAME: "web",
      CLAUDE_BOTTLE_SUPERVISE_URL: `http://${ip}:8890`,
      CURL_CA_BUNDLE: "/etc/claude-bottle/ca-bundle.crt",
      EDITOR: "vi",
      GIT_SSL_CAINFO: "/etc/claude-bottle/ca-bundle.crt",
      HTTPS_PROXY: `http://${ip}:8888`,
      HTTP_PROXY: `http://${ip}:8888`,
      NODE_EXTRA_CA_CERTS: "/etc/claude-bottle/bundle-ca.crt",
      NO_PROXY: `${ip},localhost,127.0.0.1,::1`,
      REQUESTS_CA_BUNDLE: "/etc/claude-bottle/ca-bundle.crt",
      SSL_CERT_FILE: "/etc/claude-bottle/ca-bundle.crt",
      http_proxy: `http://${ip}:8888`,
      https_proxy: `http://${ip}:8888`,
      no_proxy: `${ip},localhost,127.0.0.1,::1`,
    });
    expect(Object.values(plan.env).join(" ")).not.toMatch(/localhost:|\.internal|gvproxy/);
  });

  test("the plan names its files and resources under the state dir", () => {
    const plan = planSmolmachines(bottle('name = "web"'), facts);
    expect(plan).toMatchObject({
      backend: "smolmachines",
      isolation: "microvm",
      slug: "web",
      stateDir: "/state/bottles/web",
      bundle: { networkName: "claude-bottle-7ac138-web-net", containerName: "claude-bottle-7ac138-web-bundle", configPath: "/state/bottles/web/bundle/bundle.json", image: "claude-bottle-bundle:latest" },
      agent: { smolfilePath: "/state/bottles/web/Smolfile", machineName: "claude-bottle-7ac138-web", smolvm: { version: "1.9.3", guestImage: { kind: "archive" } } },
    });
    expect(plan.bundle.egressNetwork).toBeUndefined();
    expect(plan.bundleGateway).toBe(plan.bundleSubnet.replace(/0\/24$/, "1"));
    expect(plan.bundleIp).toBe(plan.bundleSubnet.replace(/0\/24$/, "2"));
  });

  test("same manifest and facts give a byte-identical plan", () => {
    const text = 'name = "web"\n[agent.env]\nZ = "1"\nA = "2"';
    expect(JSON.stringify(planSmolmachines(bottle(text), facts))).toBe(JSON.stringify(planSmolmachines(bottle(text), facts)));
  });

  test("another bottle's claimed subnet is avoided", () => {
    const first = planSmolmachines(bottle('name = "web"'), facts);
    const crowded = { ...facts, usedSubnets: [{ cidr: first.bundleSubnet, source: "bottle" as const, owner: "other" }] };
    expect(planSmolmachines(bottle('name = "web"'), crowded).bundleSubnet).not.toBe(first.bundleSubnet);
  });

  test("credential-looking env names are warned about, not silently written", () => {
    const plan = planSmolmachines(bottle('name = "web"\n[agent.env]\nGITHUB_TOKEN = "x"\nEDITOR = "vi"'), facts);
    expect(plan.warnings).toEqual(["agent.env.GITHUB_TOKEN looks like a credential: guest env is readable by the agent and stored in the Smolfile"]);
  });

  test("persist_home: smolmachines plans a kept host directory of the home, docker a kept volume", () => {
    const manifest = 'name = "web"\n[agent]\npersist_home = true';
    const plan = planSmolmachines(bottle(manifest), facts);
    expect(plan.warnings.filter((warning) => warning.includes("persist_home"))).toEqual([]);
    expect(plan.persistHome).toBe(true);
    expect(plan.agent.homeDir).toBe(join(facts.home, "kept-homes", "web"));
    expect(planSmolmachines(bottle('name = "web"'), facts).agent.homeDir).toBeUndefined();
    const cannotKeep = { ...docker, info: { ...docker.info, features: { ...docker.info.features, keptHome: false } } };
    expect(planBottle(cannotKeep, bottle(manifest), { ...facts, backend: undefined }).warnings).toContain(
      "agent.persist_home: backend docker cannot keep the agent's home yet; it lives and dies with the guest",
    );
    const onDocker = planBottle(docker, bottle(manifest), { ...facts, backend: undefined });
    expect(onDocker.warnings.filter((warning) => warning.includes("persist_home"))).toEqual([]);
    expect(onDocker.agent.agentContainer.homeVolume).toMatch(/^claude-bottle-[0-9a-f]{6}-web-home$/);
    expect(planBottle(docker, bottle('name = "web"'), { ...facts, backend: undefined }).agent.agentContainer.homeVolume).toBeUndefined();
  });

  test("without smolvm the plan still forms, with no smolvm (preflight then fails)", () => {
    expect(planSmolmachines(bottle('name = "web"'), { ...facts, backend: { state: "missing" } }).agent.smolvm).toBeNull();
  });

  test.each([
    [[1, 0, 1], "refused"],
    [[1, 1, 0], "archive"],
  ] as const)("the guest-image path is decided in the plan: smolvm %p → %s", (version, kind) => {
    const plan = planSmolmachines(bottle('name = "web"'), { ...facts, backend: { state: "found", version } });
    expect(plan.agent.smolvm?.guestImage.kind).toBe(kind);
  });
});
