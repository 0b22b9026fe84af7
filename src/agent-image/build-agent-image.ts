/**
 * Building the default agent image: check the base is here (never pulled for the user), get the
 * verified Claude Code tarball, write the recipe's build context to a temp dir, `docker build`
 * it, optionally `docker save` it. The context is removed whatever happens.
 */
import { chmod, copyFile, link, mkdtemp, readFile, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BottleError, EXIT } from "../core/errors.ts";
import { ensureSuccess, tail, type Runner } from "../core/runner.ts";
import { claudeCodeTarball, type PackageSource } from "./claude-code-package.ts";
import {
  agentDockerfile,
  CLAUDE_CODE_VERSION,
  claudeCodePackage,
  claudeCodePlatform,
  claudeCodeTarballName,
  claudeWrapper,
  trustScript,
} from "./recipe.ts";

/** The proxy settings docker build passes to RUN steps (apt-get) when the host has them. */
const PROXY_ARGS = ["HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy"];

export function baseArchArgv(base: string): string[] {
  return ["docker", "image", "inspect", "--format", "{{.Os}}/{{.Architecture}}", base];
}

export interface BuildArgvOptions {
  readonly context: string;
  readonly tag: string;
  readonly iidFile: string;
  readonly env: Readonly<Record<string, string | undefined>>;
}

export function agentBuildArgv(options: BuildArgvOptions): string[] {
  const proxies = PROXY_ARGS.filter((name) => options.env[name]).flatMap((name) => ["--build-arg", name]);
  // --force-rm: a failed step leaves no intermediate container behind.
  const { iidFile, tag, context } = options;
  return ["docker", "build", "--force-rm", "--iidfile", iidFile, ...proxies, "--tag", tag, context];
}

export interface AgentImageBuild {
  readonly base: string;
  readonly tag: string;
  readonly save?: string;
  readonly tarball?: string;
  readonly cacheDir: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly npmrc?: string;
  readonly progress: (line: string) => void;
  readonly signal?: AbortSignal;
}

async function basePlatform(runner: Runner, base: string): Promise<string> {
  const inspect = await runner.run(baseArchArgv(base), { timeoutMs: 30_000 });
  if (inspect.spawnError) ensureSuccess(inspect, `inspect the base image ${base}`, "install Docker Engine");
  if (inspect.exitCode !== 0) {
    const missing = /no such (image|object)/i.test(inspect.stderr);
    throw new BottleError("E_BASE_IMAGE_MISSING", missing
      ? `Cannot build the agent image: the base image "${base}" is not on this host (claude-bottle never pulls it for you)`
      : `Cannot build the agent image: docker cannot inspect "${base}": ${tail(inspect.stderr, 1)}`, {
      exitCode: EXIT.unavailable,
      hint: `docker pull ${base} (or docker load it on an air-gapped host), or pass --base IMAGE with a Debian image you have`,
    });
  }
  const [os, arch] = inspect.stdout.trim().split("/");
  const platform = os === "linux" ? claudeCodePlatform(arch ?? "") : undefined;
  if (!platform) {
    const message = `Cannot build the agent image: "${base}" is ${inspect.stdout.trim()}, `
      + "and Claude Code ships for linux/amd64 and linux/arm64";
    throw new BottleError("E_BASE_IMAGE_PLATFORM", message, {
      exitCode: EXIT.unavailable,
      hint: "pass --base IMAGE with a linux/amd64 or linux/arm64 Debian image",
    });
  }
  return platform;
}

async function writeContext(dir: string, base: string, platform: string, tarball: string): Promise<void> {
  await writeFile(join(dir, "Dockerfile"), agentDockerfile({ base, platform, version: CLAUDE_CODE_VERSION }), { mode: 0o644 });
  await writeFile(join(dir, "claude-bottle-trust"), trustScript(), { mode: 0o755 });
  await writeFile(join(dir, "claude"), claudeWrapper(), { mode: 0o755 });
  await chmod(join(dir, "claude-bottle-trust"), 0o755); // the umask may have cut the mode
  await chmod(join(dir, "claude"), 0o755);
  const target = join(dir, claudeCodeTarballName(platform));
  await link(tarball, target).catch(() => copyFile(tarball, target));
}

function seconds(since: number): string {
  return `${((performance.now() - since) / 1000).toFixed(1)} s`;
}

async function dockerBuild(runner: Runner, build: AgentImageBuild, context: string): Promise<string> {
  const iidFile = join(context, ".iid");
  const argv = agentBuildArgv({ context, tag: build.tag, iidFile, env: build.env });
  const result = await runner.run(argv, { timeoutMs: 1_800_000, ...(build.signal ? { signal: build.signal } : {}) });
  ensureSuccess(result, `build the agent image ${build.tag}`,
    "the base must be a Debian image whose apt sources this host can reach (the build runs apt-get install)");
  return (await readFile(iidFile, "utf8")).trim();
}

/** `docker save` into a temp name beside the target, renamed when whole: never a half archive. */
async function saveImage(runner: Runner, tag: string, target: string): Promise<void> {
  const partial = `${target}.partial`;
  try {
    const saved = await runner.run(["docker", "image", "save", "--output", partial, tag], { timeoutMs: 900_000 });
    ensureSuccess(saved, `save ${tag} to ${target}`);
    await rename(partial, target);
  } finally {
    await rm(partial, { force: true });
  }
}

/**
 * Builds the image; returns its ID. Throws BottleError: 69 for a missing base, a wrong platform
 * or a tarball that fails verification; 1 when docker build or save fails.
 */
export async function buildAgentImage(runner: Runner, build: AgentImageBuild): Promise<string> {
  const started = performance.now();
  const platform = await basePlatform(runner, build.base);
  const source: PackageSource = {
    platform,
    cacheDir: build.cacheDir,
    env: build.env,
    progress: build.progress,
    ...(build.npmrc !== undefined ? { npmrc: build.npmrc } : {}),
    ...(build.tarball ? { tarball: build.tarball } : {}),
    ...(build.signal ? { signal: build.signal } : {}),
  };
  build.progress(`[1/3] ${claudeCodePackage(platform)}@${CLAUDE_CODE_VERSION}`);
  const tarball = await claudeCodeTarball(source);
  const context = await mkdtemp(join(tmpdir(), "claude-bottle-agent-image-"));
  try {
    await writeContext(context, build.base, platform, tarball);
    const slow = "apt-get and a 400 MB layer: a minute or two the first time";
    build.progress(`[2/3] docker build from ${build.base} (${slow}) [${seconds(started)}]`);
    const id = await dockerBuild(runner, build, context);
    if (build.save) {
      build.progress(`[3/3] docker save ${build.tag} to ${build.save} [${seconds(started)}]`);
      await saveImage(runner, build.tag, build.save);
    }
    build.progress(`done in ${seconds(started)}`);
    return id;
  } finally {
    await rm(context, { recursive: true, force: true });
  }
}
