/**
 * The per-bottle CA: an ECDSA P-256 key and a self-signed certificate made with @peculiar/x509
 * over WebCrypto. The key stays on the host in the bottle's state (0600); only the certificate
 * travels, into the guest at NODE_EXTRA_CA_CERTS. Made once per bottle and kept until `down`.
 */
import type * as X509 from "@peculiar/x509";
import { webcrypto } from "node:crypto";
import { join } from "node:path";
import type { Fs } from "../core/fs.ts";
import { PRIVATE_DIR_MODE } from "../core/write-files.ts";

export const CA_CERT_FILE = "ca.crt";
export const CA_KEY_FILE = "ca.key";
const CA_VALIDITY_DAYS = 365;

const crypto = webcrypto as unknown as Crypto;

/**
 * The X.509 library, loaded on first use (its start-up cost is not for every command), after
 * the reflect polyfill its tsyringe dependency needs — in that order, also inside the binary.
 */
async function x509Library(): Promise<typeof X509> {
  await import("reflect-metadata");
  const x509 = await import("@peculiar/x509");
  x509.cryptoProvider.set(crypto);
  return x509;
}

const ALGORITHM = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;

export interface CaPem {
  readonly certificate: string;
  readonly privateKey: string;
}

function pem(label: string, der: ArrayBuffer): string {
  const base64 = Buffer.from(der).toString("base64").replace(/.{1,64}/g, "$&\n");
  return `-----BEGIN ${label}-----\n${base64}-----END ${label}-----\n`;
}

/** A fresh CA for `slug`, valid from an hour ago (clock skew) for a year. */
export async function createCa(slug: string, now = new Date()): Promise<CaPem> {
  const x509 = await x509Library();
  const keys = (await crypto.subtle.generateKey(ALGORITHM, true, ["sign", "verify"])) as CryptoKeyPair;
  const notBefore = new Date(now.getTime() - 3_600_000);
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString("hex").replace(/^[89a-f]/, "1"),
    name: `CN=claude-bottle ${slug} bundle CA, O=claude-bottle`,
    notBefore,
    notAfter: new Date(notBefore.getTime() + CA_VALIDITY_DAYS * 86_400_000),
    keys,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const privateKey = pem("PRIVATE KEY", await crypto.subtle.exportKey("pkcs8", keys.privateKey));
  return { certificate: certificate.toString("pem") + "\n", privateKey };
}

/** Makes the bottle's CA under `<dir>/ca/` unless it exists; returns the certificate path. */
export async function ensureCa(fs: Fs, stateDir: string, slug: string): Promise<string> {
  const dir = join(stateDir, "ca");
  const certPath = join(dir, CA_CERT_FILE);
  if ((await fs.exists(certPath)) && (await fs.exists(join(dir, CA_KEY_FILE)))) return certPath;
  const ca = await createCa(slug);
  await fs.makeDir(dir, PRIVATE_DIR_MODE);
  await fs.writeAtomic(join(dir, CA_KEY_FILE), ca.privateKey, 0o600);
  await fs.writeAtomic(certPath, ca.certificate, 0o644);
  return certPath;
}
