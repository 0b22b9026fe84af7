/**
 * `bun run demo`: the main job, for real, on this machine. Builds the binary, brings up a
 * docker-backend bottle on a small example project, lets a scripted stand-in agent read the
 * code, fetch one allowed page and be refused one host, commit and push through the git gate;
 * then pulls the agent's branch to the host, shows the diff and the audit, and brings the bottle
 * down. No API key and no outside host: "the internet" is a page on loopback behind an operator
 * proxy the demo runs. Everything it makes is removed at the end, pass or fail.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { buildStandInAgent, makeExampleProject, startStandInInternet } from "./demo-world.ts";

const ROOT = resolve(import.meta.dirname, "..");
const AGENT_IMAGE = "claude-bottle-demo-agent:latest";
const BUNDLE_IMAGE = "claude-bottle-bundle:demo";
const work = mkdtempSync(join(tmpdir(), "claude-bottle-demo-"));
const home = join(work, "home");
const project = join(work, "greeter");
const binary = join(work, "dist", "claude-bottle-linux-x64");

function say(text: string): void {
  process.stdout.write(`\n\x1b[1m== ${text}\x1b[0m\n`);
}

/** A word as a shell would need it; a whole script is shown above the command instead. */
function quoted(word: string): string {
  if (word.includes("\n")) return "'<the script above>'";
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`;
}

/**
 * Runs a command the way a user would, showing it and its output; rejects on failure. Never
 * synchronous: the stand-in internet is served from this process while the command runs.
 */
function shown(argv: string[], options: { cwd?: string } = {}): Promise<void> {
  const display = argv[0] === binary ? ["claude-bottle", ...argv.slice(3)] : argv;
  process.stdout.write(`$ ${display.map(quoted).join(" ")}\n`);
  const child = spawn(argv[0]!, argv.slice(1), { cwd: options.cwd ?? project, stdio: ["ignore", "inherit", "inherit"] });
  return new Promise((done, fail) => {
    child.on("error", fail);
    child.on("exit", (code) => (code === 0 ? done() : fail(new Error(`${display[0]} ${display[1] ?? ""} exited ${code}`))));
  });
}

const cb = (...args: string[]) => [binary, "--home", home, ...args];

/** The stand-in agent's session, run inside the bottle as the agent user. */
const AGENT_SCRIPT = [
  "set -e",
  "cd /workspace",
  'echo "agent: reading the project"; cat README.md greet.sh',
  'echo "agent: fetching the docs (allowed)"; wget -q -O - http://docs.demo.test/planets',
  'echo "agent: trying another host (not allowed)"',
  "wget -q -O - http://evil.demo.test/upload 2>&1 | head -n 3 || true",
  'echo "agent: fixing the bug"; sed -i "s/mars/earth/" greet.sh',
  "git -c user.name=agent -c user.email=agent@bottle.invalid commit -q -am 'greet the right planet'",
  "git push origin HEAD:claude/fix-planet 2>&1",
].join("\n");

async function main(): Promise<void> {
  say("setup: the Docker engine, the claude-bottle binary, a stand-in agent image");
  await shown(["bash", join(ROOT, "scripts/ensure-docker.sh")], { cwd: ROOT });
  await shown([process.execPath, "scripts/compile.ts", "--target", "linux-x64", "--out", join(work, "dist")], { cwd: ROOT });
  buildStandInAgent(AGENT_IMAGE);
  const internet = await startStandInInternet("Mercury, Venus, Earth, Mars: greet Earth.\n");
  try {
    makeExampleProject(project, [
      'name = "greeter"',
      'backend = "docker"  # a hardened container; smolmachines (a microVM) where smolvm is installed',
      "[agent]",
      `image = "${AGENT_IMAGE}"`,
      "[bundle]",
      `image = "${BUNDLE_IMAGE}"`,
      "[egress]",
      'allow = ["docs.demo.test"]',
      `upstream_proxy = "${internet.proxyUrl}"  # the demo's stand-in for the internet`,
      "",
    ].join("\n"));
    say(`a project in ${project}, with its bottle.toml`);
    await shown(["cat", "bottle.toml"]);
    say("bring the bottle up (the bundle image is built from this binary on first use)");
    await shown(cb("up", "--detach"));
    await shown(cb("ls"));
    say("the agent works inside the bottle (a scripted stand-in for Claude Code)");
    process.stdout.write(`${AGENT_SCRIPT}\n`);
    await shown(cb("exec", "greeter", "--", "sh", "-c", AGENT_SCRIPT));
    say("back on the host: the agent's work, and what it tried");
    await shown(cb("pull", "greeter"));
    await shown(cb("diff", "greeter"));
    await shown(["git", "branch", "-a"]);
    await shown(cb("logs", "greeter"));
    say("done: remove everything the bottle made (the audit is archived)");
    await shown(cb("down", "greeter"));
    if (!internet.asked.some((target) => target.startsWith("docs.demo.test"))) throw new Error("the allowed request never reached the stand-in internet");
    if (internet.asked.some((target) => target.startsWith("evil.demo.test"))) throw new Error("the denied host reached the stand-in internet");
    say("the demo ran: the agent's branch is in the project as bottle-greeter/claude/fix-planet");
  } finally {
    internet.close();
    cleanUp();
  }
}

/** Idempotent: a bottle already down is no error, and the images and files go either way. */
function cleanUp(): void {
  spawnSync(binary, ["--home", home, "down", "greeter"], { stdio: "ignore" });
  spawnSync("docker", ["image", "rm", "-f", AGENT_IMAGE, BUNDLE_IMAGE], { stdio: "ignore" });
  rmSync(work, { recursive: true, force: true });
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    process.stderr.write(`\ndemo interrupted (${signal}): removing what it made\n`);
    cleanUp();
    process.exit(130);
  });
}

main().catch((error: Error) => {
  process.stderr.write(`demo failed: ${error.message}\n`);
  process.exit(1);
});
