import { describe, expect, test } from "bun:test";
import { agentExecArgv, agentRunArgv, tmpfsSizes } from "../../../src/backends/docker/argv.ts";
import { keptHomeCreateArgv, keptHomesListArgv, keptHomeVolume, stripCredentialsCommand } from "../../../src/core/kept-home.ts";

const plan = {
  slug: "web",
  home: "/h",
  agent: { agentContainer: { name: "cb-web-agent", ip: "192.168.5.3", user: "1000:1000" } },
  agentImage: "claude-bottle:latest",
  agentCpus: 2,
  agentMemoryMiB: 4096,
  bundle: { networkName: "cb-web-net", caCertPath: "/h/bottles/web/bundle/ca.crt" },
  bundleIp: "192.168.5.2",
  env: { ANTHROPIC_API_KEY: "sk-ant-api03-sentinel" },
} as unknown as Parameters<typeof agentRunArgv>[0];

/** The values following each occurrence of `flag`. */
function values(argv: string[], flag: string): string[] {
  return argv.flatMap((arg, i) => (arg === flag ? [argv[i + 1]!] : []));
}

describe("agentRunArgv", () => {
  test("the agent's home is a tmpfs of its own at /home/agent; /workspace stays the working directory", () => {
    const argv = agentRunArgv(plan);
    expect(values(argv, "--tmpfs")).toEqual([
      "/tmp:rw,nosuid,nodev,size=1024m",
      "/workspace:rw,exec,nosuid,nodev,uid=1000,gid=1000,mode=0700,size=2048m",
      "/home/agent:rw,nosuid,nodev,uid=1000,gid=1000,mode=0700,size=512m",
    ]);
    expect(values(argv, "--workdir")).toEqual(["/workspace"]);
    expect(values(argv, "--env")).toEqual(["HOME=/home/agent", "ANTHROPIC_API_KEY=sk-ant-api03-sentinel"]);
    expect(values(argv, "--mount")).toEqual([
      "type=bind,source=/h/bottles/web/bundle/ca.crt,target=/etc/claude-bottle/bundle-ca.crt,readonly",
      "type=bind,source=/h/bottles/web/bundle/guest-trust.pem,target=/etc/claude-bottle/ca-bundle.crt,readonly",
    ]);
  });

  test("persist_home: the kept volume is the home instead of the tmpfs", () => {
    const kept = { ...plan, agent: { agentContainer: { ...plan.agent.agentContainer, homeVolume: "cb-web-home" } } };
    const argv = agentRunArgv(kept);
    expect(values(argv, "--tmpfs").some((spec) => spec.startsWith("/home/agent"))).toBe(false);
    expect(values(argv, "--mount")).toContain("type=volume,source=cb-web-home,target=/home/agent");
    expect(values(argv, "--env")).toContain("HOME=/home/agent");
  });

  test("[workspace] path is the workspace tmpfs and the working directory; attach may name a workdir", () => {
    const argv = agentRunArgv({ ...plan, workspace: { path: "/src" } } as unknown as typeof plan);
    expect(values(argv, "--tmpfs")[1]).toBe("/src:rw,exec,nosuid,nodev,uid=1000,gid=1000,mode=0700,size=2048m");
    expect(values(argv, "--workdir")).toEqual(["/src"]);
    expect(agentExecArgv("cb-web-agent", ["claude"], true, "/src")).toEqual(["docker", "exec", "--interactive", "--tty", "--workdir", "/src", "cb-web-agent", "claude"]);
    expect(agentExecArgv("cb-web-agent", ["ls"], false)).toEqual(["docker", "exec", "--interactive", "cb-web-agent", "ls"]);
  });

  test("tmpfs sizes follow the memory", () => {
    expect([512, 4096, 16384].map(tmpfsSizes)).toEqual([
      { workspace: 256, tmp: 128, home: 64 },
      { workspace: 2048, tmp: 1024, home: 512 },
      { workspace: 8192, tmp: 1024, home: 512 },
    ]);
  });
});

describe("kept home", () => {
  test("a volume named and labelled after the home and the bottle", () => {
    const volume = keptHomeVolume("/h", "web");
    expect(volume).toMatch(/^claude-bottle-[0-9a-f]{6}-web-home$/);
    expect(keptHomeCreateArgv("/h", "web")).toEqual([
      "docker", "volume", "create",
      "--label", "dev.claude-bottle.slug=web", "--label", "dev.claude-bottle.home=/h", "--label", "dev.claude-bottle.kept=agent-home",
      volume,
    ]);
    expect(keptHomesListArgv("/h")).toEqual([
      "docker", "volume", "ls", "--filter", "label=dev.claude-bottle.home=/h", "--filter", "label=dev.claude-bottle.kept=agent-home",
      "--format", '{{.Name}}\t{{.Label "dev.claude-bottle.slug"}}',
    ]);
    expect(stripCredentialsCommand()).toEqual(["rm", "-f", "/home/agent/.claude/.credentials.json"]);
  });
});
