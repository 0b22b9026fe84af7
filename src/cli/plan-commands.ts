/** `plan`, `render`, `preflight`: the read-only phases, exposed to users directly. */
import { resolve } from "node:path";
import { EXIT } from "../core/errors.ts";
import { CLAIM_FILE } from "../core/host-facts.ts";
import { writeRenderedFiles } from "../core/write-files.ts";
import { claimedSubnets } from "../core/bundle-plan.ts";
import type { PreflightOptions } from "../core/step.ts";
import { bottleFiles, bottleFindings, planView } from "../lifecycle/bottle.ts";
import { bundleImageFinding } from "../bundle/bundle-preflight.ts";
import { backendDeps, type CliContext } from "./context.ts";
import { prepare } from "./prepare.ts";
import { formatFindings, formatPlan, json } from "./report.ts";

export async function planCommand(ctx: CliContext, manifest: string | undefined, options: { json?: boolean }): Promise<number> {
  const { backend, plan } = await prepare(ctx, manifest);
  const view = planView(backend, plan);
  ctx.out(options.json ? json({ ...view.plan, ...view.summary }) : formatPlan(view.plan, view.summary));
  return EXIT.ok;
}

/**
 * Writes the rendered files. Into the bottle's state dir (the default) it also records the
 * bottle's subnet claim, so other bottles planned later steer around it.
 */
export async function renderCommand(ctx: CliContext, manifest: string | undefined, options: { out?: string; json?: boolean }): Promise<number> {
  const { backend, plan } = await prepare(ctx, manifest);
  const files = bottleFiles(backend, plan);
  const dir = options.out ? resolve(ctx.host.cwd, options.out) : plan.stateDir;
  const claim = options.out ? [] : [{ name: CLAIM_FILE, contents: `${claimedSubnets(plan).join("\n")}\n`, mode: 0o600 }];
  const written = await writeRenderedFiles(ctx.fs, dir, [...files, ...claim]);
  ctx.out(options.json ? json({ written }) : written.map((path) => `wrote ${path}\n`).join(""));
  return EXIT.ok;
}

export async function preflightCommand(ctx: CliContext, manifest: string | undefined, options: PreflightOptions & { json?: boolean }): Promise<number> {
  const { backend, plan, facts } = await prepare(ctx, manifest);
  const bundleImage = await bundleImageFinding(plan.bundle.image, ctx.runner, ctx.host);
  const findings = [...(await bottleFindings(backend, plan, facts, backendDeps(ctx), options)), bundleImage];
  const ok = findings.every((finding) => finding.level !== "fail");
  ctx.out(options.json ? json({ ok, backend: backend.name, isolation: plan.isolation, findings }) : `${backend.name} (isolation: ${plan.isolation})\n${formatFindings(findings)}`);
  return ok ? EXIT.ok : EXIT.unavailable;
}

export function backendsCommand(ctx: CliContext, options: { json?: boolean }): number {
  const backends = ctx.registry.entries().map(({ backend, source }) => ({
    name: backend.name,
    status: "ok",
    apiVersion: backend.apiVersion,
    version: backend.version,
    source,
    ...backend.info,
    options: backend.options ?? {},
  }));
  const broken = ctx.registry.broken().map((plugin) => ({ name: null, status: "broken", source: plugin.path, reason: plugin.reason }));
  if (options.json) {
    ctx.out(json([...backends, ...broken]));
    return EXIT.ok;
  }
  const row = (b: (typeof backends)[number]) =>
    `${b.name.padEnd(14)} ${b.isolation.padEnd(9)} ${b.source === "built-in" ? "built-in" : b.source}\n` +
    `  ${b.description}\n  network: ${b.network.description}\n  needs on PATH: ${b.binaries.join(", ") || "-"}\n`;
  ctx.out(backends.map(row).join(""));
  ctx.out(broken.map((b) => `BROKEN         ${b.source}\n  ${b.reason}\n`).join(""));
  return EXIT.ok;
}
