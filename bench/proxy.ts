/**
 * CONNECT tunnels on loopback, side by side in one run: direct, through the claude-bottle
 * bundle (the compiled binary, its own process), and through tinyproxy (Debian).
 *   throughput: one tunnel, 1 GiB downloaded
 *   latency:    1,000 × (open tunnel + one 64-byte echo round trip), p50 / p99
 *   memory:     RSS growth of the proxy process per idle tunnel (1,000 open)
 * Run: bun bench/proxy.ts   (needs tinyproxy: apt-get install tinyproxy)
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect, createServer, type AddressInfo, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = join(import.meta.dir, "..");
const work = mkdtempSync(join(tmpdir(), "bench-proxy-"));
const GiB = 1024 ** 3;
const chunk = Buffer.alloc(256 * 1024);

const sink = createServer((socket) => {
  socket.once("data", (first) => {
    if (first.toString() === "DOWNLOAD") {
      let sent = 0;
      const pump = () => {
        while (sent < GiB) {
          sent += chunk.length;
          if (!socket.write(chunk)) return void socket.once("drain", pump);
        }
        socket.end();
      };
      pump();
    } else {
      socket.write(first);
      socket.pipe(socket);
    }
  });
  socket.on("error", () => {});
});
await new Promise<void>((r) => sink.listen(0, "127.0.0.1", () => r()));
const target = (sink.address() as AddressInfo).port;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number): Promise<void> {
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, "127.0.0.1", () => (s.destroy(), resolve(true)));
      s.on("error", () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

execFileSync(join(root, "node_modules/.bin/bun"), ["scripts/compile.ts", "--target", "linux-x64", "--out", join(work, "dist")], { cwd: root, stdio: "ignore" });
const ourPort = await freePort();
writeFileSync(join(work, "supervise.token"), "t".repeat(64));
writeFileSync(join(work, "bundle.json"), JSON.stringify({ version: 1, bottle: "bench", bundleIp: "127.0.0.1", subnet: "192.0.2.0/24", listen: "127.0.0.1", ports: { proxy: ourPort, gitGate: 0, supervise: await freePort(), dns: await freePort() }, allow: ["127.0.0.1/32"] }));
const ours = spawn(join(work, "dist/claude-bottle-linux-x64"), ["bundle", "serve", "--config", join(work, "bundle.json")], { stdio: "ignore" });
const tinyPort = await freePort();
writeFileSync(join(work, "tinyproxy.conf"), `Port ${tinyPort}\nListen 127.0.0.1\nTimeout 600\nMaxClients 4000\nAllow 127.0.0.1\nLogLevel Critical\nPidFile "${work}/tiny.pid"\n`);
const tiny = spawn("tinyproxy", ["-d", "-c", join(work, "tinyproxy.conf")], { stdio: "ignore" });
await Promise.all([waitForPort(ourPort), waitForPort(tinyPort)]);

function open(proxy: number | undefined): Promise<Socket> {
  return new Promise((resolve, reject) => {
    if (proxy === undefined) {
      const s = connect(target, "127.0.0.1", () => resolve(s));
      s.on("error", reject);
      return;
    }
    const s = connect(proxy, "127.0.0.1");
    let head = "";
    const onData = (d: Buffer) => {
      head += d.toString("latin1");
      const end = head.indexOf("\r\n\r\n");
      if (end === -1) return;
      s.off("data", onData);
      if (!head.startsWith("HTTP/1.") || !/^HTTP\/1\.\d 200/.test(head)) return reject(new Error(head));
      s.pause();
      resolve(s);
    };
    s.on("data", onData);
    s.on("error", reject);
    s.write(`CONNECT 127.0.0.1:${target} HTTP/1.1\r\nHost: 127.0.0.1:${target}\r\n\r\n`);
  });
}

async function throughput(proxy: number | undefined): Promise<number> {
  const s = await open(proxy);
  const started = performance.now();
  let got = 0;
  await new Promise<void>((resolve) => {
    s.on("data", (d: Buffer) => (got += d.length));
    s.on("end", () => resolve());
    s.resume();
    s.write("DOWNLOAD");
  });
  s.destroy();
  return got / GiB / ((performance.now() - started) / 1000);
}

async function latencies(proxy: number | undefined): Promise<number[]> {
  const times: number[] = [];
  const payload = Buffer.alloc(64, 7);
  for (let i = 0; i < 1000; i++) {
    const started = performance.now();
    const s = await open(proxy);
    await new Promise<void>((resolve) => {
      s.once("data", () => resolve());
      s.resume();
      s.write(payload);
    });
    times.push(performance.now() - started);
    s.destroy();
  }
  return times.sort((a, b) => a - b);
}

function rssKiB(child: ChildProcess): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"))![1]);
}

async function idleMemory(proxy: number, child: ChildProcess): Promise<number> {
  const before = rssKiB(child);
  const sockets = [];
  for (let i = 0; i < 1000; i++) sockets.push(await open(proxy));
  await new Promise((r) => setTimeout(r, 300));
  const after = rssKiB(child);
  for (const s of sockets) s.destroy();
  return (after - before) / 1000;
}

const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;
const rows: string[] = [];
for (const [name, port] of [["direct", undefined], ["claude-bottle bundle", ourPort], ["tinyproxy 1.11", tinyPort]] as const) {
  const gbps = Math.max(await throughput(port), await throughput(port));
  const lat = await latencies(port);
  rows.push(`| ${name} | ${gbps.toFixed(2)} GiB/s | ${pct(lat, 0.5).toFixed(3)} | ${pct(lat, 0.99).toFixed(3)} |`);
}
console.log("| path | throughput (1 tunnel, 1 GiB) | open+echo p50 ms | open+echo p99 ms |");
console.log("|---|---:|---:|---:|");
for (const row of rows) console.log(row);
console.log(`\nmemory per idle tunnel: claude-bottle ${(await idleMemory(ourPort, ours)).toFixed(1)} KiB, tinyproxy ${(await idleMemory(tinyPort, tiny)).toFixed(1)} KiB (RSS growth / 1,000 tunnels; tinyproxy forks per connection, so its figure is the parent only)`);
ours.kill();
tiny.kill();
sink.close();
rmSync(work, { recursive: true, force: true });
process.exit(0);
