/**
 * What `up` hands the bundle for credentials, made on the host: the real values (resolved from
 * the host's env, a file or a command), the sentinels the guest gets instead, a leaf for every
 * terminated host signed here (so the CA key never leaves the host), and the operator's extra
 * upstream CAs. Written once, 0600, into the bundle directory; never into a plan, state.json,
 * a log or the guest.
 */
import { generateKeyPairSync } from "node:crypto";
import { join } from "node:path";
import type { CredentialSpec, SecretSource } from "../core/credentials.ts";
import { BottleError, EXIT } from "../core/errors.ts";
import type { Fs } from "../core/fs.ts";
import type { Runner } from "../core/runner.ts";
import { MATERIAL_FILE, MATERIAL_VERSION, type BundleMaterial } from "./serve/creds/material.ts";
import { makeSentinel } from "../core/sentinel.ts";
import { loadIssuer, mintLeaf } from "./serve/tls/mint-leaf.ts";

export interface ResolveDeps {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly fs: Pick<Fs, "readTextIfExists">;
  readonly runner: Runner;
  /** The user's home, for `~/` in from_file. */
  readonly userHome: string;
}

function describe(source: SecretSource): string {
  if (source.kind === "env") return `environment variable ${source.name}`;
  if (source.kind === "file") return `file ${source.path}`;
  return `command ${JSON.stringify(source.argv.join(" "))}`;
}

/** The raw text a source yields, or the reason it yields none. Never includes the value in a reason. */
async function read(source: SecretSource, deps: ResolveDeps): Promise<string | { reason: string; hint: string }> {
  if (source.kind === "env") {
    return (
      deps.env[source.name] ?? {
        reason: `${source.name} is not set`,
        hint: `export ${source.name}=… before claude-bottle up`,
      }
    );
  }
  if (source.kind === "file") {
    const path = source.path.startsWith("~/") ? join(deps.userHome, source.path.slice(2)) : source.path;
    const text = await deps.fs
      .readTextIfExists(path)
      .catch((error: Error) => ({ reason: `${path}: ${error.message}`, hint: "make the file readable by you" }));
    return (
      text ?? {
        reason: `${path} does not exist`,
        hint: "write the secret into that file (mode 0600), or fix from_file",
      }
    );
  }
  const result = await deps.runner.run(source.argv, { timeoutMs: 60_000 });
  if (result.exitCode === 0) return result.stdout;
  // stdout may hold part of a secret: only the exit and stderr are shown.
  const why =
    result.spawnError === "ENOENT"
      ? `${source.argv[0]} is not installed or not on PATH`
      : result.timedOut
        ? "timed out"
        : `exited with code ${result.exitCode}`;
  return {
    reason: `${why}${result.stderr.trim() ? `: ${result.stderr.trim().split("\n").slice(-2).join(" / ")}` : ""}`,
    hint: "run the command yourself until it prints the secret",
  };
}

/**
 * Every credential's real value, resolved on the host. One trailing newline is dropped; an
 * empty value or one with control characters or spaces (it travels in a header) is refused.
 * Throws one BottleError (exit 69) naming every credential that could not be resolved.
 */
export async function resolveCredentials(
  specs: readonly CredentialSpec[],
  deps: ResolveDeps,
): Promise<Map<string, string>> {
  const values = new Map<string, string>();
  const problems: string[] = [];
  const hints: string[] = [];
  for (const spec of specs) {
    const text = await read(spec.source, deps);
    const value = typeof text === "string" ? text.replace(/\r?\n$/, "") : undefined;
    if (typeof text !== "string") {
      problems.push(`${spec.name} from ${describe(spec.source)}: ${text.reason}`);
      hints.push(text.hint);
    } else if (value === "" || /[\s\x00-\x1f\x7f]/.test(value!)) {
      problems.push(
        `${spec.name} from ${describe(spec.source)}: the value is empty or holds spaces or control characters`,
      );
      hints.push("a credential is one line with no spaces");
    } else values.set(spec.name, value!);
  }
  if (problems.length > 0) {
    throw new BottleError(
      "E_CREDENTIAL_UNRESOLVED",
      `Cannot resolve ${problems.length === 1 ? "a credential" : `${problems.length} credentials`}:\n  ${problems.join("\n  ")}`,
      { exitCode: EXIT.unavailable, hint: [...new Set(hints)].join("; ") },
    );
  }
  return values;
}

/** The sentinel of each credential, shaped like its value, unique to this bottle's seed. */
export function sentinelsFor(
  specs: readonly CredentialSpec[],
  values: ReadonlyMap<string, string>,
  seed: string,
): Record<string, string> {
  return Object.fromEntries(
    specs.map((spec) => [spec.name, makeSentinel(values.get(spec.name) ?? "", seed, spec.name)]),
  );
}

export interface MaterialInput {
  readonly specs: readonly CredentialSpec[];
  readonly values: ReadonlyMap<string, string>;
  readonly sentinels: Readonly<Record<string, string>>;
  /** Hosts terminated without a credential (`[egress] inspect`). */
  readonly inspect: readonly string[];
  readonly ca: { readonly certificate: string; readonly privateKey: string };
  readonly upstreamCa: readonly string[];
  /** `Proxy-Authorization` for the operator's proxy, when the manifest gives it a user. */
  readonly upstreamProxyAuthorization?: string;
  readonly now?: Date;
}

/**
 * The material file's contents: leaves minted here for every credential and exact inspect host;
 * for `*.suffix` inspect entries the suffixes and — only then — the CA with its key, since those
 * names are known only when the agent connects (the file is 0600, the bundle user's alone).
 */
export function bundleMaterial(input: MaterialInput): BundleMaterial {
  const issuer = loadIssuer(input.ca.certificate, input.ca.privateKey);
  const key = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey;
  const exact = input.inspect.filter((host) => !host.startsWith("*."));
  const wildcards = input.inspect.filter((host) => host.startsWith("*.")).map((host) => host.slice(1));
  const hosts = [...new Set([...input.specs.flatMap((spec) => spec.hosts), ...exact])].sort();
  const leaves = Object.fromEntries(
    hosts.map((host) => [host, mintLeaf(issuer, host, { key, ...(input.now ? { now: input.now } : {}) })]),
  );
  const credentials = input.specs.map((spec) => ({
    name: spec.name,
    hosts: [...spec.hosts],
    header: spec.header,
    schemes: [...spec.schemes],
    sentinel: input.sentinels[spec.name]!,
    value: input.values.get(spec.name)!,
  }));
  const proxyAuth = input.upstreamProxyAuthorization;
  const authorization = proxyAuth ? { upstreamProxyAuthorization: proxyAuth } : {};
  const ca = { cert: input.ca.certificate, key: input.ca.privateKey };
  const minting = wildcards.length === 0 ? {} : { wildcards, ca };
  const upstreamCa = [...input.upstreamCa];
  return { version: MATERIAL_VERSION, credentials, leaves, ...minting, upstreamCa, ...authorization };
}

/** Writes the material into the bundle directory, 0600, atomically. */
export async function writeMaterial(
  fs: Pick<Fs, "writeAtomic">,
  bundleDir: string,
  material: BundleMaterial,
): Promise<void> {
  await fs.writeAtomic(join(bundleDir, MATERIAL_FILE), `${JSON.stringify(material)}\n`, 0o600);
}
