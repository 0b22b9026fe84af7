/**
 * A bottle as a backend sees it: its name, its manifest's path, and the manifest's values a
 * backend may read. The core's own Bottle (the whole validated manifest) fits this shape; this
 * one is written out so the plugin types need no schema library to be read.
 */
import type { Cidr } from "./cidr.ts";
import type { BackendOptions } from "./backend-options.ts";
import type { EgressRule } from "./egress-rule.ts";

export interface BackendManifest {
  readonly name: string;
  readonly backend: string;
  readonly agent: {
    readonly image: string;
    readonly command: readonly string[];
    readonly env: Readonly<Record<string, string>>;
  };
  readonly egress: { readonly allow: readonly EgressRule[] };
  readonly bundle: { readonly image: string; readonly subnet_pool: Cidr };
}

export interface BackendBottle {
  readonly slug: string;
  /** Absolute path of the manifest file. */
  readonly manifestPath: string;
  readonly manifest: BackendManifest;
  /** `[backend.options]`, checked against the backend's `options` schema, defaults filled. */
  readonly options: BackendOptions;
}
