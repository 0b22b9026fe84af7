/** Tunnels under load: big transfers stream, many tunnels at once, aborts, bad input. */
import { expect, test } from "bun:test";
import { connect } from "node:net";
import { startBundle, rawExchange, tunnel, STAND_IN } from "../../helpers/bundle.ts";
import { echoServer, streamServer } from "../../helpers/servers.ts";

const MiB = 1024 * 1024;

test("256 MiB each way streams through a tunnel without buffering whole bodies", async () => {
  const size = Number(process.env["STREAM_MIB"] ?? 256) * MiB;
  const server = await streamServer(size);
  const bundle = await startBundle([`${STAND_IN}/32`]);
  const socket = await tunnel(bundle.ports.proxy, `${STAND_IN}:${server.port}`);
  // Collected before each sample: what is measured is what the relay holds, not garbage that a
  // loaded machine's GC has not reached yet (seen as 200-300 MiB of RSS under a full test run).
  const live = () => {
    Bun.gc(true);
    return process.memoryUsage().rss;
  };
  const rssBefore = live();
  let peak = rssBefore;
  let received = 0;
  const chunk = Buffer.alloc(64 * 1024, 1);
  const done = new Promise<void>((resolve) => {
    socket.on("data", (data: Buffer) => {
      received += data.length;
      if (received % (16 * MiB) < data.length) peak = Math.max(peak, live());
    });
    socket.resume();
    socket.on("end", () => resolve());
  });
  let sent = 0;
  await new Promise<void>((resolve) => {
    const pump = () => {
      while (sent < size) {
        sent += chunk.length;
        if (!socket.write(chunk)) return void socket.once("drain", pump);
      }
      socket.end();
      resolve();
    };
    pump();
  });
  await done;
  expect(received).toBe(size);
  // Both directions together moved 512 MiB through one process; it never held a body.
  expect(peak - rssBefore).toBeLessThan(128 * MiB);
  socket.destroy();
  const closed = await new Promise<number>((resolve) => {
    const poll = () => (server.received() >= size ? resolve(server.received()) : setImmediate(poll));
    poll();
  });
  expect(closed).toBe(size);
}, 120_000);

test("200 concurrent tunnels each carry their own bytes", async () => {
  const port = await echoServer();
  const bundle = await startBundle([`${STAND_IN}/32`]);
  const sockets = await Promise.all(Array.from({ length: 200 }, () => tunnel(bundle.ports.proxy, `${STAND_IN}:${port}`)));
  const status = JSON.parse((await bundle.supervise("GET", "/status")).body);
  expect(status.counters.activeTunnels).toBe(200);
  const echoes = await Promise.all(
    sockets.map(
      (socket, i) =>
        new Promise<string>((resolve) => {
          let text = "";
          socket.on("data", (data) => (text += data));
          socket.resume();
          socket.on("end", () => resolve(text));
          socket.end(`tunnel-${i}`); // half-close: the echo still answers
        }),
    ),
  );
  expect(echoes).toEqual(sockets.map((_, i) => `tunnel-${i}`));
}, 60_000);

test("a client that aborts mid-download frees the tunnel and the upstream", async () => {
  const server = await streamServer(1024 * MiB);
  const bundle = await startBundle([`${STAND_IN}/32`]);
  const socket = await tunnel(bundle.ports.proxy, `${STAND_IN}:${server.port}`);
  await new Promise<void>((resolve) => {
    socket.once("data", () => resolve());
    socket.resume();
  });
  socket.destroy();
  await new Promise<void>((resolve) => {
    const poll = () => (server.closes() === 1 ? resolve() : setImmediate(poll));
    poll();
  });
  const status = JSON.parse((await bundle.supervise("GET", "/status")).body);
  expect(status.counters.activeTunnels).toBe(0);
});

test("malformed requests are answered or dropped, and the bundle keeps serving", async () => {
  const port = await echoServer();
  const bundle = await startBundle([`${STAND_IN}/32`]);
  expect(await rawExchange(bundle.ports.proxy, "CONNECT nonsense HTTP/1.1\r\n\r\n")).toStartWith("HTTP/1.1 400");
  expect(await rawExchange(bundle.ports.proxy, "CONNECT a:99999 HTTP/1.1\r\n\r\n")).toStartWith("HTTP/1.1 400");
  expect(await rawExchange(bundle.ports.proxy, "HELLO\r\n\r\n")).toStartWith("HTTP/1.1 400");
  expect(await rawExchange(bundle.ports.proxy, "\x16\x03\x01\x02\x00binary garbage\r\n\r\n")).toStartWith("HTTP/1.1 400");
  const huge = `GET http://x.example.com/ HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(64 * 1024)}\r\n\r\n`;
  expect(await rawExchange(bundle.ports.proxy, huge)).toMatch(/^HTTP\/1\.1 (400|431)/);
  expect(await rawExchange(bundle.ports.proxy, "GET /relative HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")).toStartWith("HTTP/1.1 400");
  // Slowloris: a request that never finishes its headers holds nothing else up.
  const slow = connect(bundle.ports.proxy, "127.0.0.1");
  slow.on("error", () => {});
  slow.write(`CONNECT ${STAND_IN}:1 HTTP/1.1\r\nX-Slow: `);
  const socket = await tunnel(bundle.ports.proxy, `${STAND_IN}:${port}`);
  const echoed = await new Promise<string>((resolve) => {
    socket.once("data", (data) => resolve(String(data)));
    socket.resume();
    socket.write("still serving");
  });
  expect(echoed).toBe("still serving");
  socket.destroy();
  slow.destroy();
});

test("an admitted upstream that refuses the connection is a 502, audited as an error", async () => {
  const { createServer } = await import("node:net");
  const closed = createServer().listen(0, "127.0.0.1");
  await new Promise((resolve) => closed.once("listening", resolve));
  const port = (closed.address() as import("node:net").AddressInfo).port;
  await new Promise((resolve) => closed.close(resolve)); // nothing listens there now
  const bundle = await startBundle([`${STAND_IN}/32`]);
  const answer = await rawExchange(bundle.ports.proxy, `CONNECT ${STAND_IN}:${port} HTTP/1.1\r\n\r\n`);
  expect(answer).toStartWith("HTTP/1.1 502 Bad Gateway");
  await bundle.audit.flushed();
  const { readFileSync } = await import("node:fs");
  const { join } = await import("node:path");
  expect(readFileSync(join(bundle.dir, "audit.jsonl"), "utf8")).toContain('"decision":"error"');
});
