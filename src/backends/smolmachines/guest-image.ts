/**
 * How the agent image gets into the VM without the guest pulling from a registry (the guest can
 * reach only the bundle). Pure: a smolvm version in, a path or a refusal out.
 *
 * - ≥ 1.1.0: `docker save` archive on the host, passed as `--image ./x.tar` together with
 *   `--smolfile`: smolvm stages it on the host, and the Smolfile's env and allow_cidrs apply.
 * - The alternative, a `.smolmachine` from `pack create` + `machine create --from`, cannot be
 *   combined with `--smolfile` (clap conflict), packs keep no allowlist, and before 1.8.0
 *   `--from` silently drops `--allow-cidr` too: that machine would have open egress. Refused.
 * - < 1.1.0: no local archive and no safe `--from`: refused, with the upgrade as the fix.
 */
import { formatSemver, SMOLVM_SINCE, smolvmFeatures, type Semver } from "./version.ts";

export type GuestImagePath =
  | { readonly kind: "archive"; readonly reason: string }
  | { readonly kind: "refused"; readonly reason: string };

export function guestImagePath(version: Semver): GuestImagePath {
  if (smolvmFeatures(version).localImageArchive) {
    return { kind: "archive", reason: `smolvm ${formatSemver(version)} stages a docker-save archive on the host; the Smolfile is applied as rendered` };
  }
  return {
    kind: "refused",
    reason:
      `smolvm ${formatSemver(version)} cannot load a local image archive (from ${formatSemver(SMOLVM_SINCE.localImageArchive)}), ` +
      "and its only other offline path (pack + create --from) drops the egress allowlist, leaving the VM open",
  };
}
