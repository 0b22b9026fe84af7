/**
 * The bottle.toml schema: the one source of the configuration types. Pure.
 */
import * as v from "valibot";
import { EgressRuleSchema, SubnetPoolSchema } from "./value-schemas.ts";
import { SLUG_NO_DOUBLE_HYPHEN, SLUG_PATTERN } from "./slug.ts";
import { WorkspaceTable } from "./workspace-table.ts";
import { CredentialTable, credentialSpec, isCredentialHost, isInspectHost } from "./credentials.ts";
import type { CredentialSpec, Credentials } from "./credentials.ts";
import { parseUpstreamProxy } from "./upstream-proxy.ts";
import { parseDuration } from "./duration.ts";

export const DEFAULT_BACKEND = "smolmachines";
export const DEFAULT_AGENT_IMAGE = "claude-bottle:latest";
export const DEFAULT_BUNDLE_IMAGE = "claude-bottle-bundle:latest";
export const DEFAULT_SUBNET_POOL = "192.168.0.0/16";
/** Total size of a bottle's audit files, current and rotated. */
export const DEFAULT_AUDIT_MAX_MB = 50;
export const DEFAULT_AGENT_COMMAND: readonly string[] = ["claude"];
/** vCPUs and memory (MiB) of the agent: the VM's, or the container's limits. */
export const DEFAULT_AGENT_CPUS = 2;
export const DEFAULT_AGENT_MEMORY_MIB = 4096;

/** An OCI reference that can never be read as a command-line flag. */
const IMAGE_REF = /^[A-Za-z0-9][A-Za-z0-9._\-/:@]*$/;
/** POSIX-portable environment variable names. */
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `[credentials]`: `on_canary`, and one `[credentials.<GUEST_VAR>]` table per credential, defaults applied. */
const credentials = v.pipe(
  v.objectWithRest({ on_canary: v.optional(v.picklist(["block", "stop"], 'must be "block" or "stop"'), "block") }, CredentialTable),
  v.rawTransform(({ dataset, addIssue, NEVER }): Credentials => {
    const { on_canary: onCanary, ...tables } = dataset.value;
    const list: CredentialSpec[] = [];
    for (const [name, table] of Object.entries(tables)) {
      const spec = ENV_NAME.test(name) ? credentialSpec(name, table as v.InferOutput<typeof CredentialTable>) : [["", "is not a valid variable name"] as [string, string]];
      if (!Array.isArray(spec)) list.push(spec);
      for (const [key, message] of Array.isArray(spec) ? spec : []) {
        const path = [name, ...(key ? key.split(".") : [])].map((segment) => ({ type: "object" as const, origin: "value" as const, input: tables, key: segment, value: undefined }));
        addIssue({ message, path: path as unknown as [v.ObjectPathItem] });
      }
    }
    return list.length === Object.keys(tables).length ? { onCanary, list: list.sort((a, b) => (a.name < b.name ? -1 : 1)) } : NEVER;
  }),
);

const imageRef = v.pipe(
  v.string(),
  v.regex(IMAGE_REF, "must be an image reference like name:tag (letters, digits, . _ - / : @; no leading -)"),
);

const envValue = v.pipe(
  v.string(),
  v.check((value) => !value.includes("\0"), "must not contain a NUL character"),
  // smolvm trims whitespace around each "K=V" entry (parse_env_list, reference §1.1).
  v.check((value) => value === value.trimEnd(), "must not end in whitespace: smolvm trims it, so the guest would see another value"),
);

const backendName = v.pipe(v.string(), v.minLength(1, "must not be empty"));

/** A duration of at most a week, typed to seconds once here. */
const BundleTimeout = v.pipe(
  v.string(),
  v.check((text) => parseDuration(text) !== undefined, 'must be a duration like "30s", "30m" or "2h"'),
  v.transform((text) => parseDuration(text) as number),
  v.maxValue(604_800, "must be at most a week"),
);

const ManifestTables = v.strictObject({
  name: v.pipe(
    v.string(),
    v.regex(SLUG_PATTERN, "must be 1-40 lowercase letters, digits or hyphens, starting and ending with a letter or digit"),
    v.check((name) => !SLUG_NO_DOUBLE_HYPHEN.test(name), 'must not contain "--" (smolvm refuses it in machine names)'),
  ),
  /** A name or plugin path, or `[backend] use = "…"` with `[backend.options]` for that backend. */
  backend: v.optional(v.union([backendName, v.strictObject({ use: backendName, options: v.optional(v.record(v.string(), v.unknown()), {}) })], 'must be a backend name or path, or a table with "use" and "options"'), DEFAULT_BACKEND),
  agent: v.optional(
    v.strictObject({
      image: v.optional(imageRef, DEFAULT_AGENT_IMAGE),
      command: v.optional(
        v.pipe(v.array(v.pipe(v.string(), v.minLength(1, "must not be empty"))), v.minLength(1, "must name a program")),
        [...DEFAULT_AGENT_COMMAND],
      ),
      // smolvm refuses 0 vCPUs and caps at 16, and refuses under 64 MiB (reference §1.1).
      cpus: v.optional(v.pipe(v.number(), v.integer("must be a whole number"), v.minValue(1, "must be at least 1"), v.maxValue(16, "must be at most 16 (smolvm's cap)")), DEFAULT_AGENT_CPUS),
      memory: v.optional(v.pipe(v.number(), v.integer("must be a whole number of MiB"), v.minValue(256, "must be at least 256 (MiB)"), v.maxValue(1_048_576, "must be at most 1048576 (MiB)")), DEFAULT_AGENT_MEMORY_MIB),
      /** Keep the agent's home (~/.claude: settings, sessions; never credentials) across down/up. */
      persist_home: v.optional(v.boolean("must be true or false"), false),
      env: v.optional(
        v.pipe(
          v.record(v.pipe(v.string(), v.regex(ENV_NAME, "is not a valid variable name")), envValue),
        ),
        {},
      ),
    }),
    {},
  ),
  egress: v.optional(
    v.strictObject({
      /** Typed once here: the plan and the bundle both use these rules. */
      allow: v.optional(v.array(EgressRuleSchema), []),
      /** Hosts whose TLS the bundle terminates to inspect (canaries, DLP) without a credential. */
      inspect: v.optional(
        v.array(v.pipe(v.string(), v.check(isInspectHost, "must be a host name or *.suffix (no port or address)"))),
        [],
      ),
      /** Terminated hosts whose connections may pass a protocol upgrade (WebSocket); frames go unread. */
      upgrade: v.optional(
        v.array(v.pipe(v.string(), v.check(isCredentialHost, "must be a host name (no wildcard, port or address)"))),
        [],
      ),
      dlp: v.optional(v.picklist(["block", "warn", "off"], 'must be "block", "warn" or "off"'), "block"),
      upstream_proxy: v.optional(v.pipe(v.string(), v.rawCheck(({ dataset, addIssue }) => {
        if (!dataset.typed) return;
        const parsed = parseUpstreamProxy(dataset.value);
        if (!parsed.ok) addIssue({ message: parsed.reason });
      }))),
      upstream_ca: v.optional(v.array(v.pipe(v.string(), v.minLength(1, "must not be empty"))), []),
    }),
    {},
  ),
  credentials: v.optional(credentials, {}),
  /** The project the agent works on; see core/workspace.ts. */
  workspace: v.optional(WorkspaceTable),
  bundle: v.optional(
    v.strictObject({
      image: v.optional(imageRef, DEFAULT_BUNDLE_IMAGE),
      /** Typed once here (a Cidr of at least a /24); nothing downstream parses it again. */
      subnet_pool: v.optional(SubnetPoolSchema, DEFAULT_SUBNET_POOL),
      audit_max_mb: v.optional(
        v.pipe(v.number(), v.integer("must be a whole number of MiB"), v.minValue(1, "must be at least 1"), v.maxValue(100_000, "must be at most 100000")),
        DEFAULT_AUDIT_MAX_MB,
      ),
      /** The bundle's timeouts, as durations ("30s", "30m"); unset ones keep the bundle's defaults. */
      timeouts: v.optional(
        v.strictObject({ dial: v.optional(BundleTimeout), idle: v.optional(BundleTimeout), body: v.optional(BundleTimeout) }),
      ),
    }),
    {},
  ),
});

/**
 * The manifest as validated: `backend` is the name or path either way it was written, and
 * `backendOptions` what `[backend.options]` held (checked later, against the backend's schema).
 */
export const ManifestSchema = v.pipe(
  ManifestTables,
  v.transform(({ backend, ...rest }) => ({
    ...rest,
    backend: typeof backend === "string" ? backend : backend.use,
    backendOptions: typeof backend === "string" ? {} : backend.options,
  })),
);

/** The manifest after validation, defaults filled. */
export type Manifest = v.InferOutput<typeof ManifestSchema>;
