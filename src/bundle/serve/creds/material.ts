/**
 * The credential material file as the bundle reads it (written by `up`, 0600, in the bundle
 * directory): real values, sentinels, leaves, extra upstream CAs. Read once at start, held in
 * memory. A missing file is no credentials; a damaged one stops the bundle from starting.
 */
import * as v from "valibot";
import type { Fs } from "../../../core/fs.ts";
import { BottleError, EXIT } from "../../../core/errors.ts";

export const MATERIAL_FILE = "credentials.json";
export const MATERIAL_VERSION = 1;

const text = v.pipe(v.string(), v.minLength(1));

export const MaterialSchema = v.object({
  version: v.literal(MATERIAL_VERSION),
  credentials: v.array(
    v.object({
      name: text,
      hosts: v.array(text),
      header: v.pipe(text, v.toLowerCase()),
      schemes: v.array(v.picklist(["bearer", "basic"])),
      sentinel: v.pipe(text, v.minLength(16)),
      value: text,
    }),
  ),
  leaves: v.record(v.string(), v.object({ cert: text, key: text })),
  upstreamCa: v.array(text),
  /** `[egress] inspect` wildcards as suffixes (".example.test"): their leaves are minted in the bundle. */
  wildcards: v.optional(v.array(v.pipe(text, v.startsWith(".")))),
  /**
   * The bottle CA, key included, only when there are wildcards: their names are not known at `up`,
   * so their leaves can only be minted when a CONNECT names them. Exact hosts stay host-minted.
   */
  ca: v.optional(v.object({ cert: text, key: text })),
  /** `Proxy-Authorization` for the operator's proxy (`Basic …`), when upstream_proxy has a user. */
  upstreamProxyAuthorization: v.optional(text),
});

export type BundleMaterial = v.InferOutput<typeof MaterialSchema>;
export type MaterialCredential = BundleMaterial["credentials"][number];

export const NO_MATERIAL: BundleMaterial = { version: MATERIAL_VERSION, credentials: [], leaves: {}, upstreamCa: [] };

/** Reads the material at `path`; absent means none. Errors name the file, never a value. */
export async function loadMaterial(fs: Fs, path: string): Promise<BundleMaterial> {
  let data: unknown;
  try {
    const text = await fs.readTextIfExists(path);
    if (text === undefined) return NO_MATERIAL;
    data = JSON.parse(text);
  } catch (error) {
    throw new BottleError("E_BUNDLE_MATERIAL", `Cannot read the credential material "${path}": it is not JSON`, {
      exitCode: EXIT.config,
      hint: "claude-bottle up writes it; run down and up again",
    });
  }
  const result = v.safeParse(MaterialSchema, data);
  if (!result.success) {
    const where = result.issues.map((issue) => v.getDotPath(issue) ?? "(root)").join(", ");
    throw new BottleError("E_BUNDLE_MATERIAL", `Cannot use the credential material "${path}": bad ${where}`, {
      exitCode: EXIT.config,
      hint: "claude-bottle up writes it; run down and up again",
    });
  }
  return result.output;
}
