/**
 * `[egress] upstream_proxy`: the operator's HTTP proxy the bundle sends every allowed connection
 * through, optionally with a user and password (`http://user:pass@host:port`). Those are secrets:
 * only `up` reads them, from the manifest, into the bundle's 0600 material; the plan, bundle.json
 * and every message carry the address alone. Pure.
 */
import { Buffer } from "node:buffer";

export interface UpstreamProxy {
  readonly host: string;
  readonly port: number;
  /** An https:// proxy: the bundle speaks TLS to it (verified like any upstream), then CONNECT inside. */
  readonly tls?: boolean;
  /** The `Proxy-Authorization` value (`Basic …`); only the bundle holds it, from its material. */
  readonly authorization?: string;
}

export type ParsedUpstreamProxy =
  | {
      readonly ok: true;
      readonly proxy: UpstreamProxy;
      /** `http://host:port`: what the plan and bundle.json may show. */
      readonly address: string;
    }
  | { readonly ok: false; readonly reason: string };

/** `text` with everything up to its last "@" (any user and password, well-formed or not) replaced, for a message. */
export function redactProxy(text: string): string {
  return text.replace(/^([a-z][a-z0-9+.-]*:\/\/)?.*@/is, (_match, scheme: string | undefined) => `${scheme ?? ""}***@`);
}

function decoded(part: string): string | undefined {
  try {
    return decodeURIComponent(part);
  } catch {
    return undefined;
  }
}

function userPass(url: URL): string | { reason: string } | undefined {
  if (!url.username && !url.password) return undefined;
  const user = decoded(url.username);
  const password = decoded(url.password);
  if (user === undefined || password === undefined || /[\x00-\x1f\x7f]/.test(user + password))
    return { reason: "has a user or password that is not valid percent-encoding, or holds control characters" };
  if (user.includes(":")) return { reason: 'has a user name with ":", which Basic authentication cannot carry' };
  return `${user}:${password}`;
}

/** `http[s]://[user:pass@]host:port` as a proxy address, or the reason it is not one (never quoting a password). */
export function parseUpstreamProxy(text: string): ParsedUpstreamProxy {
  const shown = `"${redactProxy(text)}"`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { ok: false, reason: `${shown} is not a URL; write http://host:port` };
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    return { ok: false, reason: `${shown} must be an http:// or https:// proxy` };
  if (url.pathname !== "/" || url.search || url.hash) {
    return { ok: false, reason: `${shown} must be just http(s)://host:port` };
  }
  const auth = userPass(url);
  if (typeof auth === "object") return { ok: false, reason: `${shown} ${auth.reason}` };
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  const tls = url.protocol === "https:";
  const port = Number(url.port || (tls ? 443 : 80));
  const address = `${url.protocol}//${url.host}`;
  const authorization = auth === undefined ? {} : { authorization: `Basic ${Buffer.from(auth).toString("base64")}` };
  return { ok: true, proxy: { host, port, ...(tls ? { tls } : {}), ...authorization }, address };
}
