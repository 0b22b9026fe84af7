/**
 * What any agent image must have, checked without starting the agent: a throwaway container
 * with no network and no capabilities runs a probe written in shell builtins only, so a bare
 * image answers too. The probe's answer is turned into findings by a pure function.
 */
import { tail, type Runner } from "../core/runner.ts";
import type { Finding } from "../core/step.ts";

export interface ImageCheckOptions {
  /** `[agent] command`; its first word must be on PATH. */
  readonly command: readonly string[];
  /** uid:gid the backend runs the agent as; absent = the image's own default user. */
  readonly user?: string;
  /** The backend mounts a writable home of its own (the image's need not be). */
  readonly homeProvided?: boolean;
  /** Further executables the backend itself needs in the image (e.g. `sleep`). */
  readonly tools?: readonly string[];
}

/** Prints `tool NAME [PATH]`, `uid N`, `home DIR`, `home-writable yes|no`. Builtins only. */
export const PROBE_SCRIPT = [
  'for tool in "$@"; do',
  '  if found=$(command -v "$tool" 2>/dev/null); then echo "tool $tool $found"; else echo "tool $tool"; fi',
  "done",
  "uid=",
  'while read -r key value rest; do [ "$key" = Uid: ] && uid=$value; done < /proc/self/status',
  'echo "uid $uid"',
  'echo "home $HOME"',
  'if [ -n "$HOME" ] && [ -d "$HOME" ] && [ -w "$HOME" ]; then echo "home-writable yes"',
  'else echo "home-writable no"; fi',
].join("\n");

const FIX = "build it with `claude-bottle image agent`, or";

function fail(code: string, message: string, fix: string): Finding {
  return { code, level: "fail", message, fix: `${FIX} ${fix}` };
}

export function imageTools(options: ImageCheckOptions): string[] {
  return [...new Set([options.command[0] ?? "claude", "git", "sh", ...(options.tools ?? [])])];
}

export function imageProbeArgv(image: string, options: ImageCheckOptions): string[] {
  return [
    "docker", "run", "--rm", "--pull", "never",
    "--network", "none", "--cap-drop", "ALL", "--security-opt", "no-new-privileges",
    ...(options.user ? ["--user", options.user] : []),
    "--entrypoint", "sh",
    image, "-c", PROBE_SCRIPT, "sh", ...imageTools(options),
  ];
}

export interface ProbeAnswer {
  readonly tools: ReadonlyMap<string, string | undefined>;
  readonly uid?: number;
  readonly home: string;
  readonly homeWritable: boolean;
}

export function parseProbe(output: string): ProbeAnswer {
  const tools = new Map<string, string | undefined>();
  let uid: number | undefined;
  let home = "";
  let homeWritable = false;
  for (const line of output.split("\n")) {
    const [key, ...rest] = line.split(" ");
    if (key === "tool" && rest[0]) tools.set(rest[0], rest.slice(1).join(" ") || undefined);
    if (key === "uid" && /^\d+$/.test(rest[0] ?? "")) uid = Number(rest[0]);
    if (key === "home") home = rest.join(" ");
    if (key === "home-writable") homeWritable = rest[0] === "yes";
  }
  return { tools, ...(uid === undefined ? {} : { uid }), home, homeWritable };
}

function toolFinding(image: string, tool: string, isCommand: boolean): Finding {
  const code = isCommand ? "AGENT_COMMAND_MISSING" : `AGENT_IMAGE_NO_${tool.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`;
  const why = isCommand ? "[agent] command" : tool === "git" ? "the agent's work goes through git" : "the backend runs it";
  return fail(code, `${tool} is not on PATH in ${image} (${why})`, `add ${tool} to your image`);
}

/** Findings from a probe answer. Pure: every missing piece its own finding, or one ok. */
export function imageFindings(image: string, answer: ProbeAnswer, options: ImageCheckOptions): Finding[] {
  const command = options.command[0] ?? "claude";
  const findings = imageTools(options)
    .filter((tool) => !answer.tools.get(tool))
    .map((tool) => toolFinding(image, tool, tool === command));
  const uid = options.user ? Number(options.user.split(":")[0]) : answer.uid;
  if (uid === undefined) {
    const message = `cannot tell which user ${image} runs as`;
    findings.push({ code: "AGENT_USER_UNKNOWN", level: "warn", message, fix: "set a non-root USER in your image" });
  } else if (uid === 0) {
    findings.push(fail("AGENT_USER_ROOT", `${image} runs the agent as root`, "add a non-root user and USER to your image"));
  }
  if (!options.homeProvided && !answer.homeWritable) {
    const message = `the home "${answer.home}" of uid ${uid ?? "?"} is not writable in ${image}`;
    findings.push(fail("AGENT_HOME_NOT_WRITABLE", message, "give the user a writable home (useradd --create-home)"));
  }
  if (findings.length > 0) return findings;
  const home = options.homeProvided ? "home mounted by the backend" : `home ${answer.home} writable`;
  const message = `${image}: ${imageTools(options).join(", ")} on PATH; runs as uid ${uid}; ${home}`;
  return [{ code: "AGENT_IMAGE_READY", level: "ok", message }];
}

/** Runs the probe (read-only: a --rm container with no network). */
export async function checkAgentImage(runner: Runner, image: string, options: ImageCheckOptions): Promise<Finding[]> {
  const result = await runner.run(imageProbeArgv(image, options), { timeoutMs: 60_000 });
  if (result.exitCode === 0) return imageFindings(image, parseProbe(result.stdout), options);
  if (/"?sh"?: (executable file )?not found|no such file or directory/i.test(result.stderr)) {
    return [fail("AGENT_IMAGE_NO_SH", `${image} has no sh (the backend starts the agent with it)`, "add a POSIX sh to your image")];
  }
  const message = `cannot look inside ${image}: ${tail(result.stderr || result.stdout, 1)}`;
  return [{ code: "AGENT_IMAGE_UNCHECKED", level: "warn", message, fix: "run claude-bottle preflight again once docker runs containers" }];
}
