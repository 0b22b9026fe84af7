/** Real clients through the proxy, against servers the test runs on loopback. */
import { expect, test } from "bun:test";
import { writeFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { spawn } from "node:child_process";
import { startBundle, rawExchange, STAND_IN } from "../../helpers/bundle.ts";
import { tlsServer, countingHttpServer, gitHttpsServer } from "../../helpers/servers.ts";
import { tempDir } from "../../helpers/cli.ts";

/** Names the tests use, all at the stand-in address the helper's dialer sends to loopback. */
const resolve = async (name: string) => (name.endsWith(".test") ? [STAND_IN] : Promise.reject(new Error("ENOTFOUND")));

function curl(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn("curl", ["--silent", "--show-error", "--max-time", "20", "--noproxy", "", ...args], { env: { PATH: process.env["PATH"] ?? "" } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c) => (stdout += c));
    child.stderr.on("data", (c) => (stderr += c));
    child.on("close", (code) => done({ code: code ?? 1, stdout, stderr }));
  });
}

test("curl reaches an allowed HTTPS host through CONNECT, and the audit line says so", async () => {
  const tls = await tlsServer("api.test");
  const bundle = await startBundle([`api.test:${tls.port}`], { resolve });
  const ca = join(tempDir(), "ca.pem");
  writeFileSync(ca, tls.caPem);
  const result = await curl(["--proxy", `http://127.0.0.1:${bundle.ports.proxy}`, "--cacert", ca, `https://api.test:${tls.port}/v1/messages?key=SECRET`]);
  expect(result.stderr).toBe("");
  expect(result.stdout).toBe(`hello from api.test GET /v1/messages?key=SECRET 0\n`);
  // The tunnel's line is written when it closes, which can be just after curl exits: wait on the stream.
  const closed = await new Promise<Record<string, unknown>>((resolve) => {
    const stop = bundle.audit.subscribe((line) => {
      const event = JSON.parse(line);
      if (event.kind === "connect" && event.decision === "allow") resolve(event);
    });
    void stop;
  });
  await bundle.audit.flushed();
  const lines = readFileSync(join(bundle.dir, "audit.jsonl"), "utf8").trim().split("\n").map((line) => JSON.parse(line));
  expect(lines.at(-1)).toEqual(closed);
  expect(lines.at(-1)).toMatchObject({ kind: "connect", bottle: "test", method: "CONNECT", host: "api.test", port: tls.port, address: STAND_IN, decision: "allow", rule: `api.test:${tls.port}` });
  expect(lines.at(-1).bytesDown).toBeGreaterThan(0);
  expect(JSON.stringify(lines)).not.toContain("SECRET");
});

test("bun's fetch through the proxy: allowed host answers, denied host gets the readable 403", async () => {
  const tls = await tlsServer("api.test");
  const bundle = await startBundle([`api.test:${tls.port}`], { resolve });
  const proxy = `http://127.0.0.1:${bundle.ports.proxy}`;
  const ok = await fetch(`https://api.test:${tls.port}/x`, { method: "POST", body: "abc", proxy, tls: { ca: tls.caPem } } as RequestInit);
  expect(await ok.text()).toBe("hello from api.test POST /x 3\n");
  const denied = await fetch("http://denied.test/path", { proxy } as RequestInit);
  expect(denied.status).toBe(403);
  expect(denied.headers.get("x-claude-bottle-rule")).toBe("default-deny");
  const body = await denied.text();
  expect(body).toContain("claude-bottle blocked GET denied.test:80");
  expect(body).toContain("claude-bottle allow test denied.test:80");
  expect(body).toContain("/requests");
});

test("a denied CONNECT is a 403 whose body tells the agent what, why and how to ask", async () => {
  const bundle = await startBundle(["api.test"], { resolve });
  const answer = await rawExchange(bundle.ports.proxy, "CONNECT evil.test:443 HTTP/1.1\r\nHost: evil.test:443\r\n\r\n");
  expect(answer).toStartWith("HTTP/1.1 403 Forbidden\r\n");
  expect(answer).toContain("X-Claude-Bottle-Rule: default-deny");
  expect(answer).toContain("why: no allowlist entry matches evil.test:443");
});

test("plain HTTP keep-alive: each request on one connection is decided on its own", async () => {
  const target = await countingHttpServer();
  const bundle = await startBundle([`ok.test:${target.port}`], { resolve });
  const request = (host: string) => `GET http://${host}:${target.port}/ HTTP/1.1\r\nHost: ${host}:${target.port}\r\n\r\n`;
  const answer = await rawExchange(bundle.ports.proxy, request("ok.test") + request("no.test"), /blocked GET no\.test[^\n]*\n[\s\S]*allow test no\.test/);
  expect(answer.match(/HTTP\/1\.1 200/g)?.length).toBe(1);
  expect(answer).toContain("HTTP/1.1 403");
  expect(target.hits()).toBe(1);
});

test("git clones over HTTPS through the proxy; a repository on a host not allowed is refused", async () => {
  const root = tempDir("git");
  const { execFileSync } = await import("node:child_process");
  const git = (args: string[], cwd = root, extraEnv: Record<string, string> = {}) => execFileSync("git", args, { cwd, encoding: "utf8", env: { PATH: process.env["PATH"] ?? "", HOME: root, GIT_CONFIG_NOSYSTEM: "1", ...extraEnv } });
  git(["init", "--quiet", "--bare", "repo.git"]);
  git(["--git-dir", "repo.git", "symbolic-ref", "HEAD", "refs/heads/main"]);
  git(["init", "--quiet", "work"]);
  writeFileSync(join(root, "work/README"), "through the bottle\n");
  execFileSync("sh", ["-c", "git add README && git -c user.email=t@t -c user.name=t commit -q -m first && git push -q ../repo.git HEAD:refs/heads/main"], { cwd: join(root, "work"), env: { PATH: process.env["PATH"] ?? "", HOME: root } });
  const server = await gitHttpsServer("git.test", root);
  const bundle = await startBundle([`git.test:${server.port}`], { resolve });
  const ca = join(root, "ca.pem");
  writeFileSync(ca, server.caPem);
  const via = ["-c", `http.proxy=http://127.0.0.1:${bundle.ports.proxy}`, "-c", `http.sslCAInfo=${ca}`];
  // Asynchronously: the bundle and the git server live in this process and must keep serving.
  const { execFile } = await import("node:child_process");
  const gitAsync = (args: string[]) =>
    new Promise<{ code: number; stderr: string }>((resolve) =>
      execFile("git", args, { cwd: root, env: { PATH: process.env["PATH"] ?? "", HOME: root, GIT_CONFIG_NOSYSTEM: "1", GIT_TERMINAL_PROMPT: "0" } }, (error, _stdout, stderr) => resolve({ code: error ? 1 : 0, stderr })),
    );
  expect(await gitAsync([...via, "clone", "--quiet", `https://git.test:${server.port}/repo.git`, "clone"])).toEqual({ code: 0, stderr: "" });
  expect(readFileSync(join(root, "clone/README"), "utf8")).toBe("through the bottle\n");
  const refused = await gitAsync([...via, "ls-remote", `https://other.test:${server.port}/repo.git`]);
  expect(refused.code).toBe(1);
  expect(refused.stderr).toContain("403");
});

test("node (the system runtime, not bun) reaches an allowed HTTPS host through CONNECT", async () => {
  const tls = await tlsServer("api.test");
  const bundle = await startBundle([`api.test:${tls.port}`], { resolve });
  const ca = join(tempDir(), "ca.pem");
  writeFileSync(ca, tls.caPem);
  // node's fetch has no proxy support before v24, so this is node's own CONNECT + TLS, as an agent's SDK does it.
  const script = `
    const http = require("http"), tls = require("tls"), fs = require("fs");
    const [proxyPort, target, caFile] = process.argv.slice(1);
    http.request({ host: "127.0.0.1", port: proxyPort, method: "CONNECT", path: target }).on("connect", (res, socket) => {
      if (res.statusCode !== 200) { console.log("status " + res.statusCode); process.exit(1); }
      const secure = tls.connect({ socket, servername: "api.test", ca: fs.readFileSync(caFile) }, () => {
        secure.write("GET /from-node HTTP/1.1\\r\\nHost: " + target + "\\r\\nConnection: close\\r\\n\\r\\n");
      });
      let body = ""; secure.on("data", (d) => (body += d)); secure.on("end", () => { console.log(body.split("\\r\\n\\r\\n")[1]); });
    }).end();`;
  const { execFile } = await import("node:child_process");
  const out = await new Promise<string>((done) => execFile("node", ["-e", script, String(bundle.ports.proxy), `api.test:${tls.port}`, ca], (_e, stdout, stderr) => done(stdout + stderr)));
  expect(out).toBe("hello from api.test GET /from-node 0\n\n");
});
