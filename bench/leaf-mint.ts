/**
 * Minting a leaf certificate for one host, side by side in one run: node:crypto + the small
 * DER writer (src/bundle/serve/tls/mint-leaf.ts) against @peculiar/x509 over WebCrypto (what
 * the CA is made with), plus the cold import of @peculiar/x509 in a fresh process.
 * Run: bun bench/leaf-mint.ts
 */
import { execFileSync } from "node:child_process";
import { generateKeyPairSync, webcrypto } from "node:crypto";
import { join } from "node:path";
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { createCa } from "../src/bundle/bundle-ca.ts";
import { loadIssuer, mintLeaf } from "../src/bundle/serve/tls/mint-leaf.ts";

const ROUNDS = 2000;
const crypto = webcrypto as unknown as Crypto;
x509.cryptoProvider.set(crypto);
const ca = await createCa("bench");
const issuer = loadIssuer(ca.certificate, ca.privateKey);
const sharedKey = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function measure(label: string, mint: (i: number) => unknown): Promise<void> {
  for (let i = 0; i < 100; i++) await mint(i); // warm-up
  const times: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const started = performance.now();
    await mint(i);
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  console.log(`| ${label} | ${percentile(times, 50).toFixed(3)} | ${percentile(times, 99).toFixed(3)} |`);
}

const alg = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;
const caCert = new x509.X509Certificate(ca.certificate);
const caKey = await crypto.subtle.importKey("pkcs8", Buffer.from(ca.privateKey.replace(/-----[^-]+-----|\s/g, ""), "base64"), alg, false, ["sign"]);

console.log("| case | p50 [ms] | p99 [ms] |\n|---|---:|---:|");
await measure("node:crypto + DER writer, fresh P-256 key per leaf", (i) => mintLeaf(issuer, `h${i}.example.test`));
await measure("node:crypto + DER writer, one key for all leaves", (i) => mintLeaf(issuer, `h${i}.example.test`, { key: sharedKey }));
await measure("@peculiar/x509, fresh P-256 key per leaf", async (i) => {
  const keys = (await crypto.subtle.generateKey(alg, true, ["sign", "verify"])) as CryptoKeyPair;
  return x509.X509CertificateGenerator.create({
    serialNumber: "01", subject: `CN=h${i}.example.test`, issuer: caCert.subject, publicKey: keys.publicKey, signingKey: caKey,
    signingAlgorithm: alg, notBefore: new Date(), notAfter: new Date(Date.now() + 86_400_000),
    extensions: [new x509.SubjectAlternativeNameExtension([{ type: "dns", value: `h${i}.example.test` }])],
  });
});
const importScript = `const t = performance.now(); await import("reflect-metadata"); await import("@peculiar/x509"); console.log((performance.now() - t).toFixed(1));`;
const root = join(import.meta.dir, "..");
const cold = Array.from({ length: 5 }, () => Number(execFileSync(process.execPath, ["-e", importScript], { cwd: root, encoding: "utf8" }))).sort((a, b) => a - b);
console.log(`\ncold import of reflect-metadata + @peculiar/x509 in a fresh bun: median ${cold[2]} ms of 5 (${cold.join(", ")})`);
