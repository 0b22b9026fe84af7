/**
 * The real Docker engine, for tests. Everything a test makes carries its home's label (or the
 * test label) and is removed after the test, pass or fail.
 */
import { spawnSync } from "node:child_process";

export const TEST_LABEL = "dev.claude-bottle.test=1";

export function docker(args: string[], input?: string): { code: number; stdout: string; stderr: string } {
  const result = spawnSync("docker", args, { encoding: "utf8", input: input ?? "", maxBuffer: 64 * 1024 * 1024 });
  return { code: result.status ?? 1, stdout: result.stdout ?? "", stderr: result.stderr ?? "" };
}

/** `sh -c SCRIPT` in a running container as its user; stdout and stderr together. */
export function shInContainer(container: string, script: string): { code: number; out: string } {
  const result = spawnSync("docker", ["exec", container, "sh", "-c", script], { encoding: "utf8" });
  return { code: result.status ?? 1, out: (result.stdout ?? "") + (result.stderr ?? "") };
}

export function requireDocker(): void {
  const version = docker(["version", "--format", "{{.Server.Version}}"]);
  if (version.code !== 0) throw new Error(`these tests need a Docker engine (bash scripts/ensure-docker.sh starts one): ${version.stderr.trim()}`);
}

const homes = new Set<string>();
const images = new Set<string>();
const networks = new Set<string>();

/** Removes every container and network carrying this home's label, now and after all tests. */
export function cleanHome(home: string): void {
  homes.add(home);
  const filter = `label=dev.claude-bottle.home=${home}`;
  const containers = docker(["ps", "-aq", "--filter", filter]).stdout.split("\n").filter(Boolean);
  if (containers.length > 0) docker(["rm", "-f", ...containers]);
  const nets = docker(["network", "ls", "-q", "--filter", filter]).stdout.split("\n").filter(Boolean);
  if (nets.length > 0) docker(["network", "rm", ...nets]);
}

export function trackImage(tag: string): void {
  images.add(tag);
}

export function trackNetwork(name: string): void {
  networks.add(name);
}

/**
 * Removes what the tests tracked. Each test file calls it in its own afterAll (a hook registered
 * here would run only after the first file that imports this module).
 */
export function cleanupDocker(): void {
  for (const home of homes) cleanHome(home);
  for (const name of networks) docker(["network", "rm", name]);
  for (const tag of images) docker(["image", "rm", "-f", tag]);
  homes.clear();
  networks.clear();
  images.clear();
}

/** A tiny local image made with `docker import` (no registry): an empty file system. */
export function emptyImage(tag: string): void {
  trackImage(tag);
  const made = spawnSync("sh", ["-c", `tar -cf - --files-from /dev/null | docker import --change 'LABEL ${TEST_LABEL}' - ${tag}`], { encoding: "utf8" });
  if (made.status !== 0) throw new Error(`cannot make test image ${tag}: ${made.stderr}`);
}

/** A busybox image (from Debian's busybox-static) for containers that probe the network. */
export function busyboxImage(tag: string): void {
  trackImage(tag);
  const applets = ["sh", "nc", "sleep", "cat", "echo", "printf", "id", "touch", "ls", "mkdir", "true"];
  const script = [
    "set -e",
    'root=$(mktemp -d)',
    'mkdir -p "$root/bin" "$root/tmp"',
    'cp /bin/busybox "$root/bin/busybox"',
    ...applets.map((applet) => `ln -s busybox "$root/bin/${applet}"`),
    `tar -C "$root" -cf - . | docker import --change 'LABEL ${TEST_LABEL}' --change 'ENV PATH=/bin' - ${tag} >/dev/null`,
    'rm -rf "$root"',
  ].join("\n");
  const made = spawnSync("sh", ["-c", script], { encoding: "utf8" });
  if (made.status !== 0) throw new Error(`cannot make busybox image ${tag} (needs Debian's busybox-static): ${made.stderr}`);
}

let bundleImage: string | undefined;

/** The bundle image, built once per test process from a freshly compiled binary. */
export function sharedBundleImage(compile: () => string): string {
  if (bundleImage && docker(["image", "inspect", bundleImage]).code === 0) return bundleImage;
  const binary = compile();
  const tag = `claude-bottle-bundle:test-${process.pid}`;
  trackImage(tag);
  const built = spawnSync(binary, ["bundle", "image", "--binary", binary, "--tag", tag], { encoding: "utf8" });
  if (built.status !== 0) throw new Error(`bundle image build failed: ${built.stderr}`);
  bundleImage = tag;
  return tag;
}
