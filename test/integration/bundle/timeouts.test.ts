/**
 * Timeouts, each set short in the bundle config so the test waits on the event, not on a clock:
 * a dial that never completes, an idle tunnel, a supervise body that never arrives.
 */
import { expect, test } from "bun:test";
import { connect, Socket } from "node:net";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { startBundle, rawExchange, tunnel, STAND_IN } from "../../helpers/bundle.ts";
import { echoServer } from "../../helpers/servers.ts";

const short = { config: { timeouts: { dialSeconds: 0.2, idleSeconds: 0.3, bodySeconds: 0.2 } } };

test("a dial that never completes is a 504 after the dial timeout, audited", async () => {
  const pending: Socket[] = [];
  const neverConnects = () => {
    const socket = new Socket();
    pending.push(socket);
    return socket;
  };
  const bundle = await startBundle([`${STAND_IN}/32`], { dial: neverConnects }, short);
  const answer = await rawExchange(bundle.ports.proxy, `CONNECT ${STAND_IN}:443 HTTP/1.1\r\n\r\n`);
  expect(answer).toStartWith("HTTP/1.1 504 Gateway Timeout");
  expect(pending.every((socket) => socket.destroyed)).toBe(true);
  await bundle.audit.flushed();
  const line = JSON.parse(readFileSync(join(bundle.dir, "audit.jsonl"), "utf8").trim().split("\n").at(-1)!);
  expect(line).toMatchObject({ kind: "connect", decision: "error", reason: "no connection within 0.2 s" });
});

test("an idle tunnel is closed after the idle timeout; a busy one is not", async () => {
  const port = await echoServer();
  const bundle = await startBundle([`${STAND_IN}/32`], {}, short);
  const idle = await tunnel(bundle.ports.proxy, `${STAND_IN}:${port}`);
  idle.resume();
  await new Promise((resolve) => idle.once("end", resolve));
  await bundle.audit.flushed();
  const lines = readFileSync(join(bundle.dir, "audit.jsonl"), "utf8").trim().split("\n").map((line) => JSON.parse(line));
  expect(lines.at(-1)).toMatchObject({ kind: "connect", decision: "allow", reason: "closed after 0.3 s idle" });
  expect(lines.at(-1).durationMs).toBeGreaterThanOrEqual(300);
  // Control: a tunnel that keeps talking (each echo answered at once) outlives three idle periods.
  const busy = await tunnel(bundle.ports.proxy, `${STAND_IN}:${port}`);
  busy.resume();
  let ended = false;
  busy.once("end", () => (ended = true));
  const since = Date.now();
  await new Promise<void>((resolve) => {
    busy.on("data", () => (Date.now() - since > 900 || ended ? resolve() : void busy.write("ping")));
    busy.write("ping");
  });
  expect(ended).toBe(false);
  busy.destroy();
});

test("a supervise request whose body never arrives is cut after the body timeout", async () => {
  const bundle = await startBundle([], {}, short);
  const socket = connect(bundle.ports.supervise, "127.0.0.1");
  socket.write("POST /requests HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"host\":");
  await new Promise((resolve) => socket.once("close", resolve));
  expect(JSON.parse((await bundle.supervise("GET", "/requests")).body)).toEqual([]);
});
