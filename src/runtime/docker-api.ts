/**
 * The Docker Engine API over its unix socket, for read-only questions on hot paths: one request
 * instead of starting the docker CLI (a Go binary) twice. Only for the local socket; any other
 * DOCKER_HOST or a docker context means the CLI answers instead.
 */
import type { DockerApi } from "../core/host-facts.ts";

export function dockerApi(env: Readonly<Record<string, string | undefined>>): DockerApi | undefined {
  const host = env["DOCKER_HOST"];
  if (env["DOCKER_CONTEXT"]) return undefined;
  const socketPath = !host ? "/var/run/docker.sock" : host.startsWith("unix://") ? host.slice("unix://".length) : undefined;
  if (!socketPath) return undefined;
  return {
    async get(path) {
      const { request } = await import("node:http");
      return new Promise((resolve) => {
        const req = request({ socketPath, path, method: "GET", timeout: 5000 }, (res) => {
          let body = "";
          res.setEncoding("utf8");
          res.on("data", (chunk: string) => (body += chunk));
          res.on("end", () => {
            try {
              resolve(res.statusCode === 200 ? (JSON.parse(body) as unknown) : undefined);
            } catch {
              resolve(undefined);
            }
          });
        });
        req.on("timeout", () => req.destroy());
        req.on("error", () => resolve(undefined));
        req.end();
      });
    },
  };
}
