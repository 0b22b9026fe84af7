/**
 * Leaf certificates for TLS termination: a P-256 leaf for exactly one host, signed by the
 * bottle's CA, written with node:crypto and the small DER writer beside it (~0.1 ms a leaf,
 * where @peculiar/x509 takes ~3 ms plus ~110 ms to import). Pure but for randomness and the
 * clock, both of which a caller may pin.
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  sign,
  X509Certificate,
  type KeyObject,
} from "node:crypto";
import { isIPv4, isIPv6 } from "node:net";
import * as der from "./der.ts";

/** Longest validity a leaf gets (the CA/B Forum's coming limit; sandbox-runtime uses the same). */
export const LEAF_VALIDITY_DAYS = 99;
const DAY_MS = 86_400_000;

const OID = {
  ecdsaWithSha256: "1.2.840.10045.4.3.2",
  commonName: "2.5.4.3",
  subjectKeyIdentifier: "2.5.29.14",
  keyUsage: "2.5.29.15",
  subjectAltName: "2.5.29.17",
  basicConstraints: "2.5.29.19",
  authorityKeyIdentifier: "2.5.29.35",
  extKeyUsage: "2.5.29.37",
  serverAuth: "1.3.6.1.5.5.7.3.1",
} as const;

/** The CA as a signer: its subject (copied byte for byte into each leaf's issuer) and key id. */
export interface Issuer {
  readonly certificatePem: string;
  readonly subject: Buffer;
  readonly keyId: Buffer;
  readonly notAfter: Date;
  readonly key: KeyObject;
}

export interface LeafPem {
  readonly cert: string;
  readonly key: string;
}

/** The TBSCertificate's fields in order, skipping the optional [0] version. */
function tbsFields(raw: Buffer): der.Node[] {
  const certificate = der.readNode(raw, 0);
  const [tbs] = der.children(raw, certificate);
  if (!tbs) throw new Error("certificate has no TBSCertificate");
  const fields = der.children(raw, tbs);
  return fields[0]?.tag === 0xa0 ? fields.slice(1) : fields;
}

function extensionValue(raw: Buffer, fields: readonly der.Node[], oid: string): Buffer | undefined {
  const wrapper = fields.find((field) => field.tag === 0xa3);
  if (!wrapper) return undefined;
  const wanted = der.objectIdentifier(oid);
  const [list] = der.children(raw, wrapper);
  for (const extension of list ? der.children(raw, list) : []) {
    const parts = der.children(raw, extension);
    if (!raw.subarray(parts[0]!.start, parts[0]!.end).equals(wanted)) continue;
    const value = parts[parts.length - 1]!;
    return raw.subarray(value.valueStart, value.end);
  }
  return undefined;
}

/** The key id RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey bits. */
function keyIdOf(spki: Buffer): Buffer {
  const [, bits] = der.children(spki, der.readNode(spki, 0));
  return createHash("sha1")
    .update(spki.subarray(bits!.valueStart + 1, bits!.end))
    .digest();
}

/** Reads the CA certificate and key (PEM). Throws when the certificate cannot be parsed. */
export function loadIssuer(certificatePem: string, keyPem: string): Issuer {
  const certificate = new X509Certificate(certificatePem);
  const raw = certificate.raw;
  const fields = tbsFields(raw);
  const subject = fields[4]!;
  const spki = fields[5]!;
  const ski = extensionValue(raw, fields, OID.subjectKeyIdentifier);
  // The leaf's AKI must equal the CA's own SKI, however the CA computed it, or OpenSSL refuses the chain.
  const keyId = ski ? ski.subarray(der.readNode(ski, 0).valueStart) : keyIdOf(raw.subarray(spki.start, spki.end));
  return {
    certificatePem,
    subject: raw.subarray(subject.start, subject.end),
    keyId: Buffer.from(keyId),
    notAfter: new Date(certificate.validTo),
    key: createPrivateKey(keyPem),
  };
}

function extension(oid: string, critical: boolean, value: Buffer): Buffer {
  return der.sequence(der.objectIdentifier(oid), ...(critical ? [der.booleanTrue()] : []), der.octetString(value));
}

function altName(host: string): Buffer {
  if (isIPv4(host)) return der.implicit(7, Buffer.from(host.split(".").map(Number)));
  if (isIPv6(host)) {
    const address = new URL(`http://[${host}]`).hostname.slice(1, -1);
    const [head = "", tail] = address.split("::");
    const left = head ? head.split(":") : [];
    const right = tail ? tail.split(":") : [];
    const groups = [...left, ...Array(8 - left.length - right.length).fill("0"), ...right];
    return der.implicit(
      7,
      Buffer.from(groups.flatMap((group) => [Number.parseInt(group, 16) >> 8, Number.parseInt(group, 16) & 255])),
    );
  }
  return der.implicit(2, Buffer.from(host, "ascii"));
}

function leafExtensions(host: string, leafSpki: Buffer, issuer: Issuer, cnFits: boolean): Buffer {
  return der.explicit(
    3,
    der.sequence(
      extension(OID.basicConstraints, true, der.sequence()),
      extension(OID.keyUsage, true, der.tlv(0x03, Buffer.from([7, 0x80]))), // digitalSignature
      extension(OID.extKeyUsage, false, der.sequence(der.objectIdentifier(OID.serverAuth))),
      // With no subject, the SAN must be critical (RFC 5280 §4.2.1.6).
      extension(OID.subjectAltName, !cnFits, der.sequence(altName(host))),
      extension(OID.subjectKeyIdentifier, false, der.octetString(keyIdOf(leafSpki))),
      extension(OID.authorityKeyIdentifier, false, der.sequence(der.implicit(0, issuer.keyId))),
    ),
  );
}

export interface MintOptions {
  readonly now?: Date;
  /** One key may serve every leaf of a bottle (it never leaves the bundle); fresh when absent. */
  readonly key?: KeyObject;
}

/**
 * A leaf for `host` (a lowercase name or an IP literal) signed by `issuer`: valid from an hour
 * ago for 99 days, never past the CA's own end. Throws on an empty host.
 */
export function mintLeaf(issuer: Issuer, host: string, options: MintOptions = {}): LeafPem {
  if (host === "" || host.length > 253) throw new Error(`cannot mint a leaf for ${JSON.stringify(host)}`);
  const now = options.now ?? new Date();
  const key = options.key ?? generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey;
  const spki = createPublicKey(key).export({ type: "spki", format: "der" });
  const notBefore = new Date(now.getTime() - 3_600_000);
  const notAfter = new Date(Math.min(now.getTime() + LEAF_VALIDITY_DAYS * DAY_MS, issuer.notAfter.getTime()));
  const cnFits = host.length <= 64;
  const signatureAlgorithm = der.sequence(der.objectIdentifier(OID.ecdsaWithSha256));
  const serial = randomBytes(16);
  serial[0] = (serial[0]! & 0x7f) | 0x01; // positive and never leading zero
  const tbs = der.sequence(
    der.explicit(0, der.tlv(0x02, Buffer.from([2]))), // v3
    der.unsignedInteger(serial),
    signatureAlgorithm,
    issuer.subject,
    der.sequence(der.time(notBefore), der.time(notAfter)),
    cnFits
      ? der.sequence(der.set(der.sequence(der.objectIdentifier(OID.commonName), der.utf8String(host))))
      : der.sequence(),
    spki,
    leafExtensions(host, spki, issuer, cnFits),
  );
  const signature = sign("sha256", tbs, issuer.key);
  const certificate = der.sequence(tbs, signatureAlgorithm, der.bitString(signature));
  return { cert: pem("CERTIFICATE", certificate), key: key.export({ type: "pkcs8", format: "pem" }).toString() };
}

export function pem(label: string, bytes: Buffer): string {
  return `-----BEGIN ${label}-----\n${bytes.toString("base64").replace(/.{1,64}/g, "$&\n")}-----END ${label}-----\n`;
}
