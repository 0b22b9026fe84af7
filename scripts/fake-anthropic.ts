/**
 * A stand-in for Anthropic's Messages API, all on this machine, for the Claude Code journey test,
 * the up-to-first-prompt bench and the README walkthrough: HTTPS for api.anthropic.com with a CA
 * of its own, answering the real Claude Code executable with streamed (SSE) messages, and an
 * operator CONNECT proxy (the bundle's `upstream_proxy`) that routes that name to it without
 * resolving it. Nothing leaves the machine; no name is looked up.
 *
 * Its script: a request offering the Bash tool is answered with one Bash tool call (`command`);
 * the request carrying that call's result, with `answer` and the result's first line; any other
 * request (Claude Code's side queries) with a short text. With no `command`, every request is
 * answered with `answer`. Settings calls are answered 404.
 *
 * Standalone: `bun scripts/fake-anthropic.ts DIR` writes DIR/fake-anthropic-ca.pem, prints the
 * `[egress]` lines to put in a bottle.toml, and serves until interrupted.
 */
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { spawnSync } from "node:child_process";
import { webcrypto } from "node:crypto";
import { writeFileSync } from "node:fs";
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { connect, type AddressInfo, type Socket } from "node:net";
import { join } from "node:path";

export const API_HOST = "api.anthropic.com";

export interface ApiRequest {
  readonly method: string;
  readonly url: string;
  readonly apiKey: string | undefined;
  /** The JSON body of a POST, or undefined. */
  readonly body: { messages?: Message[]; tools?: { name: string }[]; stream?: boolean } | undefined;
}

interface Message {
  readonly role: string;
  readonly content: string | { type: string; content?: unknown; text?: string }[];
}

export interface FakeAnthropic {
  /** Where the bundle reaches the operator proxy: docker's bridge gateway on this host. */
  readonly proxyUrl: string;
  readonly caPem: string;
  /** Every request the API answered, in order. */
  readonly seen: ApiRequest[];
  /** Every authority the proxy was asked for; only API_HOST:443 is routed. */
  readonly asked: string[];
  /** The output of the Bash tool call, as Claude Code sent it back. */
  readonly toolResults: string[];
  close(): void;
}

export interface FakeAnthropicScript {
  /** The shell command the model asks Claude Code to run with its Bash tool; absent: it answers at once. */
  readonly command?: string;
  /** The final answer, followed by the first line of the command's output. */
  readonly answer: string;
}

/** A CA of its own and a leaf for API_HOST (ECDSA P-256, one day). */
async function credentials(): Promise<{ key: string; cert: string; caPem: string }> {
  const crypto = webcrypto as unknown as Crypto;
  x509.cryptoProvider.set(crypto);
  const alg = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;
  const validity = { notBefore: new Date(Date.now() - 3600_000), notAfter: new Date(Date.now() + 86_400_000) };
  const caKeys = (await crypto.subtle.generateKey(alg, true, ["sign", "verify"])) as CryptoKeyPair;
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: "01", name: "CN=fake Anthropic API CA", keys: caKeys, signingAlgorithm: alg, ...validity,
    extensions: [new x509.BasicConstraintsExtension(true, 0, true)],
  });
  const leafKeys = (await crypto.subtle.generateKey(alg, true, ["sign", "verify"])) as CryptoKeyPair;
  const leaf = await x509.X509CertificateGenerator.create({
    serialNumber: "02", subject: `CN=${API_HOST}`, issuer: ca.subject, publicKey: leafKeys.publicKey,
    signingKey: caKeys.privateKey, signingAlgorithm: alg, ...validity,
    extensions: [new x509.SubjectAlternativeNameExtension([{ type: "dns", value: API_HOST }])],
  });
  const pkcs8 = Buffer.from(await crypto.subtle.exportKey("pkcs8", leafKeys.privateKey)).toString("base64");
  const key = `-----BEGIN PRIVATE KEY-----\n${pkcs8.replace(/.{1,64}/g, "$&\n")}-----END PRIVATE KEY-----\n`;
  return { key, cert: leaf.toString("pem"), caPem: ca.toString("pem") };
}

type Block = { type: "text"; text: string } | { type: "tool_use"; id: string; name: string; input: Record<string, unknown> };

/** The text of the last user message's tool_result, if it carries one. */
export function toolResultText(body: ApiRequest["body"]): string | undefined {
  const last = body?.messages?.at(-1);
  if (!last || typeof last.content === "string") return undefined;
  const result = last.content.find((part) => part.type === "tool_result");
  if (!result) return undefined;
  const content = result.content;
  if (typeof content === "string") return content;
  if (Array.isArray(content)) return content.map((part: { text?: string }) => part.text ?? "").join("");
  return "";
}

/** What the model says to a request, by the script above. */
export function reply(body: ApiRequest["body"], script: FakeAnthropicScript): { blocks: Block[]; stop: string } {
  const result = toolResultText(body);
  if (result !== undefined) {
    const first = result.trim().split("\n")[0] ?? "";
    return { blocks: [{ type: "text", text: `${script.answer} ${first}` }], stop: "end_turn" };
  }
  if (script.command === undefined) return { blocks: [{ type: "text", text: script.answer }], stop: "end_turn" };
  if (body?.tools?.some((tool) => tool.name === "Bash")) {
    const call = { type: "tool_use" as const, id: "toolu_fake_0001", name: "Bash", input: { command: script.command, description: "commit and push" } };
    return { blocks: [call], stop: "tool_use" };
  }
  return { blocks: [{ type: "text", text: "ok" }], stop: "end_turn" };
}

const USAGE = { input_tokens: 12, output_tokens: 1, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };

/** The reply as the Messages API streams it: server-sent events, one content block at a time. */
export function sseEvents(blocks: Block[], stop: string): string {
  const event = (type: string, data: object) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
  const message = { id: "msg_fake_0001", type: "message", role: "assistant", model: "claude-fake", content: [], stop_reason: null, stop_sequence: null, usage: USAGE };
  const parts = [event("message_start", { message })];
  blocks.forEach((block, index) => {
    const { start, delta } = block.type === "text"
      ? { start: { type: "text", text: "" }, delta: { type: "text_delta", text: block.text } }
      : { start: { ...block, input: {} }, delta: { type: "input_json_delta", partial_json: JSON.stringify(block.input) } };
    parts.push(event("content_block_start", { index, content_block: start }));
    parts.push(event("content_block_delta", { index, delta }));
    parts.push(event("content_block_stop", { index }));
  });
  parts.push(event("message_delta", { delta: { stop_reason: stop, stop_sequence: null }, usage: { output_tokens: 9 } }));
  parts.push(event("message_stop", {}));
  return parts.join("");
}

function answer(req: IncomingMessage, res: ServerResponse, raw: string, fake: { seen: ApiRequest[]; toolResults: string[] }, script: FakeAnthropicScript): void {
  const body = raw ? (JSON.parse(raw) as ApiRequest["body"]) : undefined;
  const key = req.headers["x-api-key"];
  fake.seen.push({ method: req.method ?? "", url: req.url ?? "", apiKey: typeof key === "string" ? key : undefined, body });
  if (!(req.url ?? "").startsWith("/v1/messages")) return void res.writeHead(404, { "content-type": "application/json" }).end('{"error":"not here"}');
  const result = toolResultText(body);
  if (result !== undefined) fake.toolResults.push(result);
  const { blocks, stop } = reply(body, script);
  if (body?.stream) return void res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" }).end(sseEvents(blocks, stop));
  const message = { id: "msg_fake_0001", type: "message", role: "assistant", model: "claude-fake", content: blocks, stop_reason: stop, stop_sequence: null, usage: USAGE };
  res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(message));
}

/** docker's default bridge gateway: a host address every bundle container can route to. */
function dockerBridgeGateway(): string {
  const out = spawnSync("docker", ["network", "inspect", "bridge", "--format", "{{(index .IPAM.Config 0).Gateway}}"], { encoding: "utf8" });
  return out.status === 0 && out.stdout.trim() ? out.stdout.trim() : "172.17.0.1";
}

function listen(server: ReturnType<typeof createHttpServer>, host: string): Promise<number> {
  return new Promise((done) => server.listen(0, host, () => done((server.address() as AddressInfo).port)));
}

/** The operator proxy: API_HOST:443 goes to the fake API on loopback; every other authority gets 403. */
function operatorProxy(apiPort: number, asked: string[], sockets: Set<Socket>): ReturnType<typeof createHttpServer> {
  const proxy = createHttpServer((_req, res) => res.writeHead(405).end());
  proxy.on("connect", (req: IncomingMessage, client: Socket, head: Buffer) => {
    asked.push(req.url ?? "");
    sockets.add(client);
    client.on("close", () => sockets.delete(client)).on("error", () => client.destroy());
    if (req.url !== `${API_HOST}:443`) return void client.end("HTTP/1.1 403 Forbidden\r\n\r\n");
    const upstream = connect(apiPort, "127.0.0.1", () => {
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on("close", () => sockets.delete(upstream)).on("error", () => client.destroy());
  });
  return proxy;
}

/** Starts the fake API on loopback and its operator proxy on docker's bridge gateway. */
export async function startFakeAnthropic(script: FakeAnthropicScript): Promise<FakeAnthropic> {
  const { key, cert, caPem } = await credentials();
  const fake = { seen: [] as ApiRequest[], toolResults: [] as string[], asked: [] as string[] };
  const api = createHttpsServer({ key, cert }, (req, res) => {
    let raw = "";
    req.setEncoding("utf8").on("data", (chunk: string) => (raw += chunk));
    req.on("end", () => answer(req, res, raw, fake, script));
  });
  const apiPort = await listen(api as unknown as ReturnType<typeof createHttpServer>, "127.0.0.1");
  const sockets = new Set<Socket>();
  const proxy = operatorProxy(apiPort, fake.asked, sockets);
  const gateway = dockerBridgeGateway();
  const proxyPort = await listen(proxy, gateway);
  return {
    ...fake,
    proxyUrl: `http://${gateway}:${proxyPort}`,
    caPem,
    close() {
      for (const socket of sockets) socket.destroy();
      api.closeAllConnections();
      proxy.closeAllConnections();
      api.close();
      proxy.close();
    },
  };
}

if (import.meta.main) {
  const dir = process.argv[2] ?? ".";
  const fake = await startFakeAnthropic({
    command: "sed -i 's/mars/earth/' greet.sh && git commit -qam 'greet the right planet'"
      + " && git push -q origin HEAD:claude/fix-greeting 2>&1; git log --oneline -1",
    answer: "Fixed the greeting and pushed claude/fix-greeting:",
  });
  writeFileSync(join(dir, "fake-anthropic-ca.pem"), fake.caPem);
  process.stdout.write(`[egress]\nupstream_proxy = "${fake.proxyUrl}"\nupstream_ca = ["fake-anthropic-ca.pem"]\n`);
  process.on("SIGINT", () => {
    for (const request of fake.seen) process.stderr.write(`${request.method} ${request.url} x-api-key=${request.apiKey ?? "-"}\n`);
    fake.close();
  });
}
