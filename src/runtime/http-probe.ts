/**
 * The real HttpProbe on `node:http`, which never consults HTTP(S)_PROXY (Bun's fetch does, and a
 * host proxy must not stand between us and a bundle on a local bridge).
 */
import type { HttpAnswer, HttpProbe } from "../core/deps.ts";

async function send(method: string, url: string, options: { headers?: Record<string, string>; body?: string; timeoutMs: number }): Promise<HttpAnswer> {
    const { request } = await import("node:http"); // loaded on first use: most commands never need it
    return new Promise<HttpAnswer>((resolve) => {
      const req = request(url, { method, timeout: options.timeoutMs, headers: options.headers ?? {} }, (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          if (body.length < 65_536) body += chunk;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        res.on("error", (error) => resolve({ error: error.message }));
      });
      req.on("timeout", () => req.destroy(new Error(`no answer in ${options.timeoutMs} ms`)));
      req.on("error", (error) => resolve({ error: error.message }));
      req.end(options.body);
    });
}

export const httpProbe: HttpProbe = {
  get: (url, timeoutMs) => send("GET", url, { timeoutMs }),
  send,
};
