/**
 * `up`'s credential work on the host. Before anything is created: resolve every credential
 * (an unresolvable one stops `up` with the fix) and read the operator's upstream CAs. After
 * the bundle's secrets exist: mint the leaves with the CA key (which stays on the host) and
 * write the material, 0600, into the bundle directory only.
 */
import { join } from "node:path";
import { BottleError, EXIT } from "../core/errors.ts";
import { parseUpstreamProxy } from "../core/upstream-proxy.ts";
import type { Bottle } from "../core/load-manifest.ts";
import type { CorePlan } from "../core/plan.ts";
import { shapeOf, type SentinelShape } from "../core/sentinel.ts";
import { CA_CERT_FILE, CA_KEY_FILE } from "../bundle/bundle-ca.ts";
import { bundleMaterial, resolveCredentials, writeMaterial } from "../bundle/credential-material.ts";
import type { LifecycleContext } from "./context.ts";

export interface ResolvedSecrets {
  readonly values: ReadonlyMap<string, string>;
  readonly shapes: Readonly<Record<string, SentinelShape>>;
}

/** Every credential's value, read on the host; throws (exit 69) naming each one that cannot be. */
export async function resolveBottleSecrets(
  ctx: LifecycleContext,
  bottle: Bottle,
): Promise<ResolvedSecrets | undefined> {
  const specs = bottle.manifest.credentials.list;
  if (specs.length === 0) return undefined;
  const values = await resolveCredentials(specs, {
    env: ctx.deps.env,
    fs: ctx.deps.fs,
    runner: ctx.deps.runner,
    userHome: ctx.host.userHome,
  });
  return { values, shapes: Object.fromEntries([...values].map(([name, value]) => [name, shapeOf(value)])) };
}

async function readUpstreamCas(ctx: LifecycleContext, paths: readonly string[]): Promise<string[]> {
  return Promise.all(
    paths.map(async (path) => {
      const text = await ctx.deps.fs.readTextIfExists(path);
      if (text === undefined || !text.includes("-----BEGIN CERTIFICATE-----")) {
        throw new BottleError(
          "E_UPSTREAM_CA",
          `Cannot use upstream_ca "${path}": ${text === undefined ? "the file does not exist" : "it holds no PEM certificate"}`,
          {
            exitCode: EXIT.unavailable,
            hint: "export the corporate proxy's CA as PEM and point [egress] upstream_ca at it",
          },
        );
      }
      return text;
    }),
  );
}

/** The operator's proxy credentials, read from the manifest here and nowhere else. */
function proxyAuthorization(text: string | undefined): { upstreamProxyAuthorization?: string } {
  const parsed = text === undefined ? undefined : parseUpstreamProxy(text);
  const authorization = parsed?.ok ? parsed.proxy.authorization : undefined;
  return authorization ? { upstreamProxyAuthorization: authorization } : {};
}

/** Writes the bundle's credential material (nothing when the plan has no inspection part). */
export async function writeBottleMaterial(
  ctx: LifecycleContext,
  plan: CorePlan,
  secrets: ResolvedSecrets | undefined,
  bottle: Bottle,
): Promise<void> {
  const inspection = plan.bundle.inspection;
  if (!inspection) return;
  const caDir = join(plan.stateDir, "ca");
  const ca = {
    certificate: await ctx.deps.fs.readText(join(caDir, CA_CERT_FILE)),
    privateKey: await ctx.deps.fs.readText(join(caDir, CA_KEY_FILE)),
  };
  const sentinels = Object.fromEntries(
    inspection.credentials.map((credential) => [credential.name, credential.sentinel]),
  );
  const material = bundleMaterial({
    specs: bottle.manifest.credentials.list,
    values: secrets?.values ?? new Map(),
    sentinels,
    inspect: inspection.inspect,
    ca,
    upstreamCa: await readUpstreamCas(ctx, inspection.upstreamCa),
    ...proxyAuthorization(bottle.manifest.egress.upstream_proxy),
  });
  await writeMaterial(ctx.deps.fs, plan.bundle.dir, material);
}
