/** Bottle names and the host resource names derived from them. Pure. */
import { createHash } from "node:crypto";

/** The slug rule of the manifest: lowercase letters, digits and hyphens; 1–40 characters. */
export const SLUG_PATTERN = /^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$/;

/**
 * smolvm refuses machine names with "--" (validate_vm_name, reference §6), and the machine name
 * embeds the slug, so the manifest refuses it too rather than mangling the name.
 */
export const SLUG_NO_DOUBLE_HYPHEN = /--/;

/** The slug rule in words, for messages that refuse a name. */
export const SLUG_RULE = '1-40 lowercase letters, digits or hyphens, starting and ending with a letter or digit, no "--"';

/** True when `name` obeys the slug rule: then it is one path component, never `..` or a path. */
export function isSlug(name: string): boolean {
  return SLUG_PATTERN.test(name) && !SLUG_NO_DOUBLE_HYPHEN.test(name);
}

/**
 * Prefix of every resource a bottle makes on the host (docker network and container, smolvm
 * machine). `gc` finds leaks by it, so it must stay stable.
 */
export const RESOURCE_PREFIX = "claude-bottle-";

/** Labels carried by every docker resource a bottle makes. */
export const LABEL_SLUG = "dev.claude-bottle.slug";
export const LABEL_HOME = "dev.claude-bottle.home";

/**
 * A short tag of the state home. It is part of every resource name, so two homes (two users,
 * a test run beside real bottles) never collide, and `gc` of one home never touches another's.
 */
export function homeTag(home: string): string {
  return createHash("sha256").update(home).digest("hex").slice(0, 6);
}

/** Prefix of every resource made for bottles of this home: "claude-bottle-1a2b3c-". */
export function resourcePrefix(home: string): string {
  return `${RESOURCE_PREFIX}${homeTag(home)}-`;
}

/** The smolvm machine / docker resource name of a bottle, e.g. "claude-bottle-1a2b3c-web-bundle". */
export function resourceName(home: string, slug: string, suffix?: string): string {
  return `${resourcePrefix(home)}${slug}${suffix ? `-${suffix}` : ""}`;
}
