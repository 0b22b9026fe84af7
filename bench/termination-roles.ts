/** The child processes of bench/termination.ts: the upstream HTTPS server and the bundle. */
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { webcrypto, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:https";
import { connect, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createCa } from "../src/bundle/bundle-ca.ts";
import { bundleMaterial } from "../src/bundle/credential-material.ts";
import { serveBundle } from "../src/bundle/serve/serve.ts";
import { nodeFs } from "../src/runtime/node-fs.ts";

const STAND_IN = "198.51.100.7";

/** HTTPS for *.bench.test (own CA): /small answers 3 bytes, /bulk/N sends N bytes, /upload counts. */
export async function upstream(): Promise<void> {
  const crypto = webcrypto as unknown as Crypto;
  x509.cryptoProvider.set(crypto);
  const alg = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;
  const caKeys = (await crypto.subtle.generateKey(alg, true, ["sign", "verify"])) as CryptoKeyPair;
  const ca = await x509.X509CertificateGenerator.createSelfSigned({ serialNumber: "01", name: "CN=bench CA", keys: caKeys, signingAlgorithm: alg, notBefore: new Date(Date.now() - 3600_000), notAfter: new Date(Date.now() + 86_400_000), extensions: [new x509.BasicConstraintsExtension(true, 0, true)] });
  const keys = (await crypto.subtle.generateKey(alg, true, ["sign", "verify"])) as CryptoKeyPair;
  const names = [{ type: "dns" as const, value: "opaque.bench.test" }, { type: "dns" as const, value: "term.bench.test" }];
  const leaf = await x509.X509CertificateGenerator.create({ serialNumber: "02", subject: "CN=bench", issuer: ca.subject, publicKey: keys.publicKey, signingKey: caKeys.privateKey, signingAlgorithm: alg, notBefore: new Date(Date.now() - 3600_000), notAfter: new Date(Date.now() + 86_400_000), extensions: [new x509.SubjectAlternativeNameExtension(names)] });
  const key = `-----BEGIN PRIVATE KEY-----\n${Buffer.from(await crypto.subtle.exportKey("pkcs8", keys.privateKey)).toString("base64")}\n-----END PRIVATE KEY-----\n`;
  const chunk = Buffer.alloc(256 * 1024, 0x62);
  const server = createServer({ key, cert: leaf.toString("pem") }, (req, res) => {
    const bulk = /^\/bulk\/(\d+)$/.exec(req.url ?? "");
    if (!bulk) {
      req.resume();
      return void req.on("end", () => res.writeHead(200, { "content-length": 3 }).end("ok\n"));
    }
    const size = Number(bulk[1]);
    res.writeHead(200, { "content-length": size });
    let sent = 0;
    const pump = () => {
      while (sent < size) {
        sent += chunk.length;
        if (!res.write(chunk)) return void res.once("drain", pump);
      }
      res.end();
    };
    pump();
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, "127.0.0.1", () => console.log(JSON.stringify({ port: (server.address() as AddressInfo).port, caPem: ca.toString("pem") })));
}

/** The bundle, in-process here: names resolve to a stand-in address that is dialled on loopback. */
export async function bundle(options: { port: number; caPem: string }): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "bench-term-"));
  // The bench ends this role with SIGTERM: leave no bundle directory behind in the temp dir.
  process.once("SIGTERM", () => {
    rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  });
  const ca = await createCa("bench");
  const sentinel = `sk-ant-api03-${"S".repeat(93)}AA`;
  const spec = { name: "ANTHROPIC_API_KEY", source: { kind: "env" as const, name: "K" }, hosts: ["term.bench.test"], header: "x-api-key", schemes: [] };
  const material = bundleMaterial({ specs: [spec], values: new Map([["ANTHROPIC_API_KEY", `sk-ant-api03-${"R".repeat(93)}AA`]]), sentinels: { ANTHROPIC_API_KEY: sentinel }, inspect: [], ca, upstreamCa: [options.caPem] });
  writeFileSync(join(dir, "credentials.json"), JSON.stringify(material), { mode: 0o600 });
  writeFileSync(join(dir, "supervise.token"), randomBytes(32).toString("hex"), { mode: 0o600 });
  const allow = [`opaque.bench.test:${options.port}`, `term.bench.test:${options.port}`];
  writeFileSync(join(dir, "bundle.json"), JSON.stringify({ version: 1, bottle: "bench", bundleIp: "127.0.0.1", subnet: "192.0.2.0/24", listen: "127.0.0.1", ports: { proxy: 0, gitGate: 0, supervise: 0, dns: 0 }, allow }));
  const running = await serveBundle(join(dir, "bundle.json"), {
    fs: nodeFs,
    interfaces: () => ({}),
    resolve: async () => [STAND_IN],
    dial: (address, port) => connect({ host: address === STAND_IN ? "127.0.0.1" : address, port, allowHalfOpen: true }),
  });
  console.log(JSON.stringify({ proxy: running.ports.proxy, sentinel, bottleCa: ca.certificate }));
}
