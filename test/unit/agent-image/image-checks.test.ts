import { describe, expect, test } from "bun:test";
import { checkAgentImage, imageFindings, imageProbeArgv, parseProbe, PROBE_SCRIPT, type ImageCheckOptions } from "../../../src/agent-image/image-checks.ts";
import { fakeRunner, prefix } from "../../helpers/fake-runner.ts";

const good = "tool claude /usr/local/bin/claude\ntool git /usr/bin/git\ntool sh /bin/sh\nuid 1000\nhome /home/agent\nhome-writable yes\n";
const claude: ImageCheckOptions = { command: ["claude"] };

function codes(output: string, options: ImageCheckOptions = claude): Record<string, string> {
  return Object.fromEntries(imageFindings("img", parseProbe(output), options).map((f) => [f.code, f.level]));
}

describe("agent image checks", () => {
  test("the probe runs the image's sh with no network, no capabilities and no pull, the tools as arguments", () => {
    expect(imageProbeArgv("img:1", { command: ["claude", "--x"], user: "1000:1000", tools: ["sleep", "git"] })).toEqual([
      "docker", "run", "--rm", "--pull", "never", "--network", "none", "--cap-drop", "ALL", "--security-opt", "no-new-privileges",
      "--user", "1000:1000", "--entrypoint", "sh", "img:1", "-c", PROBE_SCRIPT, "sh", "claude", "git", "sh", "sleep",
    ]);
  });

  test("parses the probe's answer", () => {
    const answer = parseProbe("tool claude\ntool git /usr/bin/git\nuid 0\nhome /\nhome-writable no\n");
    expect([...answer.tools]).toEqual([["claude", undefined], ["git", "/usr/bin/git"]]);
    expect(answer).toMatchObject({ uid: 0, home: "/", homeWritable: false });
  });

  test("a complete image is one ok finding that says what was seen", () => {
    expect(imageFindings("img", parseProbe(good), claude)).toEqual([
      { code: "AGENT_IMAGE_READY", level: "ok", message: "img: claude, git, sh on PATH; runs as uid 1000; home /home/agent writable" },
    ]);
  });

  test.each([
    ["no agent command", good.replace("tool claude /usr/local/bin/claude", "tool claude"), claude, { AGENT_COMMAND_MISSING: "fail" }],
    ["no git", good.replace("tool git /usr/bin/git", "tool git"), claude, { AGENT_IMAGE_NO_GIT: "fail" }],
    ["root by default", good.replace("uid 1000", "uid 0"), claude, { AGENT_USER_ROOT: "fail" }],
    ["root, but the backend sets a user", good.replace("uid 1000", "uid 0"), { ...claude, user: "1000:1000" }, { AGENT_IMAGE_READY: "ok" }],
    ["the backend's user set to root", good, { ...claude, user: "0:0" }, { AGENT_USER_ROOT: "fail" }],
    ["home not writable", good.replace("home-writable yes", "home-writable no"), claude, { AGENT_HOME_NOT_WRITABLE: "fail" }],
    ["home not writable, the backend mounts one", good.replace("home-writable yes", "home-writable no"), { ...claude, homeProvided: true }, { AGENT_IMAGE_READY: "ok" }],
    ["a backend tool missing", good + "tool sleep\n", { ...claude, tools: ["sleep"] }, { AGENT_IMAGE_NO_SLEEP: "fail" }],
    ["unknown uid", good.replace("uid 1000\n", ""), claude, { AGENT_USER_UNKNOWN: "warn" }],
    ["another agent command", good.replace("tool claude /usr/local/bin/claude", "tool aider /usr/bin/aider"), { command: ["aider"] }, { AGENT_IMAGE_READY: "ok" }],
  ] as const)("%s", (_name, output, options, expected) => {
    expect(codes(output, options)).toEqual(expected);
  });

  test("every failure says how to fix it, naming the builder", () => {
    const bare = "tool claude\ntool git\ntool sh /bin/sh\nuid 0\nhome /root\nhome-writable no\n";
    const findings = imageFindings("img", parseProbe(bare), claude);
    expect(findings.map((f) => f.code)).toEqual(["AGENT_COMMAND_MISSING", "AGENT_IMAGE_NO_GIT", "AGENT_USER_ROOT", "AGENT_HOME_NOT_WRITABLE"]);
    for (const finding of findings) expect(finding.fix).toStartWith("build it with `claude-bottle image agent`, or ");
    expect(findings[0]!.fix).toEndWith("add claude to your image");
  });

  test("an image without sh is a failure of its own; a docker failure is a warning", async () => {
    const noSh = fakeRunner([[prefix("docker", "run"), { exitCode: 127, stderr: 'docker: Error response from daemon: OCI runtime create failed: exec: "sh": executable file not found in $PATH: unknown.\n' }]]);
    expect((await checkAgentImage(noSh, "img", claude)).map((f) => [f.code, f.level])).toEqual([["AGENT_IMAGE_NO_SH", "fail"]]);
    const broken = fakeRunner([[prefix("docker", "run"), { exitCode: 125, stderr: "docker: Cannot connect to the Docker daemon\n" }]]);
    expect((await checkAgentImage(broken, "img", claude)).map((f) => [f.code, f.level])).toEqual([["AGENT_IMAGE_UNCHECKED", "warn"]]);
  });
});
