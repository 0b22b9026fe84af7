/** An in-process bundle on loopback with ephemeral ports, torn down after each test. */
import { nodeFs } from "../../src/runtime/node-fs.ts";
import { afterEach } from "bun:test";
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { join } from "node:path";
import { serveBundle, type RunningBundle, type ServeOptions } from "../../src/bundle/serve/serve.ts";
import { tempDir } from "./cli.ts";

const running: RunningBundle[] = [];
afterEach(async () => {
  for (const bundle of running.splice(0)) await bundle.close();
});

/**
 * A documentation address (TEST-NET-2) that test names resolve to and CIDR rules admit: the
 * guard lets it pass as public, and the helper's dialer sends it to this machine's loopback,
 * where the test's own server listens. Every other address is dialled as it is.
 */
export const STAND_IN = "198.51.100.7";

export function standInDial(address: string, port: number): Socket {
  return connect({ host: address === STAND_IN ? "127.0.0.1" : address, port, allowHalfOpen: true });
}

export interface TestBundle extends RunningBundle {
  readonly dir: string;
  readonly token: string;
  supervise(method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; body: string }>;
}

/** `extra.config` is merged into the config; `extra.files` are written beside it (0600). */
export async function startBundle(allow: string[], options: Partial<ServeOptions> = {}, extra: { config?: object; files?: Record<string, string> } = {}): Promise<TestBundle> {
  const dir = tempDir("bundle");
  const token = randomBytes(32).toString("hex");
  writeFileSync(join(dir, "supervise.token"), token, { mode: 0o600 });
  const config = { version: 1, bottle: "test", bundleIp: "127.0.0.1", subnet: "192.0.2.0/24", listen: "127.0.0.1", ports: { proxy: 0, gitGate: 0, supervise: 0, dns: 0 }, allow, ...extra.config };
  writeFileSync(join(dir, "bundle.json"), JSON.stringify(config), { mode: 0o600 });
  for (const [name, contents] of Object.entries(extra.files ?? {})) writeFileSync(join(dir, name), contents, { mode: 0o600 });
  // Fixed interface facts, so the guard does not depend on this machine's networks.
  const bundle = await serveBundle(join(dir, "bundle.json"), { fs: nodeFs, interfaces: () => ({}), dial: standInDial, ...options });
  running.push(bundle);
  return {
    ...bundle,
    dir,
    token,
    async supervise(method, path, body, bearer = token) {
      const response = await fetch(`http://127.0.0.1:${bundle.ports.supervise}${path}`, {
        method,
        headers: { authorization: `Bearer ${bearer}`, "content-type": "application/json" },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: response.status, body: await response.text() };
    },
  };
}

/** Sends raw bytes to the proxy and collects everything it answers until it closes (or `until` matches). */
export function rawExchange(port: number, request: string | Buffer, until?: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect(port, "127.0.0.1");
    let answer = "";
    socket.on("data", (chunk) => {
      answer += chunk.toString("latin1");
      if (until?.test(answer)) socket.destroy();
    });
    socket.on("close", () => resolve(answer));
    socket.on("error", reject);
    socket.write(request);
  });
}

/** Opens a CONNECT tunnel and resolves the socket, paused, once the proxy said 200. */
export function tunnel(proxyPort: number, authority: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port: proxyPort, host: "127.0.0.1", allowHalfOpen: true });
    let head = "";
    const onData = (chunk: Buffer) => {
      head += chunk.toString("latin1");
      const end = head.indexOf("\r\n\r\n");
      if (end === -1) return;
      socket.off("data", onData);
      socket.pause(); // hold what arrives next until the test reads (call resume())
      if (!head.startsWith("HTTP/1.1 200")) {
        socket.destroy();
        reject(new Error(head.split("\r\n")[0]));
        return;
      }
      const rest = Buffer.from(head.slice(end + 4), "latin1");
      if (rest.length > 0) socket.unshift(rest);
      resolve(socket);
    };
    socket.on("data", onData);
    socket.on("error", reject);
    socket.write(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n\r\n`);
  });
}
