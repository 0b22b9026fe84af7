/**
 * smolvm command lines, per version (reference §0 and §2). Pure builders, table-tested.
 * The machine name is positional before 1.0.2 and `--name` from then on; `exec`, `start` and
 * `stop` always take `--name`. `delete` always gets `-f`: without it smolvm prompts, reads a
 * closed stdin as "no", prints "Cancelled" and exits 0 having deleted nothing.
 */
import type { SmolvmFeatures } from "./version.ts";

type Features = Pick<SmolvmFeatures, "nameFlag" | "dnsFlag">;

function nameArgs(features: Features, name: string): string[] {
  return features.nameFlag ? ["--name", name] : [name];
}

export interface CreateInput {
  readonly name: string;
  /** A `docker save` archive on the host (smolvm ≥ 1.1.0 stages it; no in-guest pull). */
  readonly imageArchive: string;
  readonly smolfilePath: string;
  /** Point the guest resolver at the bundle's DNS sink (smolvm with `--dns`). */
  readonly dns?: string;
  /** The VM's size: `--cpus` and `--mem` (MiB), accepted by every supported smolvm (reference §2.3). */
  readonly cpus: number;
  readonly memoryMiB: number;
  /** `-v HOST:GUEST` host directories shared into the guest (every supported smolvm, reference §2.3). */
  readonly volumes?: readonly { readonly host: string; readonly guest: string }[];
}

export function machineCreateArgv(features: Features, input: CreateInput): string[] {
  return [
    "smolvm", "machine", "create",
    ...nameArgs(features, input.name),
    "--image", input.imageArchive,
    "--smolfile", input.smolfilePath,
    "--cpus", String(input.cpus),
    "--mem", String(input.memoryMiB),
    ...(input.volumes ?? []).flatMap(({ host, guest }) => ["-v", `${host}:${guest}`]),
    ...(features.dnsFlag && input.dns ? ["--dns", input.dns] : []),
  ];
}

export function machineStartArgv(name: string): string[] {
  return ["smolvm", "machine", "start", "--name", name];
}

export function machineStopArgv(name: string): string[] {
  return ["smolvm", "machine", "stop", "--name", name];
}

export function machineDeleteArgv(features: Features, name: string): string[] {
  return ["smolvm", "machine", "delete", ...nameArgs(features, name), "-f"];
}

export function machineDataDirArgv(features: Features, name: string): string[] {
  return ["smolvm", "machine", "data-dir", ...nameArgs(features, name)];
}

export function machineListArgv(): string[] {
  return ["smolvm", "machine", "ls", "--json"];
}

export interface ExecInput {
  readonly name: string;
  readonly command: readonly string[];
  /** Forward stdin. */
  readonly interactive?: boolean;
  /** Allocate a PTY (only when our stdin is a terminal). */
  readonly tty?: boolean;
  /** Forward output as it arrives (without it smolvm buffers until exit). */
  readonly stream?: boolean;
  /** `-w`: the command's working directory (else the image's). */
  readonly workdir?: string;
}

export function machineExecArgv(input: ExecInput): string[] {
  return [
    "smolvm", "machine", "exec", "--name", input.name,
    ...(input.interactive ? ["-i"] : []),
    ...(input.tty ? ["-t"] : []),
    ...(input.stream ? ["--stream"] : []),
    ...(input.workdir ? ["-w", input.workdir] : []),
    "--", ...input.command,
  ];
}

/** The error smolvm prints for a machine that does not exist (reference §4). */
export function isSmolvmNotFound(output: string): boolean {
  return /vm not found|not found or not running|machine '.*' not found/i.test(output);
}
