/**
 * Disk growth of the audit log under a 20 s DNS flood on loopback, side by side in one run:
 *   before: every query its own audit line, no size cap (the behaviour up to 5ffbd3c, kept as
 *           serve options for this comparison)
 *   after:  aggregated DNS lines (per name per 10 s window, 50 names listed) and the default
 *           50 MiB cap over audit.jsonl + 4 rotated files
 * The flood is a separate bun process sending random-name queries as fast as it can.
 * Run: bun bench/dns-flood.ts [seconds]
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { serveBundle, type ServeOptions } from "../src/bundle/serve/serve.ts";
import { nodeFs } from "../src/runtime/node-fs.ts";

const seconds = Number(process.argv[2] ?? 20);
const MiB = 1024 * 1024;

const FLOOD = `
const dgram = require("node:dgram");
const socket = dgram.createSocket("udp4");
const [port, seconds] = [Number(process.argv[1]), Number(process.argv[2])];
const end = Date.now() + seconds * 1000;
let sent = 0;
function query(name) {
  const labels = name.split(".").flatMap((l) => [Buffer.from([l.length]), Buffer.from(l)]);
  return Buffer.concat([Buffer.from([0xbe, 0xef, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]), ...labels, Buffer.from([0, 0, 1, 0, 1])]);
}
function burst() {
  if (Date.now() > end) return socket.close(() => console.log(sent));
  let pending = 64;
  for (let i = 0; i < 64; i++) {
    const name = Math.random().toString(36).slice(2) + Math.random().toString(36).slice(2) + ".exfil.test";
    socket.send(query(name), port, "127.0.0.1", () => { sent++; if (--pending === 0) setImmediate(burst); });
  }
}
burst();
`;

async function run(label: string, options: Omit<ServeOptions, "fs">): Promise<Record<string, string | number>> {
  const dir = mkdtempSync(join(tmpdir(), "bench-dns-"));
  writeFileSync(join(dir, "supervise.token"), "t".repeat(64), { mode: 0o600 });
  const config = { version: 1, bottle: "bench", bundleIp: "127.0.0.1", subnet: "192.0.2.0/24", listen: "127.0.0.1", ports: { proxy: 0, gitGate: 0, supervise: 0, dns: 0 }, allow: [] };
  writeFileSync(join(dir, "bundle.json"), JSON.stringify(config), { mode: 0o600 });
  const bundle = await serveBundle(join(dir, "bundle.json"), { fs: nodeFs, interfaces: () => ({}), ...options });
  const flood = spawn(process.execPath, ["-e", FLOOD, String(bundle.ports.dns), String(seconds)], { stdio: ["ignore", "pipe", "inherit"] });
  let sent = "";
  flood.stdout.on("data", (chunk) => (sent += chunk));
  await new Promise((resolve) => flood.on("close", resolve));
  const status = await (await fetch(`http://127.0.0.1:${bundle.ports.supervise}/status`)).json() as { counters: { dnsRefused: number } };
  await bundle.close();
  const files = readdirSync(dir).filter((name) => name.startsWith("audit.jsonl"));
  const bytes = files.reduce((sum, name) => sum + statSync(join(dir, name)).size, 0);
  rmSync(dir, { recursive: true, force: true });
  const handled = status.counters.dnsRefused;
  return { label, sent: Number(sent.trim()), handled, files: files.length, "audit MiB": (bytes / MiB).toFixed(2), "bytes/query": (bytes / handled).toFixed(1) };
}

const before = await run("before: a line per query, no cap", { dnsAggregate: "every-query", auditLimits: { maxBytes: Number.MAX_SAFE_INTEGER, rotated: 1 } });
const after = await run("after: aggregated, 50 MiB cap", {});
console.table([before, after]);
