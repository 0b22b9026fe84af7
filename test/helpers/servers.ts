/** Servers the tests run themselves, on loopback only, closed after each test. */
import { afterEach } from "bun:test";
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { webcrypto } from "node:crypto";
import { createServer as createHttpServer, type Server as HttpServer } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { createServer as createTcpServer, type AddressInfo, type Server } from "node:net";

const open: (Server | HttpServer)[] = [];
afterEach(async () => {
  for (const server of open.splice(0)) {
    (server as HttpServer).closeAllConnections?.();
    await new Promise((resolve) => server.close(() => resolve(undefined)));
  }
});

function listen<S extends Server | HttpServer>(server: S, host = "127.0.0.1"): Promise<number> {
  open.push(server);
  return new Promise((resolve) => server.listen(0, host, () => resolve((server.address() as AddressInfo).port)));
}

/** An HTTP server counting every request it gets: a hit proves a guard failed. */
export async function countingHttpServer(host = "127.0.0.1"): Promise<{ port: number; hits: () => number }> {
  let hits = 0;
  const server = createHttpServer((_req, res) => {
    hits++;
    res.end("reached\n");
  });
  const port = await listen(server, host);
  return { port, hits: () => hits };
}

/** Echoes every byte back; half-close aware. */
export async function echoServer(): Promise<number> {
  const server = createTcpServer({ allowHalfOpen: true }, (socket) => {
    socket.pipe(socket);
    socket.on("error", () => {});
  });
  return listen(server);
}

/** Streams `bytes` of zeros to whoever connects, counting what it receives; reports closes. */
export async function streamServer(bytes: number): Promise<{ port: number; received: () => number; closes: () => number }> {
  let received = 0;
  let closes = 0;
  const chunk = Buffer.alloc(64 * 1024);
  const server = createTcpServer({ allowHalfOpen: true }, (socket) => {
    socket.on("data", (data: Buffer) => (received += data.length));
    socket.on("error", () => {});
    socket.on("close", () => closes++);
    let sent = 0;
    const pump = () => {
      while (sent < bytes) {
        const piece = chunk.subarray(0, Math.min(chunk.length, bytes - sent));
        sent += piece.length;
        if (!socket.write(piece)) return void socket.once("drain", pump);
      }
      socket.end();
    };
    pump();
  });
  return { port: await listen(server), received: () => received, closes: () => closes };
}

/** An HTTPS server for `name`, with its own CA; returns the CA PEM for the client. */
export async function tlsServer(name: string): Promise<{ port: number; caPem: string }> {
  const crypto = webcrypto as unknown as Crypto;
  x509.cryptoProvider.set(crypto);
  const alg = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;
  const caKeys = (await crypto.subtle.generateKey(alg, true, ["sign", "verify"])) as CryptoKeyPair;
  const ca = await x509.X509CertificateGenerator.createSelfSigned({ serialNumber: "01", name: "CN=test CA", keys: caKeys, signingAlgorithm: alg, notBefore: new Date(Date.now() - 3600_000), notAfter: new Date(Date.now() + 86_400_000), extensions: [new x509.BasicConstraintsExtension(true, 0, true)] });
  const leafKeys = (await crypto.subtle.generateKey(alg, true, ["sign", "verify"])) as CryptoKeyPair;
  const leaf = await x509.X509CertificateGenerator.create({ serialNumber: "02", subject: `CN=${name}`, issuer: ca.subject, publicKey: leafKeys.publicKey, signingKey: caKeys.privateKey, signingAlgorithm: alg, notBefore: new Date(Date.now() - 3600_000), notAfter: new Date(Date.now() + 86_400_000), extensions: [new x509.SubjectAlternativeNameExtension([{ type: "dns", value: name }])] });
  const keyDer = await crypto.subtle.exportKey("pkcs8", leafKeys.privateKey);
  const keyPem = `-----BEGIN PRIVATE KEY-----\n${Buffer.from(keyDer).toString("base64").replace(/.{1,64}/g, "$&\n")}-----END PRIVATE KEY-----\n`;
  const server = createHttpsServer({ key: keyPem, cert: leaf.toString("pem") }, (req, res) => {
    let body = 0;
    req.on("data", (chunk: Buffer) => (body += chunk.length));
    req.on("end", () => res.end(`hello from ${name} ${req.method} ${req.url} ${body}\n`));
  });
  return { port: await listen(server), caPem: ca.toString("pem") };
}
