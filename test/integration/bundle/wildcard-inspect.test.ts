/**
 * `[egress] inspect = ["*.wild.test"]` through a real bundle on loopback: any name under the
 * suffix is terminated with a leaf the bundle mints for exactly that name (curl verifies it
 * against the bottle CA), inspected like any terminated request, and refused when the client's
 * SNI is another name. The upstream is the test's own (own CA), never an outside host.
 */
import { expect, test } from "bun:test";
import { execFile } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { connect as tlsConnect } from "node:tls";
import { createCa } from "../../../src/bundle/bundle-ca.ts";
import { bundleMaterial } from "../../../src/bundle/credential-material.ts";
import { STAND_IN, startBundle, tunnel } from "../../helpers/bundle.ts";
import { tempDir } from "../../helpers/cli.ts";
import { recordingUpstream } from "../../helpers/terminator.ts";

const resolve = async (name: string) => (name.endsWith(".test") ? [STAND_IN] : Promise.reject(new Error("ENOTFOUND")));
const bottleCa = await createCa("wild-test");
const SENTINEL = `sk-ant-api03-${"W1ld".repeat(23)}AA`;

async function wildBundle(upstreamCa: string, allow: string[]) {
  const specs = [{ name: "ANTHROPIC_API_KEY", source: { kind: "env" as const, name: "K" }, hosts: ["api.test"], header: "x-api-key", schemes: [] }];
  const material = bundleMaterial({ specs, values: new Map([["ANTHROPIC_API_KEY", `sk-ant-api03-${"R3al".repeat(23)}AA`]]), sentinels: { ANTHROPIC_API_KEY: SENTINEL }, inspect: ["*.wild.test"], ca: bottleCa, upstreamCa: [upstreamCa] });
  const bundle = await startBundle(allow, { resolve }, { files: { "credentials.json": JSON.stringify(material) } });
  const caFile = join(tempDir("wild"), "bottle-ca.pem");
  writeFileSync(caFile, bottleCa.certificate);
  return { bundle, caFile };
}

function curl(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile("curl", ["-sS", "--max-time", "30", "--noproxy", "", ...args], { env: { PATH: process.env["PATH"] ?? "" } }, (error, stdout, stderr) => done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }));
  });
}

test("a *.suffix inspect rule: names under it are terminated with a leaf minted for each, and inspected", async () => {
  const upstream = await recordingUpstream("a.wild.test");
  const { bundle, caFile } = await wildBundle(upstream.caPem, [`*.wild.test:${upstream.port}`]);
  const proxy = ["--proxy", `http://127.0.0.1:${bundle.ports.proxy}`, "--cacert", caFile];
  const ok = await curl([...proxy, `https://a.wild.test:${upstream.port}/hello?q=1`]);
  expect([ok.stderr, JSON.parse(ok.stdout).url]).toEqual(["", "/hello?q=1"]);
  const canary = await curl([...proxy, "-o", "/dev/null", "-w", "%{http_code}", `https://a.wild.test:${upstream.port}/leak?k=${SENTINEL}`]);
  expect(canary.stdout).toBe("403");
  expect(upstream.seen.map((seen) => seen.url)).toEqual(["/hello?q=1"]);
  // The apex is not under the wildcard: an opaque tunnel, so the bottle CA is never shown for it.
  const apex = await curl([...proxy, `https://wild.test:${upstream.port}/`]);
  expect(apex.code).not.toBe(0);
  await bundle.audit.flushed();
  const events = readFileSync(join(bundle.dir, "audit.jsonl"), "utf8").trim().split("\n").map((line) => JSON.parse(line));
  expect(events.filter((event) => event.kind === "tls").map((event) => [event.host, event.path, event.status, event.rule])).toEqual([
    ["a.wild.test", "/hello", 200, `*.wild.test:${upstream.port}`], ["a.wild.test", "/leak", 403, "canary"],
  ]);
  const why = JSON.parse((await bundle.supervise("GET", `/why?host=b.wild.test&port=${upstream.port}`)).body);
  expect(why.tls).toEqual({ terminated: true, upgrade: false });
});

/** The certificate the proxy's side of a CONNECT to `authority` shows for `servername` (nothing is verified here). */
async function certificateBehind(proxyPort: number, authority: string, servername: string): Promise<string> {
  const socket = await tunnel(proxyPort, authority);
  socket.resume();
  return new Promise((done, fail) => {
    const tls = tlsConnect({ socket, servername, rejectUnauthorized: false }, () => {
      done(String(tls.getPeerCertificate().issuer.CN ?? ""));
      tls.destroy();
    });
    tls.on("error", fail);
  });
}

test("the leaf is for the CONNECT name only: another SNI is refused (421); a trailing dot is no way around it", async () => {
  const upstream = await recordingUpstream("a.wild.test");
  const { bundle } = await wildBundle(upstream.caPem, [`*.wild.test:${upstream.port}`]);
  const socket = await tunnel(bundle.ports.proxy, `a.wild.test:${upstream.port}`);
  socket.resume();
  const answer = await new Promise<string>((done, fail) => {
    // The client checks nothing here: the bundle's own SNI check is what is under test.
    const tls = tlsConnect({ socket, servername: "b.wild.test", rejectUnauthorized: false }, () => tls.write(`GET / HTTP/1.1\r\nHost: a.wild.test:${upstream.port}\r\n\r\n`));
    let read = "";
    tls.on("data", (chunk: Buffer) => {
      read += chunk.toString();
      if (read.includes("(rule sni-mismatch)")) tls.destroy();
    });
    tls.on("close", () => done(read));
    tls.on("error", fail);
  });
  expect(answer).toStartWith("HTTP/1.1 421");
  expect(answer).toContain("sni-mismatch");
  // "a.wild.test." is what the policy reads as a.wild.test: it is terminated too (the bottle CA
  // answers), never tunnelled to the upstream (whose own CA would).
  expect(await certificateBehind(bundle.ports.proxy, `a.wild.test.:${upstream.port}`, "a.wild.test")).toBe("claude-bottle wild-test bundle CA");
  expect(await certificateBehind(bundle.ports.proxy, `c.wild.test:${upstream.port}`, "c.wild.test")).toBe("claude-bottle wild-test bundle CA");
  expect(upstream.seen).toEqual([]);
});
