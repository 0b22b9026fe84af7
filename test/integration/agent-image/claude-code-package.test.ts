/**
 * Fetching the pinned Claude Code package: from a stand-in npm registry on loopback (serving the
 * real tarball, or forged answers), cached by version, verified against the pinned integrity.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createReadStream, readdirSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { claudeCodeTarball, npmRegistry, type PackageSource } from "../../../src/agent-image/claude-code-package.ts";
import { CLAUDE_CODE_INTEGRITY, CLAUDE_CODE_VERSION } from "../../../src/agent-image/recipe.ts";
import { BottleError } from "../../../src/core/errors.ts";
import { cachedClaudeCodeTarball } from "../../helpers/agent-images.ts";
import { tempDir } from "../../helpers/cli.ts";

const DOC = `/@anthropic-ai%2fclaude-code-linux-x64/${CLAUDE_CODE_VERSION}`;
let real = "";
let server: Server;
let registry = "";
const requests: string[] = [];
let answer: { integrity?: string; status?: number; tarball?: "real" | "forged" } = {};

beforeAll(async () => {
  real = cachedClaudeCodeTarball();
  server = createServer((req, res) => {
    requests.push(req.url ?? "");
    if (answer.status) return void res.writeHead(answer.status).end();
    if (req.url === DOC) {
      const integrity = answer.integrity ?? CLAUDE_CODE_INTEGRITY["linux-x64"];
      return void res.end(JSON.stringify({ name: "@anthropic-ai/claude-code-linux-x64", dist: { integrity, tarball: `${registry}t.tgz` } }));
    }
    if (answer.tarball === "forged") return void res.end("forged bytes");
    createReadStream(real).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  registry = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}, 300_000);

afterAll(() => server.close());

function source(cacheDir: string): PackageSource {
  return { platform: "linux-x64", cacheDir, env: { npm_config_registry: registry }, progress: () => {} };
}

async function failure(promise: Promise<unknown>): Promise<BottleError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(BottleError);
  return error as BottleError;
}

describe("the npm registry to use", () => {
  test.each([
    [{}, "", "https://registry.npmjs.org/"],
    [{}, "registry=https://npm.internal.test/repo\n", "https://npm.internal.test/repo/"],
    [{}, "registry=https://a.test/\n@anthropic-ai:registry = https://b.test/npm/\n", "https://b.test/npm/"],
    [{ npm_config_registry: "http://env.test" }, "registry=https://a.test/\n", "http://env.test/"],
    [{ NPM_CONFIG_REGISTRY: "http://upper.test/" }, "", "http://upper.test/"],
    [{}, "# registry=https://commented.test/\n;registry=https://x.test\n", "https://registry.npmjs.org/"],
  ])("env %o, npmrc %j", (env, npmrc, expected) => {
    expect(npmRegistry(env, npmrc)).toBe(expected);
  });
});

describe("claudeCodeTarball", () => {
  test("downloads from the configured registry, verifies, caches; the next call uses the cache", async () => {
    answer = {};
    requests.length = 0;
    const cache = join(tempDir("cc-cache"), "claude-code");
    const path = await claudeCodeTarball(source(cache));
    expect(path).toBe(join(cache, `claude-code-linux-x64-${CLAUDE_CODE_VERSION}.tgz`));
    expect(requests).toEqual([DOC, "/t.tgz"]);
    expect(await claudeCodeTarball(source(cache))).toBe(path);
    expect(requests).toHaveLength(2);
  }, 120_000);

  test("a registry whose integrity is not the pinned one is refused before downloading", async () => {
    answer = { integrity: "sha512-AAAA" };
    requests.length = 0;
    const cache = join(tempDir("cc-cache"), "claude-code");
    const error = await failure(claudeCodeTarball(source(cache)));
    expect(error).toMatchObject({ code: "E_INTEGRITY", exitCode: 69 });
    expect(error.message).toContain("its dist.integrity is not the one this claude-bottle pins");
    expect(requests).toEqual([DOC]);
  });

  test("a tarball that does not match is refused and leaves nothing in the cache", async () => {
    answer = { tarball: "forged" };
    const cache = join(tempDir("cc-cache"), "claude-code");
    const error = await failure(claudeCodeTarball(source(cache)));
    expect(error.code).toBe("E_INTEGRITY");
    expect(error.hint).toContain(`expected ${CLAUDE_CODE_INTEGRITY["linux-x64"]}`);
    expect(readdirSync(cache)).toEqual([]);
  });

  test("a corrupt cached file is fetched again", async () => {
    answer = {};
    const cache = tempDir("cc-cache");
    writeFileSync(join(cache, `claude-code-linux-x64-${CLAUDE_CODE_VERSION}.tgz`), "truncated");
    requests.length = 0;
    await claudeCodeTarball(source(cache));
    expect(requests).toEqual([DOC, "/t.tgz"]);
  }, 120_000);

  test("no registry: the error says how to bring the tarball", async () => {
    answer = { status: 404 };
    const error = await failure(claudeCodeTarball(source(tempDir("cc-cache"))));
    expect(error).toMatchObject({ code: "E_REGISTRY", exitCode: 69 });
    expect(error.message).toBe(`Cannot fetch ${registry}${DOC.slice(1)}: HTTP 404`);
    expect(error.hint).toContain("--claude-code-tarball FILE");
  });

  test("a tarball the user brings is verified and used in place, with no registry asked", async () => {
    answer = { status: 500 };
    requests.length = 0;
    expect(await claudeCodeTarball({ ...source(tempDir("cc-cache")), tarball: real })).toBe(real);
    expect(requests).toEqual([]);
  });
});
