/**
 * How the bundle reaches an allowed host: straight to the address the policy admitted, or
 * through the operator's HTTP proxy with a CONNECT by host name (the corporate proxy resolves;
 * the bundle does not). Then, for terminated connections, its own TLS with normal verification
 * pinned to the host name, trusting the system roots plus any `upstream_ca`.
 */
import { Agent } from "node:http";
import { connect, isIP, type Socket } from "node:net";
import type { UpstreamProxy } from "../../../core/upstream-proxy.ts";
import {
  connect as tlsConnect,
  createSecureContext,
  rootCertificates,
  type SecureContext,
  type TLSSocket,
} from "node:tls";

export interface UpstreamTarget {
  /** The name the agent asked for (what the upstream proxy is asked to CONNECT to). */
  readonly host: string;
  readonly port: number;
  /** The address the policy admitted (dialled when there is no upstream proxy). */
  readonly address: string;
}

export type OpenUpstream = (target: UpstreamTarget) => Promise<Socket>;

const MAX_PROXY_ANSWER = 16_384;

function connected(socket: Socket): Promise<Socket> {
  // Small TLS records and request heads go out at once: Nagle against a delayed ACK stalls them.
  socket.setNoDelay(true);
  return new Promise((resolve, reject) => {
    socket.once("connect", () => resolve(socket));
    socket.once("error", reject);
  });
}

/** The CONNECT exchange with the upstream proxy; resolves the socket once it answered 2xx. */
function proxyConnect(socket: Socket, target: UpstreamTarget, authorization: string | undefined): Promise<Socket> {
  const authority = `${target.host.includes(":") ? `[${target.host}]` : target.host}:${target.port}`;
  return new Promise((resolve, reject) => {
    let answer = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      answer = Buffer.concat([answer, chunk]);
      const end = answer.indexOf("\r\n\r\n");
      if (end === -1 && answer.length < MAX_PROXY_ANSWER) return;
      socket.off("data", onData);
      const status = answer.subarray(0, answer.indexOf("\r\n")).toString("latin1");
      if (end === -1 || !/^HTTP\/1\.[01] 2\d\d/.test(status)) {
        socket.destroy();
        reject(new Error(`upstream proxy refused CONNECT ${authority}: ${status.slice(0, 200) || "no answer"}`));
        return;
      }
      socket.pause();
      if (answer.length > end + 4) socket.unshift(answer.subarray(end + 4));
      resolve(socket);
    };
    socket.on("data", onData);
    socket.once("error", reject);
    socket.once("end", () => reject(new Error(`upstream proxy closed before answering CONNECT ${authority}`)));
    const credentials = authorization ? `Proxy-Authorization: ${authorization}\r\n` : "";
    socket.write(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n${credentials}\r\n`);
  });
}

/** The connection to the operator's proxy itself: TCP, or TLS verified like any upstream for an https:// one. */
function proxySocket(proxy: UpstreamProxy, trust: SecureContext | undefined): Promise<Socket> {
  const raw = connected(connect({ host: proxy.host, port: proxy.port, allowHalfOpen: true }));
  return proxy.tls ? raw.then((socket) => upstreamTls(socket, proxy.host, trust)) : raw;
}

/**
 * Opens upstream TCP: direct, through `dial` when a test records, or through `proxy` (an
 * https:// one verified against `trust`, like upstream TLS).
 */
export function upstreamOpener(
  proxy?: UpstreamProxy,
  dial?: (address: string, port: number) => Socket,
  trust?: SecureContext,
): OpenUpstream {
  if (proxy) return async (target) => proxyConnect(await proxySocket(proxy, trust), target, proxy.authorization);
  return (target) => {
    const socket = dial
      ? dial(target.address, target.port)
      : connect({ host: target.address, port: target.port, allowHalfOpen: true });
    return connected(socket);
  };
}

/**
 * What upstream TLS trusts: the system's roots plus the operator's CAs, as one context made once
 * (undefined: the default roots). Made per connection, the ~150 roots cost milliseconds each time.
 */
export function upstreamTrust(extra: readonly string[]): SecureContext | undefined {
  return extra.length === 0 ? undefined : createSecureContext({ ca: [...rootCertificates, ...extra] });
}

/** TLS to `host` over `raw`, verified against `trust` (undefined: the default roots) and pinned to `host`. */
export function upstreamTls(raw: Socket, host: string, trust: SecureContext | undefined): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    // SNI carries names only (RFC 6066 §3); an IP literal is still verified against the certificate.
    const name = isIP(host) ? {} : { servername: host };
    const socket = tlsConnect({
      socket: raw,
      host,
      ...name,
      ALPNProtocols: ["http/1.1"],
      ...(trust ? { secureContext: trust } : {}),
    });
    socket.once("secureConnect", () => resolve(socket));
    socket.once("error", (error) => {
      raw.destroy();
      reject(error);
    });
  });
}

/**
 * A one-use HTTP agent whose connection is opened asynchronously by `open` (through the
 * operator's proxy): bun 1.4.4 honours a createConnection that answers by callback (measured).
 */
export function asyncAgent(open: OpenUpstream, target: UpstreamTarget): Agent {
  const agent = new Agent({ keepAlive: false });
  (agent as unknown as { createConnection: unknown }).createConnection = (
    _options: unknown,
    done: (error: Error | null, socket?: Socket) => void,
  ) => {
    open(target).then(
      (socket) => {
        socket.resume();
        done(null, socket);
      },
      (error: Error) => done(error),
    );
    return undefined;
  };
  return agent;
}
