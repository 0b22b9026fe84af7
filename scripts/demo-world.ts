/**
 * What the demo stands in for, all on this machine: a small agent image made from host files (no
 * registry), "the internet" (an HTTP server on loopback reached only through an operator proxy the
 * demo runs, so no outside host is ever dialled), and an example project in a git repository.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer, type IncomingMessage, type Server } from "node:http";
import { connect, type AddressInfo, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Labels every image the demo makes, so it can be found (and removed: `docker image prune --filter`). */
export const DEMO_LABEL = "dev.claude-bottle.demo=1";

function sh(script: string): string {
  return execFileSync("sh", ["-c", script], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

/**
 * The stand-in agent: busybox (sh, wget), the host's git with git-core and its libraries, an
 * `agent` user (uid 1000) with a home, and a `claude` that only says it is a stand-in. It passes
 * preflight's agent image checks; a real image comes from `claude-bottle image agent`.
 */
export function buildStandInAgent(tag: string, options: { label?: string; binaries?: readonly string[] } = {}): void {
  const extra = (options.binaries ?? []).join(" ");
  const root = mkdtempSync(join(tmpdir(), "cb-demo-agent-"));
  try {
    writeFileSync(join(root, "claude"), '#!/bin/sh\necho "stand-in agent (the demo drives it with exec): $*"\n', { mode: 0o755 });
    sh([
      "set -e",
      `cd '${root}'`,
      "mkdir -p bin usr/bin usr/lib usr/share etc/ssl/certs tmp home/agent",
      "cp /bin/busybox bin/busybox && for a in $(/bin/busybox --list); do [ -e bin/$a ] || ln -s busybox bin/$a; done",
      "mv claude usr/bin/claude",
      "cp -a /usr/bin/git usr/bin/git && cp -a /usr/lib/git-core usr/lib/git-core && cp -a /usr/share/git-core usr/share/git-core",
      "cp -L /etc/ssl/certs/ca-certificates.crt etc/ssl/certs/",
      `for binary in ${extra}; do mkdir -p ".$(dirname "$binary")" && cp -L "$binary" ".$binary"; done`,
      `for lib in $(ldd /usr/bin/git /usr/lib/git-core/git-remote-http ${extra} | awk '/\\(0x/ { for (i = 1; i <= NF; i++) if ($i ~ /^\\//) print $i }' | sort -u); do`,
      '  mkdir -p ".$(dirname "$lib")" && cp -L "$lib" ".$lib"; done',
      "printf 'root:x:0:0:root:/root:/bin/sh\\nagent:x:1000:1000:agent:/home/agent:/bin/sh\\n' > etc/passwd",
      "printf 'root:x:0:\\nagent:x:1000:\\n' > etc/group",
      "chown 1000:1000 home/agent && chmod 1777 tmp",
      `tar --numeric-owner -cf - . | docker import --change 'LABEL ${options.label ?? DEMO_LABEL}' --change 'ENV PATH=/usr/bin:/bin'`
        + ` --change 'USER agent' --change 'WORKDIR /home/agent' - '${tag}' >/dev/null`,
    ].join("\n"));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

export interface StandInInternet {
  /** Where the bundle reaches the operator proxy: docker's bridge gateway on this host. */
  readonly proxyUrl: string;
  /** Every host:port the proxy was asked to tunnel to. */
  readonly asked: string[];
  close(): void;
}

/** docker's default bridge gateway: a host address every bundle container can route to. */
function dockerBridgeGateway(): string {
  const out = spawnSync("docker", ["network", "inspect", "bridge", "--format", "{{(index .IPAM.Config 0).Gateway}}"], { encoding: "utf8" });
  return out.status === 0 && out.stdout.trim() ? out.stdout.trim() : "172.17.0.1";
}

/**
 * "The internet" for the demo: one page served on loopback, reachable only through an operator
 * proxy (the bundle's `upstream_proxy`) that sends every CONNECT to that page, whatever the name.
 */
export async function startStandInInternet(page: string): Promise<StandInInternet> {
  const web = createHttpServer((_req, res) => res.end(page));
  await new Promise<void>((done) => web.listen(0, "127.0.0.1", done));
  const webPort = (web.address() as AddressInfo).port;
  const asked: string[] = [];
  const sockets = new Set<Socket>();
  const proxy: Server = createHttpServer((_req, res) => res.writeHead(405).end());
  proxy.on("connect", (req: IncomingMessage, client: Socket, head: Buffer) => {
    asked.push(req.url ?? "");
    const upstream = connect(webPort, "127.0.0.1", () => {
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client).on("error", () => client.destroy());
      client.pipe(upstream).on("error", () => upstream.destroy());
    });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket)).on("error", () => socket.destroy());
    }
  });
  const gateway = dockerBridgeGateway();
  await new Promise<void>((done) => proxy.listen(0, gateway, done));
  return {
    proxyUrl: `http://${gateway}:${(proxy.address() as AddressInfo).port}`,
    asked,
    close() {
      for (const socket of sockets) socket.destroy();
      proxy.close();
      web.close();
    },
  };
}

/** The example project: a git repository with a bug to fix and the bottle's manifest. */
export function makeExampleProject(dir: string, manifest: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "README.md"), "# greeter\n\nPrints a greeting. Known bug: it greets the wrong planet.\n");
  writeFileSync(join(dir, "greet.sh"), "#!/bin/sh\necho \"hello, mars\"\n", { mode: 0o755 });
  writeFileSync(join(dir, "bottle.toml"), manifest);
  const git = (...args: string[]) => execFileSync("git", args, { cwd: dir, env: { ...process.env, GIT_CONFIG_NOSYSTEM: "1" }, stdio: "ignore" });
  git("init", "-q", "-b", "main");
  git("add", ".");
  git("-c", "user.name=You", "-c", "user.email=you@example.invalid", "commit", "-q", "-m", "greeter: first version");
}
