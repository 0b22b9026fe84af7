/**
 * smolvm versions and what each can do, from ../shared/reference/smolvm.md §0. Pure.
 */

export type Semver = readonly [number, number, number];

/** Parses `smolvm --version` output ("smolvm 1.9.3"); undefined when it does not match. */
export function parseSmolvmVersion(output: string): Semver | undefined {
  const match = /^smolvm (\d+)\.(\d+)\.(\d+)/m.exec(output.trim());
  return match ? [Number(match[1]), Number(match[2]), Number(match[3])] : undefined;
}

export function parseSemver(text: string): Semver | undefined {
  const match = /^(\d+)\.(\d+)\.(\d+)$/.exec(text);
  return match ? [Number(match[1]), Number(match[2]), Number(match[3])] : undefined;
}

export function formatSemver(version: Semver): string {
  return version.join(".");
}

export function atLeast(version: Semver, floor: Semver): boolean {
  for (let i = 0; i < 3; i++) {
    if (version[i]! !== floor[i]!) return version[i]! > floor[i]!;
  }
  return true;
}

/** The first version with each behaviour the launcher depends on. */
export const SMOLVM_SINCE = {
  /** `machine delete` stops a running VM; `stop` of a missing machine fails. */
  deleteStops: [0, 8, 1],
  /** Machine name is `--name` on create/delete/update/data-dir (positional before). */
  nameFlag: [1, 0, 2],
  /** `--image` takes a local `docker save` archive: no in-guest registry pull. */
  localImageArchive: [1, 1, 0],
  /** The egress allowlist is enforced (virtio-net forced under a policy; smolvm PR #427). */
  enforcedEgress: [1, 1, 3],
  /** `create --from X.smolmachine` keeps `--allow-cidr` (earlier versions drop it silently). */
  fromKeepsEgress: [1, 8, 0],
  /** `--dns IP` points the guest resolver (documented by v1.9.3; the first tag is unverified). */
  dnsFlag: [1, 9, 3],
} as const satisfies Record<string, Semver>;

/** The oldest smolvm a bottle may use without an explicit override. */
export const SMOLVM_FLOOR: Semver = SMOLVM_SINCE.enforcedEgress;

export interface SmolvmFeatures {
  readonly nameFlag: boolean;
  readonly deleteStops: boolean;
  readonly localImageArchive: boolean;
  readonly enforcedEgress: boolean;
  readonly fromKeepsEgress: boolean;
  readonly dnsFlag: boolean;
}

export function smolvmFeatures(version: Semver): SmolvmFeatures {
  return {
    nameFlag: atLeast(version, SMOLVM_SINCE.nameFlag),
    deleteStops: atLeast(version, SMOLVM_SINCE.deleteStops),
    localImageArchive: atLeast(version, SMOLVM_SINCE.localImageArchive),
    enforcedEgress: atLeast(version, SMOLVM_SINCE.enforcedEgress),
    fromKeepsEgress: atLeast(version, SMOLVM_SINCE.fromKeepsEgress),
    dnsFlag: atLeast(version, SMOLVM_SINCE.dnsFlag),
  };
}
