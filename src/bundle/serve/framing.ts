/**
 * How a forwarded request body is framed. The proxy decides it from what its own parser read and
 * writes that framing itself, so the bytes the upstream sees always delimit exactly the request
 * that was decided and audited: a body can never be read upstream as a second request. Pure.
 */
import type { IncomingHttpHeaders } from "node:http";

export type Framing =
  | { readonly kind: "none" }
  | { readonly kind: "length"; readonly length: number }
  | { readonly kind: "chunked" }
  | { readonly kind: "refuse"; readonly status: 400 | 501; readonly reason: string };

/**
 * "chunked" alone is the only transfer coding passed on: anything else would make the proxy and
 * the upstream disagree about where the body ends (or forward a coding the upstream never sees
 * announced). Content-Length together with Transfer-Encoding is refused outright.
 */
export function requestFraming(headers: IncomingHttpHeaders): Framing {
  const te = headers["transfer-encoding"];
  const cl = headers["content-length"];
  if (te !== undefined) {
    if (cl !== undefined) return { kind: "refuse", status: 400, reason: "both Content-Length and Transfer-Encoding" };
    if (te.trim().toLowerCase() !== "chunked")
      return { kind: "refuse", status: 501, reason: `Transfer-Encoding "${te}" (only chunked is forwarded)` };
    return { kind: "chunked" };
  }
  if (cl === undefined) return { kind: "none" };
  if (!/^\d{1,15}$/.test(cl.trim())) return { kind: "refuse", status: 400, reason: `Content-Length "${cl}"` };
  return { kind: "length", length: Number(cl.trim()) };
}

/** The framing headers the upstream request carries, replacing whatever the client sent. */
export function framingHeaders(framing: Framing): Record<string, string> {
  if (framing.kind === "length") return { "content-length": String(framing.length) };
  if (framing.kind === "chunked") return { "transfer-encoding": "chunked" };
  return {};
}
