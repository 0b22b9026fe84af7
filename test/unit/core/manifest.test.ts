import { describe, expect, test } from "bun:test";
import { ConfigError } from "../../../src/core/errors.ts";
import { parseManifest } from "../../../src/core/load-manifest.ts";

function issuesOf(text: string): string[] {
  try {
    parseManifest(text, "/x/bottle.toml");
  } catch (error) {
    if (error instanceof ConfigError) return error.issues.map((issue) => `${issue.path}: ${issue.message}`);
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("parseManifest", () => {
  test("defaults fill everything but the name", () => {
    expect(parseManifest('name = "web"', "/x/bottle.toml")).toEqual({
      slug: "web",
      manifestPath: "/x/bottle.toml",
      manifest: {
        name: "web",
        backend: "smolmachines",
        backendOptions: {},
        agent: { image: "claude-bottle:latest", command: ["claude"], cpus: 2, memory: 4096, persist_home: false, env: {} },
        egress: { allow: [], inspect: [], upgrade: [], dlp: "block", upstream_ca: [] },
        credentials: { onCanary: "block", list: [] },
        bundle: { image: "claude-bottle-bundle:latest", subnet_pool: { base: 0xc0a80000, prefix: 16 }, audit_max_mb: 50 },
      },
    });
  });

  test("every problem is reported at once, one path: message each", () => {
    const text = `
name = "Web_1"
colour = "blue"
[agent]
image = "--privileged"
env = { HTTPS_PROXY = "http://evil:1", "1BAD" = "x", OK = 3 }
[egress]
allow = ["*.com", "fine.example.com"]
[bundle]
subnet_pool = "192.168.0.0/25"
extra = true
`;
    expect(issuesOf(text).sort()).toEqual([
      "agent.env.1BAD: is not a valid variable name",
      "agent.env.HTTPS_PROXY: is set by claude-bottle to reach the bundle and cannot be overridden",
      "agent.env.OK: expected string, got 3",
      'agent.image: must be an image reference like name:tag (letters, digits, . _ - / : @; no leading -)',
      "bundle.extra: unknown key (known here: image, subnet_pool, audit_max_mb, timeouts)",
      'bundle.subnet_pool: "192.168.0.0/25" is smaller than one /24; a bottle needs a whole /24',
      "colour: unknown key (known here: name, backend, agent, egress, credentials, workspace, bundle)",
      'egress.allow.0: "*.com" is not a wildcard like *.example.com',
      "name: must be 1-40 lowercase letters, digits or hyphens, starting and ending with a letter or digit",
    ]);
  });

  test.each([
    ["https_proxy", "lowercase spelling"],
    ["No_Proxy", "mixed case"],
    ["NODE_EXTRA_CA_CERTS", "CA path"],
    ["ALL_PROXY", "all_proxy"],
  ])("reserved env %s (%s) is refused", (name) => {
    expect(issuesOf(`name = "web"\n[agent.env]\n${name} = "x"`)).toEqual([`agent.env.${name}: is set by claude-bottle to reach the bundle and cannot be overridden`]);
  });

  test.each(["a", "web", "my-bottle-2", "x".repeat(40)])("name %s is accepted", (name) => {
    expect(parseManifest(`name = "${name}"`, "/b").slug).toBe(name);
  });

  test.each(["", "-web", "web-", "Web", "web_1", "x".repeat(41), "a b", "web--x"])("name %p is refused", (name) => {
    expect(issuesOf(`name = "${name}"`)[0]).toStartWith("name: ");
  });

  test("TOML syntax errors carry line and column", () => {
    const error = (() => {
      try {
        parseManifest('name = "web"\n[agent\nimage = "x"', "/x/bottle.toml");
      } catch (caught) {
        return caught as ConfigError;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect(error!.code).toBe("E_MANIFEST_SYNTAX");
    expect(error!.issues[0]!.path).toBe("line 2, column 7");
  });

  test("a missing name is reported", () => {
    expect(issuesOf("[agent]")).toEqual(["name: is required"]);
  });

  test("env values that smolvm would alter are refused", () => {
    expect(issuesOf('name = "web"\n[agent.env]\nA = "x "\nB = "y\\u0000"').sort()).toEqual([
      "agent.env.A: must not end in whitespace: smolvm trims it, so the guest would see another value",
      "agent.env.B: must not contain a NUL character",
    ]);
  });
});
