/** Servers the tests run themselves, on loopback only, closed after each test. */
import { afterEach } from "bun:test";
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { webcrypto } from "node:crypto";
import { createServer as createHttpServer, type Server as HttpServer } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { createServer as createTcpServer, isIP, type AddressInfo, type Server } from "node:net";
import { spawn } from "node:child_process";

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

/**
 * An HTTP server keeping every body byte it receives, also of requests cut off midway: what a
 * guard let through shows up in `received()`. `waitFor(n)` resolves once n body bytes arrived.
 */
export async function bodyRecordingServer(): Promise<{ port: number; received: () => Buffer; waitFor: (bytes: number) => Promise<void> }> {
  const chunks: Buffer[] = [];
  let total = 0;
  const waiting: { bytes: number; done: () => void }[] = [];
  const server = createHttpServer((req, res) => {
    req.on("data", (chunk: Buffer) => {
      chunks.push(chunk);
      total += chunk.length;
      for (const wait of waiting.filter((w) => w.bytes <= total)) waiting.splice(waiting.indexOf(wait), 1), wait.done();
    });
    req.on("end", () => res.end("reached\n"));
  });
  const port = await listen(server);
  const waitFor = (bytes: number) => (total >= bytes ? Promise.resolve() : new Promise<void>((done) => waiting.push({ bytes, done })));
  return { port, received: () => Buffer.concat(chunks), waitFor };
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

/** A fresh CA and a leaf certificate for `name` signed by it. */
export async function tlsCredentials(name: string): Promise<{ key: string; cert: string; caPem: string }> {
  const crypto = webcrypto as unknown as Crypto;
  x509.cryptoProvider.set(crypto);
  const alg = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;
  const caKeys = (await crypto.subtle.generateKey(alg, true, ["sign", "verify"])) as CryptoKeyPair;
  const ca = await x509.X509CertificateGenerator.createSelfSigned({ serialNumber: "01", name: `CN=test CA for ${name}`, keys: caKeys, signingAlgorithm: alg, notBefore: new Date(Date.now() - 3600_000), notAfter: new Date(Date.now() + 86_400_000), extensions: [new x509.BasicConstraintsExtension(true, 0, true)] });
  const leafKeys = (await crypto.subtle.generateKey(alg, true, ["sign", "verify"])) as CryptoKeyPair;
  const leaf = await x509.X509CertificateGenerator.create({ serialNumber: "02", subject: `CN=${name}`, issuer: ca.subject, publicKey: leafKeys.publicKey, signingKey: caKeys.privateKey, signingAlgorithm: alg, notBefore: new Date(Date.now() - 3600_000), notAfter: new Date(Date.now() + 86_400_000), extensions: [new x509.SubjectAlternativeNameExtension([{ type: isIP(name) ? "ip" : "dns", value: name }])] });
  const keyDer = await crypto.subtle.exportKey("pkcs8", leafKeys.privateKey);
  const key = `-----BEGIN PRIVATE KEY-----\n${Buffer.from(keyDer).toString("base64").replace(/.{1,64}/g, "$&\n")}-----END PRIVATE KEY-----\n`;
  return { key, cert: leaf.toString("pem"), caPem: ca.toString("pem") };
}

/** An HTTPS server for `name` answering with what it received; returns the CA PEM for clients. */
export async function tlsServer(name: string): Promise<{ port: number; caPem: string }> {
  const { key, cert, caPem } = await tlsCredentials(name);
  const server = createHttpsServer({ key, cert }, (req, res) => {
    let body = 0;
    req.on("data", (chunk: Buffer) => (body += chunk.length));
    req.on("end", () => res.end(`hello from ${name} ${req.method} ${req.url} ${body}\n`));
  });
  return { port: await listen(server), caPem };
}

/**
 * A git smart-HTTP server over TLS for `name`: `git http-backend` as CGI behind node's https,
 * serving the bare repositories under `root`.
 */
export async function gitHttpsServer(name: string, root: string): Promise<{ port: number; caPem: string; authorizations: string[] }> {
  const { key, cert, caPem } = await tlsCredentials(name);
  const authorizations: string[] = [];
  const server = createHttpsServer({ key, cert }, (req, res) => {
    if (req.headers.authorization) authorizations.push(req.headers.authorization);
    const url = new URL(req.url ?? "/", `https://${name}`);
    const cgi = spawn("git", ["http-backend"], {
      env: { GIT_PROJECT_ROOT: root, GIT_HTTP_EXPORT_ALL: "1", PATH_INFO: url.pathname, QUERY_STRING: url.search.slice(1), REQUEST_METHOD: req.method ?? "GET", CONTENT_TYPE: req.headers["content-type"] ?? "", PATH: process.env["PATH"] ?? "" },
    });
    req.pipe(cgi.stdin);
    let head = Buffer.alloc(0);
    let headersDone = false;
    cgi.stdout.on("data", (chunk: Buffer) => {
      if (headersDone) return void res.write(chunk);
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf("\r\n\r\n");
      if (end === -1) return;
      headersDone = true;
      let status = 200;
      for (const line of head.subarray(0, end).toString().split("\r\n")) {
        const [field = "", ...rest] = line.split(":");
        const value = rest.join(":").trim();
        if (field.toLowerCase() === "status") status = Number.parseInt(value, 10);
        else res.setHeader(field, value);
      }
      res.writeHead(status);
      res.write(head.subarray(end + 4));
    });
    cgi.on("close", () => res.end());
  });
  return { port: await listen(server), caPem, authorizations };
}
