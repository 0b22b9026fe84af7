import { describe, expect, test } from "bun:test";
import { parseManifest } from "../../../src/core/load-manifest.ts";
import { planSmolmachines } from "../../../src/backends/smolmachines/plan.ts";
import type { HostFacts } from "../../../src/plugins/types.ts";

const facts: HostFacts = { home: "/state", platform: "linux", arch: "x64", user: { uid: 1000, gid: 1000 }, usedSubnets: [], backend: { smolvmVersion: "1.9.3" } };
const bottle = (text: string) => parseManifest(text, "/p/bottle.toml");

describe("planSmolmachines", () => {
  test("the agent env uses IP literals for every bundle endpoint", () => {
    const plan = planSmolmachines(bottle('name = "web"\n[agent.env]\nEDITOR = "vi"'), facts);
    const ip = plan.bundleIp;
    expect(plan.env).toEqual({
      CLAUDE_BOTTLE_GIT_URL: `http://${ip}:8889`,
      CLAUDE_BOTTLE_NAME: "web",
      CLAUDE_BOTTLE_SUPERVISE_URL: `http://${ip}:8890`,
      EDITOR: "vi",
      HTTPS_PROXY: `http://${ip}:8888`,
      HTTP_PROXY: `http://${ip}:8888`,
      NODE_EXTRA_CA_CERTS: "/etc/claude-bottle/bundle-ca.crt",
      NO_PROXY: `${ip},localhost,127.0.0.1,::1`,
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
      smolfilePath: "/state/bottles/web/Smolfile",
      machineName: "claude-bottle-7ac138-web",
      smolvmVersion: "1.9.3",
      bundle: { networkName: "claude-bottle-7ac138-web-net", containerName: "claude-bottle-7ac138-web-bundle", configPath: "/state/bottles/web/bundle/bundle.json", image: "claude-bottle-bundle:latest" },
    });
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

  test("without smolvm the plan still forms, with a null version", () => {
    expect(planSmolmachines(bottle('name = "web"'), { ...facts, backend: {} }).smolvmVersion).toBeNull();
  });
});
