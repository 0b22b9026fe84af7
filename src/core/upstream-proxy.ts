/** `[egress] upstream_proxy`: the operator's HTTP proxy the bundle sends every allowed connection through. Pure. */

export interface UpstreamProxy {
  readonly host: string;
  readonly port: number;
}

/** `http://host:port` as a proxy address, or the reason it is not one. */
export function parseUpstreamProxy(text: string): { ok: true; proxy: UpstreamProxy } | { ok: false; reason: string } {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { ok: false, reason: `"${text}" is not a URL; write http://host:port` };
  }
  if (url.protocol !== "http:")
    return { ok: false, reason: `"${text}" must be an http:// proxy (the bundle speaks CONNECT to it)` };
  if (url.username || url.password)
    return { ok: false, reason: `"${text}" carries credentials, which the bundle's config must not hold` };
  if (url.pathname !== "/" || url.search || url.hash)
    return { ok: false, reason: `"${text}" must be just http://host:port` };
  return { ok: true, proxy: { host: url.hostname.replace(/^\[(.*)\]$/, "$1"), port: Number(url.port || 80) } };
}
