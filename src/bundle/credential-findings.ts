/**
 * Preflight's look at the credentials, read-only: each `from_env` variable is set and each
 * `from_file` file and `upstream_ca` exists. A `from_command` is not run here (it may prompt or
 * cost); `up` runs it before anything is made and stops there if it fails.
 */
import { join } from "node:path";
import type { BackendDeps } from "../core/deps.ts";
import type { CorePlan } from "../core/plan.ts";
import type { Finding } from "../core/step.ts";

async function sourceFinding(name: string, from: string, deps: BackendDeps): Promise<Finding | undefined> {
  if (from.startsWith("env ")) {
    const variable = from.slice(4);
    if (deps.env[variable] !== undefined) return undefined;
    return {
      code: "CREDENTIAL_UNSET",
      level: "fail",
      message: `credential ${name}: ${variable} is not set on the host`,
      fix: `export ${variable}=… before claude-bottle up`,
    };
  }
  if (from.startsWith("file ")) {
    const given = from.slice(5);
    const path = given.startsWith("~/") ? join(deps.env["HOME"] ?? "~", given.slice(2)) : given;
    if (await deps.fs.exists(path)) return undefined;
    return {
      code: "CREDENTIAL_FILE_MISSING",
      level: "fail",
      message: `credential ${name}: ${path} does not exist`,
      fix: "write the secret into that file (mode 0600), or fix from_file",
    };
  }
  return undefined;
}

export async function credentialFindings(plan: CorePlan, deps: BackendDeps): Promise<Finding[]> {
  const inspection = plan.bundle.inspection;
  if (!inspection) return [];
  const findings: Finding[] = [];
  for (const credential of inspection.credentials) {
    const finding = await sourceFinding(credential.name, credential.from, deps);
    if (finding) findings.push(finding);
  }
  for (const path of inspection.upstreamCa) {
    if (!(await deps.fs.exists(path)))
      findings.push({
        code: "UPSTREAM_CA_MISSING",
        level: "fail",
        message: `upstream_ca ${path} does not exist`,
        fix: "export the proxy's CA as PEM to that path, or fix [egress] upstream_ca",
      });
  }
  if (findings.length === 0 && inspection.credentials.length > 0)
    findings.push({
      code: "CREDENTIALS",
      level: "ok",
      message: `credentials readable: ${inspection.credentials.map((c) => c.name).join(", ")}`,
    });
  return findings;
}
