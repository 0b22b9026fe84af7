import { expect, test, afterAll } from "bun:test";
import { execFileSync } from "node:child_process";
import { X509Certificate, generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createCa } from "../../../../src/bundle/bundle-ca.ts";
import { LEAF_VALIDITY_DAYS, loadIssuer, mintLeaf } from "../../../../src/bundle/serve/tls/mint-leaf.ts";
import * as der from "../../../../src/bundle/serve/tls/der.ts";

const dir = mkdtempSync(join(tmpdir(), "mint-leaf-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const ca = await createCa("mint");
const issuer = loadIssuer(ca.certificate, ca.privateKey);
writeFileSync(join(dir, "ca.pem"), ca.certificate);

function verify(cert: string, ...args: string[]): { ok: boolean; output: string } {
  const path = join(dir, `leaf-${Math.random().toString(36).slice(2)}.pem`);
  writeFileSync(path, cert);
  try {
    return { ok: true, output: execFileSync("openssl", ["verify", "-x509_strict", "-CAfile", join(dir, "ca.pem"), ...args, path], { encoding: "utf8", stdio: "pipe" }) };
  } catch (error) {
    return { ok: false, output: String((error as { stderr?: string }).stderr ?? error) };
  }
}

test("a leaf for one name verifies under the bottle CA for that name only (openssl, strict)", () => {
  const leaf = mintLeaf(issuer, "api.anthropic.com");
  expect(verify(leaf.cert, "-verify_hostname", "api.anthropic.com").ok).toBe(true);
  const other = verify(leaf.cert, "-verify_hostname", "evil.test");
  expect(other.ok).toBe(false);
  expect(other.output).toContain("hostname mismatch");
});

test("IP literals get an iPAddress SAN; names longer than a CN allows get no CN and a critical SAN", () => {
  expect(verify(mintLeaf(issuer, "127.0.0.1").cert, "-verify_ip", "127.0.0.1").ok).toBe(true);
  expect(verify(mintLeaf(issuer, "::1").cert, "-verify_ip", "::1").ok).toBe(true);
  const long = `${"a".repeat(60)}.example.test`;
  const cert = new X509Certificate(mintLeaf(issuer, long).cert);
  expect(cert.subject ?? "").toBe("");
  expect(cert.subjectAltName).toBe(`DNS:${long}`);
  expect(verify(mintLeaf(issuer, long).cert, "-verify_hostname", long).ok).toBe(true);
});

test("validity: from an hour ago for 99 days, never past the CA; AKI equals the CA's SKI; leaf is no CA", () => {
  const now = new Date("2026-11-25T00:00:00Z");
  const cert = new X509Certificate(mintLeaf(issuer, "a.test", { now }).cert);
  expect(new Date(cert.validFrom).toISOString()).toBe("2026-11-24T23:00:00.000Z");
  expect(new Date(cert.validTo).getTime()).toBe(now.getTime() + LEAF_VALIDITY_DAYS * 86_400_000);
  expect(cert.ca).toBe(false);
  expect(cert.checkIssued(new X509Certificate(ca.certificate))).toBe(true);
  const late = new X509Certificate(mintLeaf(issuer, "a.test", { now: new Date(issuer.notAfter.getTime() - 86_400_000) }).cert);
  expect(new Date(late.validTo).getTime()).toBe(issuer.notAfter.getTime());
  const text = execFileSync("openssl", ["x509", "-noout", "-ext", "authorityKeyIdentifier,subjectKeyIdentifier"], { input: mintLeaf(issuer, "a.test").cert, encoding: "utf8" });
  const caText = execFileSync("openssl", ["x509", "-noout", "-ext", "subjectKeyIdentifier"], { input: ca.certificate, encoding: "utf8" });
  expect(text).toContain(caText.split("\n")[1]!.trim());
});

test("a shared leaf key is used as given; serials differ; the empty host is refused", () => {
  const key = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey;
  const a = mintLeaf(issuer, "a.test", { key });
  const b = mintLeaf(issuer, "b.test", { key });
  expect(a.key).toBe(b.key);
  expect(new X509Certificate(a.cert).serialNumber).not.toBe(new X509Certificate(b.cert).serialNumber);
  expect(() => mintLeaf(issuer, "")).toThrow("cannot mint a leaf");
});

test("DER writer: lengths, integers and OIDs as X.690 spells them; the reader walks them back", () => {
  expect(der.tlv(0x04, Buffer.alloc(200)).subarray(0, 3)).toEqual(Buffer.from([0x04, 0x81, 200]));
  expect(der.tlv(0x04, Buffer.alloc(300)).subarray(0, 4)).toEqual(Buffer.from([0x04, 0x82, 0x01, 0x2c]));
  expect(der.unsignedInteger(Buffer.from([0x00, 0x80]))).toEqual(Buffer.from([0x02, 0x02, 0x00, 0x80]));
  expect(der.unsignedInteger(Buffer.from([0x00, 0x00, 0x05]))).toEqual(Buffer.from([0x02, 0x01, 0x05]));
  expect(der.objectIdentifier("1.2.840.10045.4.3.2")).toEqual(Buffer.from("06082a8648ce3d040302", "hex"));
  expect(der.time(new Date("2049-12-31T23:59:59Z")).toString("latin1", 2)).toBe("491231235959Z");
  expect(der.time(new Date("2050-01-01T00:00:00Z")).toString("latin1", 2)).toBe("20500101000000Z");
  const nested = der.sequence(der.octetString(Buffer.from("ab")), der.sequence());
  expect(der.children(nested, der.readNode(nested, 0)).map((node) => node.tag)).toEqual([0x04, 0x30]);
  expect(() => der.readNode(Buffer.from([0x30, 0x05, 0x01]), 0)).toThrow("truncated");
});
