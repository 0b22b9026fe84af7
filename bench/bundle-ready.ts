/**
 * Time from `up` to a ready bundle on a real docker engine (the VM half is the fake smolvm),
 * side by side with a bare `docker network create` + `docker run` of the same image polled for
 * /healthz the same way: what claude-bottle adds on top of docker itself.
 * Run: bun bench/bundle-ready.ts   (needs dockerd; builds the binary and the image first)
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { standInAgentImage } from "../test/helpers/agent-images.ts";

const root = join(import.meta.dir, "..");
const work = mkdtempSync(join(tmpdir(), "bench-ready-"));
const tag = `claude-bottle-bundle:bench-${process.pid}`;
const agent = `claude-bottle-agent:bench-${process.pid}`;
const sh = (cmd: string) => execFileSync("sh", ["-c", cmd], { encoding: "utf8", cwd: root });
sh(`node_modules/.bin/bun scripts/compile.ts --target linux-x64 --out ${work}/dist >/dev/null`);
const binary = `${work}/dist/claude-bottle-linux-x64`;
sh(`${binary} bundle image --binary ${binary} --tag ${tag} >/dev/null`);
standInAgentImage(agent); // preflight looks inside the agent image: busybox + git + a stand-in claude
mkdirSync(join(work, "bin"));
symlinkSync(join(root, "test/fixtures/bin/smolvm"), join(work, "bin/smolvm"));
symlinkSync(join(root, "test/fixtures/bin/_common.sh"), join(work, "bin/_common.sh"));
mkdirSync(join(work, "p"));
writeFileSync(join(work, "p/bottle.toml"), `name = "bench"\n[agent]\nimage = "${agent}"\n[bundle]\nimage = "${tag}"\n`);
const env = { ...process.env, PATH: `${work}/bin:${process.env["PATH"]}`, FAKE_STATE: join(work, "fake") };

async function healthy(url: string): Promise<void> {
  for (;;) {
    try {
      if ((await fetch(url)).status === 200) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 10));
  }
}

const ours: number[] = [];
const bare: number[] = [];
for (let i = 0; i < 5; i++) {
  let t = performance.now();
  const up = spawnSync(binary, ["--home", `${work}/home`, "up", "--detach"], { cwd: join(work, "p"), env, encoding: "utf8" });
  if (up.status !== 0) throw new Error(up.stderr);
  ours.push(performance.now() - t);
  spawnSync(binary, ["--home", `${work}/home`, "down", "bench"], { cwd: join(work, "p"), env });

  t = performance.now();
  sh(`docker network create --subnet 192.168.251.0/24 bench-bare-${i} >/dev/null`);
  mkdirSync(join(work, `bare-${i}`));
  writeFileSync(join(work, `bare-${i}/bundle.json`), JSON.stringify({ version: 1, bottle: "bare", bundleIp: "192.168.251.2", subnet: "192.168.251.0/24", ports: { proxy: 8888, gitGate: 8889, supervise: 8890, dns: 53 }, allow: [] }));
  writeFileSync(join(work, `bare-${i}/supervise.token`), "t".repeat(64));
  sh(`docker run -d --name bench-bare-${i} --network bench-bare-${i} --ip 192.168.251.2 --sysctl net.ipv4.ip_unprivileged_port_start=53 -v ${work}/bare-${i}:/bundle ${tag} bundle serve --config /bundle/bundle.json >/dev/null`);
  await healthy("http://192.168.251.2:8890/healthz");
  bare.push(performance.now() - t);
  sh(`docker rm -f bench-bare-${i} >/dev/null; docker network rm bench-bare-${i} >/dev/null`);
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(`claude-bottle up --detach (network + bundle ready + fake VM steps): median ${median(ours).toFixed(0)} ms`);
console.log(`bare docker network create + run + /healthz poll (baseline):       median ${median(bare).toFixed(0)} ms`);
sh(`docker image rm -f ${tag} ${agent} >/dev/null`);
rmSync(work, { recursive: true, force: true });
