/**
 * The swap inside a terminated connection: the credential header carrying a sentinel gets the
 * real value; any other value there is refused (fail closed: a key the bundle did not issue is
 * someone else's). Pure.
 */

export type Scheme = "bearer" | "basic";

/** A credential as the bundle holds it: the real value lives only in this object, in memory. */
export interface Credential {
  readonly name: string;
  readonly hosts: readonly string[];
  /** Lowercase header name, e.g. "x-api-key" or "authorization". */
  readonly header: string;
  /** For `authorization`: the schemes accepted (bearer also takes GitHub's "token"). */
  readonly schemes: readonly Scheme[];
  readonly sentinel: string;
  readonly value: string;
}

export type Swap =
  | { readonly kind: "absent" }
  | { readonly kind: "swapped"; readonly credential: string; readonly value: string }
  | { readonly kind: "foreign"; readonly credential: string };

function swapAuthorization(found: string, credential: Credential): string | undefined {
  const match = /^(\S+)\s+(\S+)$/.exec(found.trim());
  if (!match) return undefined;
  const scheme = match[1]!.toLowerCase();
  const token = match[2]!;
  if ((scheme === "bearer" || scheme === "token") && credential.schemes.includes("bearer")) {
    return token === credential.sentinel ? `${match[1]} ${credential.value}` : undefined;
  }
  if (scheme === "basic" && credential.schemes.includes("basic")) {
    const decoded = Buffer.from(token, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon === -1) return undefined;
    const user = decoded.slice(0, colon);
    const password = decoded.slice(colon + 1);
    // git sends the token as the password (any user name); some tools put it in the user name.
    if (password === credential.sentinel)
      return `Basic ${Buffer.from(`${user}:${credential.value}`).toString("base64")}`;
    if (user === credential.sentinel)
      return `Basic ${Buffer.from(`${credential.value}:${password}`).toString("base64")}`;
  }
  return undefined;
}

/** What to do with header `header` (lowercase) holding `found`, given the host's credentials on that header. */
export function swapHeader(found: string, credentials: readonly Credential[]): Swap {
  if (credentials.length === 0) return { kind: "absent" };
  for (const credential of credentials) {
    const swapped =
      credential.header === "authorization"
        ? swapAuthorization(found, credential)
        : found === credential.sentinel
          ? credential.value
          : undefined;
    if (swapped !== undefined) return { kind: "swapped", credential: credential.name, value: swapped };
  }
  return { kind: "foreign", credential: credentials[0]!.name };
}

/** The credentials of `host`, grouped by the header they ride in. */
export function credentialsByHeader(all: readonly Credential[], host: string): Map<string, Credential[]> {
  const byHeader = new Map<string, Credential[]>();
  for (const credential of all) {
    if (!credential.hosts.includes(host)) continue;
    byHeader.set(credential.header, [...(byHeader.get(credential.header) ?? []), credential]);
  }
  return byHeader;
}
