/**
 * TLS termination on loopback, side by side in one run: direct to the upstream, through the
 * bundle as an opaque CONNECT tunnel, and through the bundle terminating TLS (credential host:
 * sentinel swapped for the real key, canary/DLP scan). Three processes: this one is the client,
 * the bundle and the upstream HTTPS servers (own CA) run in children of their own.
 *   fresh:      N × (TCP [+ CONNECT] + TLS handshake + GET + close), per-request p50 / p99,
 *               the rows taking turns connection by connection
 *   keep-alive: N GETs on one TLS connection, per-request p50 / p99
 *   bulk:       one 256 MiB download and one 64 MiB upload, MiB/s
 * Run: bun bench/termination.ts [N=500] [--baseline DIR]
 * --baseline DIR: one more bundle, run from another checkout (DIR/bench/termination.ts, e.g. a
 * `git archive` of main), whose terminated row is measured in the same run as this one's.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { connect, type Socket } from "node:net";
import { connect as tlsConnect, type TLSSocket } from "node:tls";

const role = process.argv[2];
const KEY_HEADER = "x-api-key";

if (role === "upstream") await (await import("./termination-roles.ts")).upstream();
else if (role === "bundle") await (await import("./termination-roles.ts")).bundle(JSON.parse(process.argv[3]!));
else await main();

type Child = { process: ChildProcess; info: Record<string, unknown> };

function child(args: string[], script = import.meta.path): Promise<Child> {
  const proc = spawn(process.execPath, [script, ...args], { stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolve) => {
    let text = "";
    proc.stdout!.on("data", (chunk) => {
      text += chunk;
      if (text.includes("\n")) resolve({ process: proc, info: JSON.parse(text.split("\n")[0]!) });
    });
  });
}

interface Target {
  readonly label: string;
  readonly open: () => Promise<TLSSocket>;
}

function connectThrough(proxy: number, authority: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(proxy, "127.0.0.1");
    let head = "";
    const onData = (chunk: Buffer) => {
      head += chunk.toString("latin1");
      if (!head.includes("\r\n\r\n")) return;
      socket.off("data", onData);
      if (!head.startsWith("HTTP/1.1 200")) return reject(new Error(head.split("\r\n")[0]));
      resolve(socket);
    };
    socket.on("data", onData);
    socket.on("error", reject);
    socket.write(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n\r\n`);
  });
}

function secure(socket: Socket | undefined, port: number, name: string, ca: string): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const options = socket ? { socket } : { host: "127.0.0.1", port };
    const tls = tlsConnect({ ...options, servername: name, ca, ALPNProtocols: ["http/1.1"] }, () => resolve(tls));
    tls.on("error", reject);
  });
}

/** One request on `tls`; resolves when the whole answer (Content-Length framed) has arrived. */
function exchange(tls: TLSSocket, path: string, host: string, sentinel: string, body?: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    let head = "";
    let need = -1;
    let got = 0;
    const onData = (chunk: Buffer) => {
      if (need < 0) {
        head += chunk.toString("latin1");
        const end = head.indexOf("\r\n\r\n");
        if (end === -1) return;
        need = Number(/content-length: (\d+)/i.exec(head.slice(0, end))?.[1] ?? 0);
        got = Buffer.byteLength(head.slice(end + 4), "latin1");
        if (!head.startsWith("HTTP/1.1 200")) return reject(new Error(head.split("\r\n")[0]));
      } else got += chunk.length;
      if (got >= need) {
        tls.off("data", onData);
        resolve(got);
      }
    };
    tls.on("data", onData);
    const length = body ? `Content-Length: ${body.length}\r\n` : "";
    tls.write(`${body ? "POST" : "GET"} ${path} HTTP/1.1\r\nHost: ${host}\r\n${KEY_HEADER}: ${sentinel}\r\n${length}\r\n`);
    if (body) tls.write(body);
  });
}

function percentiles(times: number[]): string {
  const sorted = [...times].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!.toFixed(2);
  return `${at(0.5)} | ${at(0.99)}`;
}

/**
 * Fresh connections, the targets taking turns one connection each: on a shared machine the load
 * changes by the second, and turns spread it evenly over the rows compared.
 */
async function fresh(
  targets: readonly Target[],
  n: number,
  hostOf: (target: Target) => string,
  sentinel: string,
): Promise<string[]> {
  const times: number[][] = targets.map(() => []);
  for (let i = 0; i < n; i++) {
    for (const [index, target] of targets.entries()) {
      const started = performance.now();
      const tls = await target.open();
      await exchange(tls, "/small", hostOf(target), sentinel);
      tls.destroy();
      times[index]!.push(performance.now() - started);
    }
  }
  return times.map(percentiles);
}

async function keepAlive(target: Target, n: number, host: string, sentinel: string): Promise<string> {
  const tls = await target.open();
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const started = performance.now();
    await exchange(tls, "/small", host, sentinel);
    times.push(performance.now() - started);
  }
  tls.destroy();
  return percentiles(times);
}

async function bulk(target: Target, host: string, sentinel: string): Promise<string> {
  const MiB = 1024 * 1024;
  let tls = await target.open();
  let started = performance.now();
  await exchange(tls, `/bulk/${256 * MiB}`, host, sentinel);
  const down = 256 / ((performance.now() - started) / 1000);
  tls.destroy();
  tls = await target.open();
  started = performance.now();
  await exchange(tls, "/upload", host, sentinel, Buffer.alloc(64 * MiB, 0x61));
  const up = 64 / ((performance.now() - started) / 1000);
  tls.destroy();
  return `${down.toFixed(0)} | ${up.toFixed(0)}`;
}

type BundleInfo = { proxy: number; sentinel: string; bottleCa: string };

function terminatedTarget(label: string, info: BundleInfo, port: number): Target {
  const open = async () => {
    const tunnel = await connectThrough(info.proxy, `term.bench.test:${port}`);
    return secure(tunnel, port, "term.bench.test", info.bottleCa);
  };
  return { label, open };
}

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 500);
  const at = process.argv.indexOf("--baseline");
  const baselineDir = at === -1 ? undefined : process.argv[at + 1]!;
  const upstream = await child(["upstream"]);
  const { port, caPem } = upstream.info as { port: number; caPem: string };
  const bundle = await child(["bundle", JSON.stringify({ port, caPem })]);
  const info = bundle.info as BundleInfo;
  const { proxy, sentinel } = info;
  const bundleArgs = ["bundle", JSON.stringify({ port, caPem })];
  const baseline = baselineDir ? await child(bundleArgs, `${baselineDir}/bench/termination.ts`) : undefined;
  const targets: Target[] = [
    { label: "direct", open: () => secure(undefined, port, "opaque.bench.test", caPem) },
    { label: "opaque tunnel (bundle)", open: async () => secure(await connectThrough(proxy, `opaque.bench.test:${port}`), port, "opaque.bench.test", caPem) },
    ...(baseline ? [terminatedTarget("terminated (baseline bundle)", baseline.info as BundleInfo, port)] : []),
    terminatedTarget("terminated (bundle)", info, port),
  ];
  console.log(`| path | fresh p50 ms | fresh p99 ms | keep-alive p50 ms | keep-alive p99 ms | download MiB/s | upload MiB/s |\n|---|---:|---:|---:|---:|---:|---:|`);
  const hostOf = (target: Target) =>
    target.label.startsWith("terminated") ? `term.bench.test:${port}` : `opaque.bench.test:${port}`;
  await fresh(targets, 50, hostOf, sentinel); // warm-up
  const freshRows = await fresh(targets, n, hostOf, sentinel);
  for (const [index, target] of targets.entries()) {
    const host = hostOf(target);
    const row = [freshRows[index]!, await keepAlive(target, n, host, sentinel), await bulk(target, host, sentinel)];
    console.log(`| ${target.label} | ${row.join(" | ")} |`);
  }
  upstream.process.kill();
  bundle.process.kill();
  baseline?.process.kill();
}
