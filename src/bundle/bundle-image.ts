/**
 * Building the default bundle image with no registry: a FROM-scratch root file system holding
 * the claude-bottle Linux binary, the C libraries it links, and the root certificates the proxy
 * needs for upstream TLS; `docker import` turns it into an image (no builder, no pull).
 */
import { basename, dirname, join } from "node:path";
import { BottleError, EXIT } from "../core/errors.ts";
import type { Fs } from "../core/fs.ts";
import { ensureSuccess, type Runner } from "../core/runner.ts";

export const IMAGE_ENTRYPOINT = "/claude-bottle";
const CA_BUNDLES = ["/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt"];

/** Shared libraries `ldd` names for a binary: absolute paths only (skips linux-vdso). */
export function parseLdd(output: string): string[] {
  const paths = new Set<string>();
  for (const line of output.split("\n")) {
    const match = /(?:=>\s*)?(\/[^\s]+)\s+\(0x[0-9a-f]+\)/.exec(line);
    if (match) paths.add(match[1]!);
  }
  return [...paths];
}

/** Tags of our own bundle image repository: the ones this binary can build (a digest it cannot). */
const OWN_BUNDLE_IMAGE = /^claude-bottle-bundle(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?$/;

/**
 * The binary to build `image` from: this program when it is a compiled Linux binary and the
 * image is one of ours; undefined otherwise. Pure.
 */
export function bundleImageSource(image: string, self: { selfBinary: string | undefined; platform: string }): string | undefined {
  return OWN_BUNDLE_IMAGE.test(image) && self.platform === "linux" ? self.selfBinary : undefined;
}

export function importArgv(tarPath: string, tag: string): string[] {
  return ["docker", "image", "import", "--change", `ENTRYPOINT ["${IMAGE_ENTRYPOINT}"]`, "--change", 'LABEL dev.claude-bottle.role="bundle"', tarPath, tag];
}

export interface ImageBuild {
  readonly binary: string;
  readonly tag: string;
  readonly workDir: string;
  /** Also write a `docker save` archive here (release builds, air-gapped hosts). */
  readonly save?: string;
}

async function copyInto(runner: Runner, fs: Fs, source: string, root: string): Promise<void> {
  const target = join(root, source);
  await fs.makeDir(dirname(target), 0o755);
  ensureSuccess(await runner.run(["cp", "-L", source, target]), `copy ${source} into the bundle image`);
}

export async function buildBundleImage(runner: Runner, fs: Fs, build: ImageBuild): Promise<string> {
  const root = join(build.workDir, "rootfs");
  await fs.makeDir(join(root, "tmp"), 0o755);
  const ldd = await runner.run(["ldd", build.binary]);
  if (ldd.exitCode !== 0 && !/not a dynamic executable/.test(ldd.stdout + ldd.stderr)) ensureSuccess(ldd, `list the libraries of ${build.binary}`);
  for (const library of parseLdd(ldd.stdout)) await copyInto(runner, fs, library, root);
  const caBundle = await (async () => {
    for (const candidate of CA_BUNDLES) if (await fs.exists(candidate)) return candidate;
    return undefined;
  })();
  if (!caBundle) throw new BottleError("E_NO_CA_BUNDLE", "Cannot build the bundle image: no root certificate bundle on this host", { exitCode: EXIT.unavailable, hint: "install ca-certificates" });
  await fs.makeDir(join(root, "etc/ssl/certs"), 0o755);
  ensureSuccess(await runner.run(["cp", "-L", caBundle, join(root, "etc/ssl/certs/ca-certificates.crt")]), "copy the root certificates");
  ensureSuccess(await runner.run(["cp", "-L", build.binary, join(root, basename(IMAGE_ENTRYPOINT))]), "copy the claude-bottle binary");
  ensureSuccess(await runner.run(["chmod", "0755", join(root, basename(IMAGE_ENTRYPOINT))]), "make the binary executable");
  const tar = join(build.workDir, "rootfs.tar");
  ensureSuccess(await runner.run(["tar", "--owner=0", "--group=0", "--numeric-owner", "-C", root, "-cf", tar, "."]), "pack the bundle root file system");
  const imported = await runner.run(importArgv(tar, build.tag), { timeoutMs: 300_000 });
  ensureSuccess(imported, `import the bundle image ${build.tag}`, "is dockerd running? (claude-bottle preflight)");
  if (build.save) ensureSuccess(await runner.run(["docker", "image", "save", "--output", build.save, build.tag], { timeoutMs: 300_000 }), `save ${build.tag} to ${build.save}`);
  return imported.stdout.trim();
}
