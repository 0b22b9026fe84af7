/** Bottle names and the host resource names derived from them. Pure. */

/** The slug rule of the manifest: lowercase letters, digits and hyphens; 1–40 characters. */
export const SLUG_PATTERN = /^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$/;

/**
 * smolvm refuses machine names with "--" (validate_vm_name, reference §6), and the machine name
 * embeds the slug, so the manifest refuses it too rather than mangling the name.
 */
export const SLUG_NO_DOUBLE_HYPHEN = /--/;

/**
 * Prefix of every resource a bottle makes on the host (docker network and container, smolvm
 * machine). `gc` finds leaks by it, so it must stay stable.
 */
export const RESOURCE_PREFIX = "claude-bottle-";

/** Labels carried by every docker resource a bottle makes. */
export const LABEL_SLUG = "dev.claude-bottle.slug";
export const LABEL_HOME = "dev.claude-bottle.home";

/** The smolvm machine / docker resource name of a bottle, e.g. "claude-bottle-web-bundle". */
export function resourceName(slug: string, suffix?: string): string {
  return `${RESOURCE_PREFIX}${slug}${suffix ? `-${suffix}` : ""}`;
}
