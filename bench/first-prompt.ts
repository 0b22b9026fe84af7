/**
 * `up` to the agent's first answer on the docker backend, side by side with a bare `docker run`
 * of the same image doing the same thing. "First answer": the attached `up` runs
 * `[agent] command = ["claude", "-p", PROMPT]` and we stop the clock when Claude Code has printed
 * the fake Anthropic API's answer (its process, and so `up`, exits then); the bare run is
 * `docker run --rm IMAGE claude -p PROMPT` on the default bridge with the proxy, CA and the real
 * key in its environment — no bundle, no isolated network, no workspace clone, no hardening.
 * Also `up --detach` alone (the bottle ready, the workspace cloned, nothing asked yet), and the
 * image's size. The image comes from `image agent` on a Debian base made here (no registry).
 * Run: bun bench/first-prompt.ts   (needs dockerd; the compiled binary is built first)
 */
import { execFile, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cachedClaudeCodeTarball, debianBaseImage } from "../test/helpers/agent-images.ts";
import { cleanHome, cleanupDocker, sharedBundleImage, trackImage } from "../test/helpers/docker.ts";
import { compileLinuxBinary } from "../test/helpers/spawn.ts";
import { startFakeAnthropic } from "../scripts/fake-anthropic.ts";

const RUNS = Number(process.env["RUNS"] ?? 5);
const PROMPT = "say hello";
const ANSWER = "hello from the fake API";
const KEY = `sk-ant-api03-${"Bn7q".repeat(23)}AA`;
const work = mkdtempSync(join(tmpdir(), "bench-first-prompt-"));
const NAME = `firstprompt${process.pid % 10_000}`;

/** Asynchronously: the fake API lives in this process. Resolves with seconds and stdout. */
function timed(argv: string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<{ seconds: number; out: string }> {
  const started = performance.now();
  return new Promise((done, fail) => {
    const child = execFile(argv[0]!, argv.slice(1), { ...options, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      if (error) return fail(new Error(`${argv.join(" ")}: ${stderr || stdout}`));
      done({ seconds: (performance.now() - started) / 1000, out: stdout });
    });
    child.stdin?.end();
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const row = (label: string, xs: number[]) => `| ${label} | ${median(xs).toFixed(2)} s | ${xs.map((x) => x.toFixed(2)).join(", ")} |`;

const fake = await startFakeAnthropic({ answer: ANSWER });
const home = join(work, "home");
try {
  const binary = compileLinuxBinary();
  const bundleImage = sharedBundleImage(() => binary);
  const agentImage = `claude-bottle-bench-agent:${process.pid}`;
  trackImage(agentImage);
  const built = spawnSync(binary, ["image", "agent", "--base", debianBaseImage(`claude-bottle-bench-base:${process.pid}`), "--tag", agentImage, "--claude-code-tarball", cachedClaudeCodeTarball()], { encoding: "utf8" });
  if (built.status !== 0) throw new Error(built.stderr);
  writeFileSync(join(work, "ca.pem"), fake.caPem);
  const project = join(work, "p");
  mkdirSync(project);
  writeFileSync(join(project, "README.md"), "# bench\n");
  writeFileSync(join(project, "bottle.toml"), `name = "${NAME}"\nbackend = "docker"\n[agent]\nimage = "${agentImage}"\ncommand = ["claude", "-p", "${PROMPT}"]\n[bundle]\nimage = "${bundleImage}"\n[egress]\nupstream_proxy = "${fake.proxyUrl}"\nupstream_ca = ["${join(work, "ca.pem")}"]\n[credentials.ANTHROPIC_API_KEY]\nfrom_env = "HOST_KEY"\n`);
  const git = (...args: string[]) => spawnSync("git", ["-c", "user.name=b", "-c", "user.email=b@bench.invalid", ...args], { cwd: project });
  git("init", "-q", "-b", "main");
  git("add", ".");
  git("commit", "-q", "-m", "bench");
  const env = { PATH: process.env["PATH"] ?? "", HOME: work, GIT_CONFIG_NOSYSTEM: "1", HOST_KEY: KEY };
  const cb = (...args: string[]) => timed([binary, "--home", home, ...args], { cwd: project, env });
  const bareArgv = ["docker", "run", "--rm", "--pull", "never", "--user", "1000:1000",
    "-e", `HTTPS_PROXY=${fake.proxyUrl}`, "-e", "NODE_EXTRA_CA_CERTS=/ca.pem", "-e", `ANTHROPIC_API_KEY=${KEY}`,
    "--mount", `type=bind,source=${join(work, "ca.pem")},target=/ca.pem,readonly`, agentImage, "claude", "-p", PROMPT];
  const up: number[] = [];
  const detached: number[] = [];
  const bareRun: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const attached = await cb("up");
    if (!attached.out.includes(ANSWER)) throw new Error(`up printed ${attached.out}`);
    up.push(attached.seconds);
    await cb("down", NAME);
    detached.push((await cb("up", "--detach")).seconds);
    await cb("down", NAME);
    const bare = await timed(bareArgv);
    if (!bare.out.includes(ANSWER)) throw new Error(`docker run printed ${bare.out}`);
    bareRun.push(bare.seconds);
  }
  const size = Number(spawnSync("docker", ["image", "inspect", "--format", "{{.Size}}", agentImage], { encoding: "utf8" }).stdout.trim());
  console.log("| case | median | runs |\n|---|---:|---|");
  console.log(row("`claude-bottle up`, attached, to Claude Code's first answer", up));
  console.log(row("bare `docker run --rm IMAGE claude -p`, to the same answer", bareRun));
  console.log(row("`claude-bottle up --detach` (bottle ready, workspace cloned)", detached));
  console.log(`\nagent image ${(size / 1e6).toFixed(0)} MB`);
} finally {
  fake.close();
  cleanHome(home);
  cleanupDocker();
  rmSync(work, { recursive: true, force: true });
}
