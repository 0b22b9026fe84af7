/**
 * The Claude Code native package for the image: from a file the user carried (air-gapped hosts)
 * or from the npm registry, fetched on the host, cached by version under the state dir, and
 * verified against the integrity this build pins and the registry's `dist.integrity`.
 */
import { createHash, randomBytes } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { BottleError, EXIT } from "../core/errors.ts";
import { CLAUDE_CODE_INTEGRITY, CLAUDE_CODE_VERSION, claudeCodePackage, claudeCodeTarballName } from "./recipe.ts";

export const DEFAULT_NPM_REGISTRY = "https://registry.npmjs.org/";
const SCOPE = "@anthropic-ai";

/**
 * The registry npm would use for the package: `npm_config_registry` (either case), else the
 * scope's or the default `registry=` line of ~/.npmrc, else npmjs.org. Pure.
 */
export function npmRegistry(env: Readonly<Record<string, string | undefined>>, npmrc = ""): string {
  const lines = new Map<string, string>();
  for (const line of npmrc.split("\n")) {
    const match = /^\s*([^#;=\s][^=]*?)\s*=\s*(.*?)\s*$/.exec(line);
    if (match) lines.set(match[1]!, match[2]!);
  }
  const registry = env[`npm_config_${SCOPE}:registry`] ?? env["npm_config_registry"] ?? env["NPM_CONFIG_REGISTRY"]
    ?? lines.get(`${SCOPE}:registry`) ?? lines.get("registry") ?? DEFAULT_NPM_REGISTRY;
  return registry.endsWith("/") ? registry : `${registry}/`;
}

/** The registry document of one version: `<registry>/@scope%2fname/<version>`. */
export function versionDocumentUrl(registry: string, platform: string, version: string): string {
  return `${registry}${claudeCodePackage(platform).replace("/", "%2f")}/${version}`;
}

/** sha512 of a file in npm's `sha512-<base64>` form. */
export async function fileIntegrity(path: string): Promise<string> {
  const hash = createHash("sha512");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return `sha512-${hash.digest("base64")}`;
}

export interface PackageSource {
  readonly platform: string;
  /** The state dir's cache for downloads. */
  readonly cacheDir: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly npmrc?: string;
  /** A tarball the user brought: verified, never downloaded. */
  readonly tarball?: string;
  readonly progress: (line: string) => void;
  readonly signal?: AbortSignal;
}

function pinnedIntegrity(platform: string): string {
  const pinned = CLAUDE_CODE_INTEGRITY[platform];
  if (!pinned) {
    throw new BottleError("E_NO_CLAUDE_CODE_BUILD", `Cannot build the agent image: Claude Code has no ${platform} build pinned here`, {
      exitCode: EXIT.unavailable,
      hint: `use a base image for ${Object.keys(CLAUDE_CODE_INTEGRITY).join(" or ")} (--base)`,
    });
  }
  return pinned;
}

async function verify(path: string, platform: string, origin: string): Promise<void> {
  const actual = await fileIntegrity(path);
  if (actual === pinnedIntegrity(platform)) return;
  const pinned = `${claudeCodePackage(platform)}@${CLAUDE_CODE_VERSION}`;
  throw new BottleError("E_INTEGRITY", `Cannot use ${origin}: its sha512 does not match ${pinned}`, {
    exitCode: EXIT.unavailable,
    hint: `expected ${pinnedIntegrity(platform)}, got ${actual}; fetch it again (npm pack ${pinned})`,
  });
}

function unreachable(url: string, cause: string): BottleError {
  return new BottleError("E_REGISTRY", `Cannot fetch ${url}: ${cause}`, {
    exitCode: EXIT.unavailable,
    hint: "check the npm registry (npm_config_registry, ~/.npmrc), or on a host without one pass --claude-code-tarball FILE "
      + "(made elsewhere with npm pack)",
  });
}

async function registryTarballUrl(source: PackageSource, registry: string): Promise<string> {
  const url = versionDocumentUrl(registry, source.platform, CLAUDE_CODE_VERSION);
  const request = { headers: { accept: "application/json" }, signal: source.signal ?? null };
  const answer = await fetch(url, request).catch((error: Error) => {
    throw unreachable(url, error.message);
  });
  if (!answer.ok) throw unreachable(url, `HTTP ${answer.status}`);
  const document = (await answer.json().catch(() => ({}))) as { dist?: { integrity?: unknown; tarball?: unknown } };
  const { integrity, tarball } = document.dist ?? {};
  if (typeof tarball !== "string" || !/^https?:\/\//.test(tarball)) throw unreachable(url, "the answer has no dist.tarball");
  if (integrity !== pinnedIntegrity(source.platform)) {
    throw new BottleError("E_INTEGRITY", `Cannot trust ${url}: its dist.integrity is not the one this claude-bottle pins`, {
      exitCode: EXIT.unavailable,
      hint: `the registry says ${String(integrity)}, claude-bottle pins ${pinnedIntegrity(source.platform)}; check the registry`,
    });
  }
  return tarball;
}

async function download(url: string, target: string, source: PackageSource): Promise<void> {
  const answer = await fetch(url, { signal: source.signal ?? null }).catch((error: Error) => {
    throw unreachable(url, error.message);
  });
  if (!answer.ok || !answer.body) throw unreachable(url, `HTTP ${answer.status}`);
  const size = Number(answer.headers.get("content-length") ?? 0);
  source.progress(`downloading ${url}${size ? ` (${(size / 1e6).toFixed(1)} MB)` : ""}`);
  await pipeline(Readable.fromWeb(answer.body as never), createWriteStream(target, { mode: 0o600 }));
}

/**
 * The verified tarball's path: the user's file, a cached download, or a fresh one. A failed
 * download or verification leaves no file behind. Throws BottleError (69) on any mismatch.
 */
export async function claudeCodeTarball(source: PackageSource): Promise<string> {
  const name = `${claudeCodePackage(source.platform)}@${CLAUDE_CODE_VERSION}`;
  if (source.tarball) {
    source.progress(`verifying ${source.tarball} as ${name}`);
    await stat(source.tarball).catch(() => {
      const message = `Cannot read --claude-code-tarball ${source.tarball}`;
      throw new BottleError("E_NO_TARBALL", message, { exitCode: EXIT.usage, hint: "give the path of the .tgz" });
    });
    await verify(source.tarball, source.platform, source.tarball);
    return source.tarball;
  }
  const cached = join(source.cacheDir, claudeCodeTarballName(source.platform));
  if (await stat(cached).then(() => true, () => false)) {
    source.progress(`verifying the cached ${name}`);
    if ((await fileIntegrity(cached)) === pinnedIntegrity(source.platform)) return cached;
    await rm(cached, { force: true });
  }
  const registry = npmRegistry(source.env, source.npmrc);
  const url = await registryTarballUrl(source, registry);
  await mkdir(source.cacheDir, { recursive: true, mode: 0o700 });
  const partial = `${cached}.${randomBytes(6).toString("hex")}.partial`;
  try {
    await download(url, partial, source);
    source.progress(`verifying ${name}`);
    await verify(partial, source.platform, url);
    await rename(partial, cached);
  } finally {
    await rm(partial, { force: true });
  }
  return cached;
}
