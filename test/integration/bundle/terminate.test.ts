/** TLS termination with real clients (curl, bun fetch, node) against an upstream the test runs. */
import { expect, test } from "bun:test";
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { connect as tlsConnect, createSecureContext } from "node:tls";
import { connect } from "node:net";
import { createCa } from "../../../src/bundle/bundle-ca.ts";
import { Audit, type AuditEvent } from "../../../src/bundle/serve/audit.ts";
import { Matcher } from "../../../src/bundle/serve/creds/matcher.ts";
import type { Credential } from "../../../src/bundle/serve/creds/credential-header.ts";
import { loadIssuer, mintLeaf } from "../../../src/bundle/serve/tls/mint-leaf.ts";
import { terminate, type TerminateContext } from "../../../src/bundle/serve/tls/terminate.ts";
import { upstreamOpener, upstreamTrust } from "../../../src/bundle/serve/tls/upstream.ts";
import { connectFront, patternBytes, recordingUpstream, upstreamProxy } from "../../helpers/terminator.ts";
import { tempDir } from "../../helpers/cli.ts";

const bottleCa = await createCa("terminate");
const issuer = loadIssuer(bottleCa.certificate, bottleCa.privateKey);
const SENTINEL = "sk-ant-api03-SENTINEL0123456789abcdefghijklmnopqrstuvwxyzABCDEF";
const REAL = "sk-ant-api03-REALVALUE0123456789abcdefghijklmnopqrstuvwxyzABCDE";
const key: Credential = { name: "ANTHROPIC_API_KEY", hosts: ["api.test"], header: "x-api-key", schemes: [], sentinel: SENTINEL, value: REAL };

interface Setup {
  readonly proxy: number;
  readonly upstream: Awaited<ReturnType<typeof recordingUpstream>>;
  readonly events: AuditEvent[];
  readonly caFile: string;
}

async function setup(over: (upstreamPort: number, caPem: string) => Partial<TerminateContext> = () => ({})): Promise<Setup> {
  const upstream = await recordingUpstream("api.test");
  const audit = new Audit(undefined);
  const events: AuditEvent[] = [];
  audit.subscribe((line) => events.push(JSON.parse(line)));
  const proxy = await connectFront((socket, head, authority) => {
    const [host = "", port = "0"] = authority.split(":");
    const leaf = mintLeaf(issuer, host);
    terminate(socket, head, {
      bottle: "test", client: "127.0.0.1", host, port: Number(port), address: "127.0.0.1", rule: `${host}:${port}`,
      secureContext: createSecureContext({ key: leaf.key, cert: leaf.cert }),
      credentials: [key],
      inspection: { canaries: new Matcher([{ name: key.name, value: SENTINEL }]), secrets: new Matcher([{ name: key.name, value: REAL }]), dlp: "block" },
      audit, openUpstream: upstreamOpener(), upstreamTrust: upstreamTrust([upstream.caPem]),
      ...over(upstream.port, upstream.caPem),
    });
  });
  const caFile = join(tempDir("terminate"), "bottle-ca.pem");
  writeFileSync(caFile, bottleCa.certificate);
  return { proxy, upstream, events, caFile };
}

function run(command: string, args: string[], input?: Buffer): Promise<{ code: number; stdout: Buffer; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(command, args, { env: { PATH: process.env["PATH"] ?? "" } });
    const out: Buffer[] = [];
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("close", (code) => done({ code: code ?? 1, stdout: Buffer.concat(out), stderr }));
    if (input) child.stdin.end(input);
    else child.stdin.end();
  });
}

const curl = (s: Setup, args: string[], input?: Buffer) =>
  run("curl", ["--silent", "--show-error", "--max-time", "60", "--noproxy", "", "--proxy", `http://127.0.0.1:${s.proxy}`, "--cacert", s.caFile, ...args], input);

test("curl sends the sentinel; the upstream sees the real key; audited without the query", async () => {
  const s = await setup();
  const result = await curl(s, ["-H", `x-api-key: ${SENTINEL}`, `https://api.test:${s.upstream.port}/v1/messages?beta=true`]);
  expect(result.stderr).toBe("");
  expect(s.upstream.seen.map((seen) => seen.headers["x-api-key"])).toEqual([REAL]);
  expect(s.events).toEqual([expect.objectContaining({ kind: "tls", method: "GET", host: "api.test", path: "/v1/messages", decision: "allow", status: 200 })]);
  expect(JSON.stringify(s.events)).not.toContain("beta=true");
});

test("bun fetch with keep-alive: three requests, one upstream connection, each swapped", async () => {
  const s = await setup();
  const url = `https://api.test:${s.upstream.port}`;
  for (const path of ["/a", "/b", "/c"]) {
    const response = await fetch(`${url}${path}`, { headers: { "x-api-key": SENTINEL }, proxy: `http://127.0.0.1:${s.proxy}`, tls: { ca: bottleCa.certificate } } as RequestInit);
    expect(response.status).toBe(200);
    expect((await response.json()).headers["x-api-key"]).toBe(REAL);
  }
  expect(s.events.map((event) => event.path)).toEqual(["/a", "/b", "/c"]);
  expect(s.upstream.connections()).toBe(1);
});

test("a foreign value in the credential header is refused (403) and never reaches the upstream", async () => {
  const s = await setup();
  const result = await curl(s, ["-H", "x-api-key: sk-ant-api03-someone-elses-key", "-w", "%{http_code}", `https://api.test:${s.upstream.port}/`]);
  expect(result.stdout.toString()).toEndWith("403");
  expect(s.upstream.seen).toEqual([]);
  expect(s.events[0]).toMatchObject({ decision: "deny", rule: "foreign-credential", status: 403 });
});

test("each canary path — URL, another header, body — is refused and audited with the credential's name", async () => {
  const s = await setup();
  const base = `https://api.test:${s.upstream.port}`;
  const cases = [
    [`${base}/?q=${SENTINEL}`],
    ["-H", `x-other: Bearer ${SENTINEL}`, `${base}/`],
    ["--data-binary", `{"log":"${SENTINEL}"}`, `${base}/`],
    ["--data-binary", Buffer.from(SENTINEL).toString("base64"), `${base}/`],
  ];
  for (const args of cases) {
    const result = await curl(s, ["-w", "%{http_code}", ...args]);
    expect(result.stdout.toString()).toEndWith("403");
  }
  expect(s.upstream.seen).toEqual([]);
  expect(s.events.map((event) => [event.rule, event.canary])).toEqual(Array(4).fill(["canary", "ANTHROPIC_API_KEY"]));
  expect(JSON.stringify(s.events)).not.toContain(SENTINEL);
});

test("DLP: a provider key in a body is refused naming the pattern; high entropy passes with a warning", async () => {
  const s = await setup();
  const fakeKey = `ghp_${"Ab1".repeat(12)}`;
  const blocked = await curl(s, ["-H", `x-api-key: ${SENTINEL}`, "--data-binary", `token=${fakeKey}`, `https://api.test:${s.upstream.port}/`]);
  expect(blocked.stdout.toString()).toContain("github-token");
  expect(blocked.stdout.toString()).not.toContain(fakeKey);
  expect(s.upstream.seen).toEqual([]);
  const random = "data=q8Zr/4Lm+Tn2Vb7Xc0Wd9Ke3Jf6Hg1Ps5Ua";
  const warned = await curl(s, ["-H", `x-api-key: ${SENTINEL}`, "--data-binary", random, `https://api.test:${s.upstream.port}/`]);
  expect(JSON.parse(warned.stdout.toString()).bytes).toBe(random.length);
  expect(s.events.map((event) => [event.decision, event.dlp])).toEqual([["deny", "github-token"], ["allow", "high-entropy"]]);
});

test("the real secret itself on its way out (base64 in a header) is refused", async () => {
  const s = await setup();
  const result = await curl(s, ["-H", `x-debug: ${Buffer.from(REAL).toString("base64")}`, "-w", "%{http_code}", `https://api.test:${s.upstream.port}/`]);
  expect(result.stdout.toString()).toEndWith("403");
  expect(s.events[0]).toMatchObject({ rule: "dlp", dlp: "secret:ANTHROPIC_API_KEY" });
});

test("a client whose SNI is another name is refused (421); so is a Host header for another name, and Upgrade", async () => {
  const s = await setup();
  const answer = await new Promise<string>((done, fail) => {
    const raw = connect(s.proxy, "127.0.0.1", () => raw.write(`CONNECT api.test:${s.upstream.port} HTTP/1.1\r\n\r\n`));
    raw.once("data", () => {
      const secure = tlsConnect({ socket: raw, servername: "other.test", ca: bottleCa.certificate, checkServerIdentity: () => undefined }, () => {
        secure.write(`GET / HTTP/1.1\r\nHost: api.test:${s.upstream.port}\r\nConnection: close\r\n\r\n`);
      });
      let text = "";
      secure.on("data", (chunk) => (text += chunk));
      secure.on("close", () => done(text));
      secure.on("error", fail);
    });
  });
  expect(answer).toStartWith("HTTP/1.1 421");
  const host = await curl(s, ["-H", "Host: other.test", "-w", "%{http_code}", `https://api.test:${s.upstream.port}/`]);
  expect(host.stdout.toString()).toEndWith("421");
  const upgrade = await curl(s, ["-H", "Upgrade: websocket", "-H", "Connection: Upgrade", "-w", "%{http_code}", `https://api.test:${s.upstream.port}/`]);
  expect(upgrade.stdout.toString()).toEndWith("403");
  expect(s.upstream.seen).toEqual([]);
  expect(s.events.map((event) => event.rule)).toEqual(["sni-mismatch", "host-mismatch", "upgrade"]);
});

test("large upload and download through termination arrive intact (hash-checked)", async () => {
  const s = await setup();
  const upload = patternBytes(6 * 1024 * 1024);
  const up = await curl(s, ["-H", `x-api-key: ${SENTINEL}`, "--data-binary", "@-", `https://api.test:${s.upstream.port}/upload`], upload);
  expect(JSON.parse(up.stdout.toString()).sha256).toBe(createHash("sha256").update(upload).digest("hex"));
  const size = 8 * 1024 * 1024;
  const down = await curl(s, ["-H", `x-api-key: ${SENTINEL}`, `https://api.test:${s.upstream.port}/download/${size}`]);
  expect(down.stdout.length).toBe(size);
  expect(createHash("sha256").update(down.stdout).digest("hex")).toBe(createHash("sha256").update(patternBytes(size)).digest("hex"));
}, 120_000);

/** A TLS client through the front that pauses after every chunk it reads and resumes a few ticks later. */
function slowReader(s: Setup, request: string, upload?: Buffer): Promise<Buffer> {
  return new Promise((done, fail) => {
    const raw = connect(s.proxy, "127.0.0.1", () => raw.write(`CONNECT api.test:${s.upstream.port} HTTP/1.1\r\n\r\n`));
    raw.once("data", () => {
      const secure = tlsConnect({ socket: raw, servername: "api.test", ca: bottleCa.certificate }, () => {
        secure.write(request);
        if (!upload) return;
        let offset = 0;
        const pump = () => {
          while (offset < upload.length) {
            const piece = upload.subarray(offset, offset + 16_384);
            offset += piece.length;
            if (!secure.write(piece)) return void secure.once("drain", pump);
          }
        };
        pump();
      });
      const chunks: Buffer[] = [];
      secure.on("data", (chunk: Buffer) => {
        chunks.push(chunk);
        secure.pause();
        let ticks = 3;
        const later = () => (--ticks > 0 ? setImmediate(later) : secure.resume());
        setImmediate(later);
      });
      secure.on("close", () => done(Buffer.concat(chunks)));
      secure.on("error", fail);
    });
  });
}

test("under pause/resume pressure, a download and an upload through termination arrive intact", async () => {
  const s = await setup();
  const size = 8 * 1024 * 1024;
  const head = (method: string, path: string, length?: number) => `${method} ${path} HTTP/1.1\r\nHost: api.test:${s.upstream.port}\r\nx-api-key: ${SENTINEL}\r\n${length === undefined ? "" : `Content-Length: ${length}\r\n`}Connection: close\r\n\r\n`;
  const down = await slowReader(s, head("GET", `/download/${size}`));
  const body = down.subarray(down.indexOf("\r\n\r\n") + 4);
  expect(createHash("sha256").update(body).digest("hex")).toBe(createHash("sha256").update(patternBytes(size)).digest("hex"));
  const upload = patternBytes(size).reverse();
  const up = await slowReader(s, head("POST", "/upload", size), upload);
  // The echo's JSON answer comes chunked: take the object out of the chunk framing.
  const text = up.toString("latin1");
  expect(text).toStartWith("HTTP/1.1 200");
  const answer = JSON.parse(text.slice(text.indexOf("{"), text.lastIndexOf("}") + 1));
  expect([answer.bytes, answer.sha256]).toEqual([size, createHash("sha256").update(upload).digest("hex")]);
}, 120_000);

test("upstream_proxy: the bundle asks the operator's proxy for the name, and verifies the upstream with upstream_ca", async () => {
  let corporate: { host: string; port: number } | undefined;
  const s = await setup(() => ({ openUpstream: upstreamOpener(corporate) }));
  const proxy = await upstreamProxy(s.upstream.port);
  corporate = { host: "127.0.0.1", port: proxy.port };
  const ok = await curl(s, ["-H", `x-api-key: ${SENTINEL}`, `https://api.test:${s.upstream.port}/via`]);
  expect(JSON.parse(ok.stdout.toString()).headers["x-api-key"]).toBe(REAL);
  expect(proxy.asked).toEqual([`api.test:${s.upstream.port}`]);
});

test("without upstream_ca an upstream signed by another CA is refused (502), nothing sent to it", async () => {
  const s = await setup(() => ({ upstreamTrust: undefined }));
  const result = await curl(s, ["-H", `x-api-key: ${SENTINEL}`, "-w", "%{http_code}", `https://api.test:${s.upstream.port}/`]);
  expect(result.stdout.toString()).toEndWith("502");
  expect(s.upstream.seen).toEqual([]);
  expect(s.events[0]).toMatchObject({ decision: "error", status: 502 });
});

test("the upstream's certificate must be for the CONNECT host: a valid cert for another name is refused", async () => {
  const other = await recordingUpstream("other.test");
  const s = await setup(() => ({ upstreamTrust: upstreamTrust([other.caPem]), openUpstream: (target) => upstreamOpener()({ ...target, port: other.port }) }));
  const result = await curl(s, ["-H", `x-api-key: ${SENTINEL}`, "-w", "%{http_code}", `https://api.test:${s.upstream.port}/`]);
  expect(result.stdout.toString()).toEndWith("502");
  expect(other.seen).toEqual([]);
});
