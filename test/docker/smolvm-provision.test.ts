/**
 * The smolmachines provisioning command (what `machine exec` runs in the guest with the CA on
 * stdin), run by a real busybox shell in a container: the CA lands where NODE_EXTRA_CA_CERTS
 * points, and the combined trust is the first roots file the image has, then the CA.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { provisionCommand } from "../../src/backends/smolmachines/launch.ts";
import { busyboxImage, cleanupDocker, requireDocker } from "../helpers/docker.ts";
import { tempDir } from "../helpers/cli.ts";

const IMAGE = `claude-bottle-provision:test-${process.pid}-${Date.now().toString(36)}`;
const CA = "-----BEGIN CERTIFICATE-----\nQk9UVExFLUNB\n-----END CERTIFICATE-----\n";

beforeAll(() => {
  requireDocker();
  busyboxImage(IMAGE);
});
afterAll(() => cleanupDocker());

/** Runs the provisioning command as root in a throwaway container with `mounts`; prints both files after. */
function provisioned(mounts: string[]): string {
  const script = `${provisionCommand()[2]} && cat /etc/claude-bottle/bundle-ca.crt && echo === && cat /etc/claude-bottle/ca-bundle.crt`;
  const run = spawnSync("docker", ["run", "--rm", "-i", "--network", "none", ...mounts.flatMap((m) => ["-v", m]), IMAGE, "sh", "-c", script], { input: CA, encoding: "utf8" });
  expect(run.stderr).toBe("");
  return run.stdout;
}

test("the combined trust is the image's first roots file, then the CA; with none, the CA alone", () => {
  const dir = tempDir("provision");
  writeFileSync(join(dir, "rhel.pem"), "RHEL-ROOTS\n");
  writeFileSync(join(dir, "openssl.pem"), "OPENSSL-ROOTS");
  // Both later candidates present: the RHEL path comes first in the list, and no trailing newline is lost.
  expect(provisioned([`${dir}/rhel.pem:/etc/pki/tls/certs/ca-bundle.crt:ro`, `${dir}/openssl.pem:/etc/ssl/cert.pem:ro`])).toBe(`${CA}===\nRHEL-ROOTS\n\n${CA}`);
  expect(provisioned([`${dir}/openssl.pem:/etc/ssl/cert.pem:ro`])).toBe(`${CA}===\nOPENSSL-ROOTS\n${CA}`);
  expect(provisioned([])).toBe(`${CA}===\n${CA}`);
});
