/**
 * Stand-ins for the terminator's tests, all on loopback: an upstream HTTPS server with its own
 * CA that reports what it received (headers, body hash), an upstream CONNECT proxy that records
 * the authorities it was asked for, and a CONNECT front that terminates every tunnel.
 */
import { afterEach } from "bun:test";
import { createHash } from "node:crypto";
import { createServer as createHttpServer, type IncomingMessage, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { connect, type AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { tlsCredentials } from "./servers.ts";

const open: Server[] = [];
/** Tunnels taken over from the servers, which close() would otherwise wait on. */
const tunnels: Duplex[] = [];
afterEach(async () => {
  for (const socket of tunnels.splice(0)) socket.destroy();
  for (const server of open.splice(0)) {
    server.closeAllConnections?.();
    await new Promise((resolve) => server.close(() => resolve(undefined)));
  }
});

function listen(server: Server): Promise<number> {
  open.push(server);
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)));
}

export interface Seen {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage["headers"];
  readonly bytes: number;
  readonly sha256: string;
}

/** Deterministic bytes for downloads: block i is the SHA-256 chain from "seed". */
export function patternBytes(size: number): Buffer {
  const out = Buffer.alloc(size);
  let block = createHash("sha256").update("seed").digest();
  for (let offset = 0; offset < size; offset += 32) {
    block.copy(out, offset);
    block = createHash("sha256").update(block).digest();
  }
  return out;
}

/** HTTPS for `name` (own CA): `GET /download/N` sends N pattern bytes, anything else echoes what came. */
export async function recordingUpstream(name: string): Promise<{ port: number; caPem: string; seen: Seen[]; connections: () => number }> {
  const { key, cert, caPem } = await tlsCredentials(name);
  const seen: Seen[] = [];
  const server = createHttpsServer({ key, cert }, (req, res) => {
    const hash = createHash("sha256");
    let bytes = 0;
    req.on("data", (chunk: Buffer) => {
      hash.update(chunk);
      bytes += chunk.length;
    });
    req.on("end", () => {
      const record = { method: req.method ?? "?", url: req.url ?? "", headers: req.headers, bytes, sha256: hash.digest("hex") };
      seen.push(record);
      const download = /^\/download\/(\d+)$/.exec(req.url ?? "");
      if (download) return void res.writeHead(200, { "content-length": download[1] }).end(patternBytes(Number(download[1])));
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(record));
    });
  });
  let connections = 0;
  server.on("secureConnection", () => connections++);
  return { port: await listen(server), caPem, seen, connections: () => connections };
}

/**
 * HTTPS for `name` (own CA) that takes WebSocket-style upgrades: answers 101 (with the RFC 6455
 * accept key) and echoes every byte after it. `upgrades` records each handshake's headers.
 */
export async function upgradeUpstream(name: string): Promise<{ port: number; caPem: string; upgrades: IncomingMessage["headers"][] }> {
  const { key, cert, caPem } = await tlsCredentials(name);
  const upgrades: IncomingMessage["headers"][] = [];
  const server = createHttpsServer({ key, cert }, (_req, res) => res.writeHead(426).end());
  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    tunnels.push(socket);
    upgrades.push(req.headers);
    const accept = createHash("sha1").update(`${req.headers["sec-websocket-key"]}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest("base64");
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
    if (head.length > 0) socket.write(head);
    socket.pipe(socket);
    socket.on("error", () => socket.destroy());
  });
  return { port: await listen(server), caPem, upgrades };
}

/**
 * A corporate-style CONNECT proxy: sends every tunnel to 127.0.0.1:`port`, recording the authority
 * asked for; with `requires`, a CONNECT without that Proxy-Authorization gets a 407 (and is not recorded);
 * `routes` sends some authorities elsewhere on loopback.
 */
export async function upstreamProxy(port: number, requires?: string, tls?: { key: string; cert: string }, routes = new Map<string, number>()): Promise<{ port: number; asked: string[]; refused: () => number }> {
  const asked: string[] = [];
  let refused = 0;
  // With `tls`, an https:// proxy: TLS to it first, CONNECT inside.
  const server = tls ? createHttpsServer(tls) : createHttpServer();
  server.on("connect", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    tunnels.push(socket);
    if (requires !== undefined && req.headers["proxy-authorization"] !== requires) {
      refused++;
      return void socket.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="corp"\r\nContent-Length: 0\r\n\r\n');
    }
    asked.push(req.url ?? "");
    spliceTunnel(socket, head, routes.get(req.url ?? "") ?? port);
  });
  return { port: await listen(server), asked, refused: () => refused };
}

/** Answers a CONNECT with 200 and splices the tunnel to `port` on loopback (`head`: bytes already read). */
export function spliceTunnel(socket: Duplex, head: Buffer, port: number): void {
  const upstream = connect(port, "127.0.0.1", () => {
    socket.write("HTTP/1.1 200 Connection Established\r\n\r\n");
    if (head.length > 0) upstream.write(head);
    upstream.pipe(socket);
    socket.pipe(upstream);
  });
  upstream.on("error", () => socket.destroy());
  socket.on("error", () => upstream.destroy());
}

/** A CONNECT front that answers 200 and hands every tunnel to `onTunnel`. */
export async function connectFront(onTunnel: (socket: Duplex, head: Buffer, authority: string) => void): Promise<number> {
  const server = createHttpServer();
  server.on("connect", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    tunnels.push(socket);
    socket.write("HTTP/1.1 200 Connection Established\r\n\r\n");
    onTunnel(socket, head, req.url ?? "");
  });
  return listen(server);
}
