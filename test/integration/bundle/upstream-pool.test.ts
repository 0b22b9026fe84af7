/**
 * The pool of verified upstream connections for terminated hosts: fresh client connections
 * share one upstream connection (one TLS handshake each instead of two), and an idle one is
 * closed after the pool's idle time. The upstream is the test's own HTTPS server (own CA).
 */
import { expect, test } from "bun:test";
import { request } from "node:https";
import type { Socket } from "node:net";
import { UpstreamPool } from "../../../src/bundle/serve/tls/upstream-pool.ts";
import { upstreamOpener, upstreamTls, upstreamTrust } from "../../../src/bundle/serve/tls/upstream.ts";
import { recordingUpstream } from "../../helpers/terminator.ts";

function get(agent: ReturnType<UpstreamPool["agentFor"]>, port: number, path: string): Promise<{ status: number; socket: Socket }> {
  return new Promise((resolve, reject) => {
    const req = request({ agent, host: "api.test", port, path, method: "GET" }, (res) => {
      res.resume();
      res.on("end", () => resolve({ status: res.statusCode ?? 0, socket: req.socket as Socket }));
    });
    req.on("error", reject);
    req.end();
  });
}

test("one verified connection serves requests one after another; an idle one is closed, the next request opens anew", async () => {
  const upstream = await recordingUpstream("api.test");
  const trust = upstreamTrust([upstream.caPem]);
  const open = upstreamOpener();
  const opened: string[] = [];
  const pool = new UpstreamPool(async (target) => {
    opened.push(`${target.host}:${target.port}@${target.address}`);
    return upstreamTls(await open(target), target.host, trust);
  }, 50);
  try {
    const target = { host: "api.test", port: upstream.port, address: "127.0.0.1" };
    const agent = pool.agentFor(target);
    expect(pool.agentFor(target)).toBe(agent);
    const first = await get(agent, upstream.port, "/one");
    const second = await get(agent, upstream.port, "/two");
    expect([first.status, second.status, second.socket === first.socket, upstream.connections()]).toEqual([200, 200, true, 1]);
    await new Promise((closed) => (first.socket.destroyed ? closed(undefined) : first.socket.once("close", closed)));
    const third = await get(agent, upstream.port, "/three");
    expect([third.status, upstream.connections(), opened.length]).toEqual([200, 2, 2]);
    expect(upstream.seen.map((seen) => seen.url)).toEqual(["/one", "/two", "/three"]);
  } finally {
    pool.close();
  }
});

test("past its host limit the pool drops agents with no connection, never one in use", async () => {
  const upstream = await recordingUpstream("api.test");
  const trust = upstreamTrust([upstream.caPem]);
  const open = upstreamOpener();
  const pool = new UpstreamPool(async (target) => upstreamTls(await open(target), "api.test", trust), 60_000, 2);
  try {
    const busy = pool.agentFor({ host: "api.test", port: upstream.port, address: "127.0.0.1" });
    expect((await get(busy, upstream.port, "/kept")).status).toBe(200); // its connection stays, idle in the pool
    pool.agentFor({ host: "a.wild.test", port: 443, address: "127.0.0.1" });
    expect(pool.hosts).toBe(2);
    pool.agentFor({ host: "b.wild.test", port: 443, address: "127.0.0.1" });
    expect(pool.hosts).toBe(2);
    expect(pool.agentFor({ host: "api.test", port: upstream.port, address: "127.0.0.1" })).toBe(busy);
  } finally {
    pool.close();
  }
});
