/**
 * Files the bundle needs that no plan may contain: the supervise token (host ↔ bundle, never
 * the agent's) and the CA. Made once per bottle, 0600, in its state dir.
 */
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import type { Fs } from "../core/fs.ts";
import { PRIVATE_DIR_MODE } from "../core/write-files.ts";
import { TOKEN_FILE } from "./serve/serve.ts";
import { ensureCa } from "./bundle-ca.ts";
import type { CorePlan } from "../core/plan.ts";

export async function ensureBundleSecrets(fs: Fs, plan: Pick<CorePlan, "stateDir" | "slug" | "bundle">): Promise<void> {
  await fs.makeDir(plan.bundle.dir, PRIVATE_DIR_MODE);
  const tokenPath = join(plan.bundle.dir, TOKEN_FILE);
  if (!(await fs.exists(tokenPath))) await fs.writeAtomic(tokenPath, `${randomBytes(32).toString("hex")}\n`, 0o600);
  await ensureCa(fs, plan.stateDir, plan.slug);
}

export async function readSuperviseToken(fs: Fs, plan: Pick<CorePlan, "bundle">): Promise<string> {
  return (await fs.readText(join(plan.bundle.dir, TOKEN_FILE))).trim();
}
