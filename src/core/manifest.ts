/**
 * The bottle.toml schema: the one source of the configuration types. Pure.
 */
import * as v from "valibot";
import { parseCidr } from "./cidr.ts";
import { parseEgressRule } from "./egress-rule.ts";
import { SLUG_NO_DOUBLE_HYPHEN, SLUG_PATTERN } from "./slug.ts";

export const DEFAULT_BACKEND = "smolmachines";
export const DEFAULT_AGENT_IMAGE = "claude-bottle:latest";
export const DEFAULT_BUNDLE_IMAGE = "claude-bottle-bundle:latest";
export const DEFAULT_SUBNET_POOL = "192.168.0.0/16";
export const DEFAULT_AGENT_COMMAND: readonly string[] = ["claude"];

/** An OCI reference that can never be read as a command-line flag. */
const IMAGE_REF = /^[A-Za-z0-9][A-Za-z0-9._\-/:@]*$/;
/** POSIX-portable environment variable names. */
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

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

export const ManifestSchema = v.strictObject({
  name: v.pipe(
    v.string(),
    v.regex(SLUG_PATTERN, "must be 1-40 lowercase letters, digits or hyphens, starting and ending with a letter or digit"),
    v.check((name) => !SLUG_NO_DOUBLE_HYPHEN.test(name), 'must not contain "--" (smolvm refuses it in machine names)'),
  ),
  backend: v.optional(v.pipe(v.string(), v.minLength(1, "must not be empty")), DEFAULT_BACKEND),
  agent: v.optional(
    v.strictObject({
      image: v.optional(imageRef, DEFAULT_AGENT_IMAGE),
      command: v.optional(
        v.pipe(v.array(v.pipe(v.string(), v.minLength(1, "must not be empty"))), v.minLength(1, "must name a program")),
        [...DEFAULT_AGENT_COMMAND],
      ),
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
      allow: v.optional(
        v.array(
          v.pipe(
            v.string(),
            v.rawCheck(({ dataset, addIssue }) => {
              if (!dataset.typed) return;
              const parsed = parseEgressRule(dataset.value);
              if (!parsed.ok) addIssue({ message: parsed.reason });
            }),
          ),
        ),
        [],
      ),
    }),
    {},
  ),
  bundle: v.optional(
    v.strictObject({
      image: v.optional(imageRef, DEFAULT_BUNDLE_IMAGE),
      subnet_pool: v.optional(
        v.pipe(
          v.string(),
          v.rawCheck(({ dataset, addIssue }) => {
            if (!dataset.typed) return;
            const parsed = parseCidr(dataset.value);
            if (!parsed.ok) addIssue({ message: parsed.reason });
            else if (parsed.cidr.prefix > 24) addIssue({ message: `"${dataset.value}" is smaller than one /24; a bottle needs a whole /24` });
          }),
        ),
        DEFAULT_SUBNET_POOL,
      ),
    }),
    {},
  ),
});

/** The manifest after validation, defaults filled. */
export type Manifest = v.InferOutput<typeof ManifestSchema>;
