/**
 * The CLI: parse with cac apart from running, dispatch to commands, turn every failure into one
 * message and an exit code. Returns the code; only main.ts exits.
 */
import { cac } from "cac";
import { asBottleError, EXIT, UsageError } from "../core/errors.ts";
import { resolveHome } from "../core/home.ts";
import type { Host } from "../core/host.ts";
import { builtinRegistry } from "../backends/builtin.ts";
import { discoverPlugins } from "../plugins/discover.ts";
import { loadPlugin, type PluginLoad } from "../plugins/load-plugin.ts";
import { pluginApi } from "../plugin-api.ts";
import type { Fs } from "../core/fs.ts";
import { VERSION } from "../version.ts";
import type { CliContext, Powers } from "./context.ts";
import { initCommand } from "./init-command.ts";
import { backendsCommand, planCommand, preflightCommand, renderCommand } from "./plan-commands.ts";
import { formatError } from "./report.ts";
import { commandHelp, programHelp } from "./help.ts";
import { CLAUDE_CODE_VERSION, DEFAULT_BASE_IMAGE } from "../agent-image/recipe.ts";
import { DEFAULT_AGENT_IMAGE } from "../core/manifest.ts";
import type { ImageOptions } from "./image-command.ts";

// Lifecycle and bundle commands load on first use: `plan` and `--version` should not pay for
// the proxy, the DNS sink or the lifecycle machinery at start-up.
const lifecycle = () => import("./lifecycle-commands.ts");
const bundle = () => import("./bundle-commands.ts");
const workspace = () => import("./workspace-commands.ts");

type Action = (ctx: CliContext, args: readonly unknown[], options: Record<string, unknown>) => Promise<number> | number;

type Cli = ReturnType<typeof cac>;
type On = (name: string, action: Action) => void;

/** The read-only phases and the manifest. */
function planningCommands(cli: Cli, on: On): void {
  cli.command("init [path]", "Write a commented starter bottle.toml").option("--force", "Overwrite an existing file");
  on("init", (ctx, [path], o) => initCommand(ctx, path as string | undefined, Boolean(o["force"])));

  cli.command("plan [manifest]", "Show what a bottle would be, changing nothing").option("--json", "Machine-readable output");
  on("plan", (ctx, [manifest], o) => planCommand(ctx, manifest as string | undefined, o));

  cli.command("render [manifest]", "Write the bottle's files (Smolfile, bundle config)").option("--out <dir>", "Write into DIR instead of the bottle's state dir").option("--json", "Machine-readable output");
  on("render", (ctx, [manifest], o) => renderCommand(ctx, manifest as string | undefined, o));

  cli.command("preflight [manifest]", "Check the host can run the bottle").option("--json", "Machine-readable output").option("--allow-unenforced-egress", "Accept a smolvm that does not enforce the egress allowlist (< 1.1.3)");
  on("preflight", (ctx, [manifest], o) => preflightCommand(ctx, manifest as string | undefined, o));

  cli.command("backends", "List the isolation backends").option("--json", "Machine-readable output");
  on("backends", (ctx, _args, o) => backendsCommand(ctx, o));

  cli.command("plugin <action>", "For plugin authors: `plugin types` prints the API's declaration file (.d.ts)");
  on("plugin", async (ctx, [action]) => {
    if (action !== "types") throw new UsageError("E_USAGE", `Unknown plugin action "${String(action)}"`, { hint: "claude-bottle plugin types > claude-bottle-plugin.d.ts" });
    ctx.out((await import("./plugin-types-text.ts")).PLUGIN_TYPES);
    return EXIT.ok;
  });
}

/** What changes the host, and what reads a running bottle. */
function lifecycleCommands(cli: Cli, on: On): void {
  cli.command("up [manifest]", "Start a bottle and attach to its agent")
    .option("-d, --detach", "Return once the agent is running")
    .option("--rm", "Remove the bottle when the agent exits")
    .option("--json", "Machine-readable events (implies --detach)")
    .option("--allow-unenforced-egress", "Accept a smolvm that does not enforce the egress allowlist (< 1.1.3)");
  on("up", async (ctx, [manifest], o) => (await lifecycle()).upCommand(ctx, manifest as string | undefined, o));

  cli.command("down <name>", "Remove everything a bottle made, archiving its audit log (idempotent)")
    .option("--purge", "Also remove the agent's kept home ([agent] persist_home)")
    .option("--json", "Machine-readable output");
  on("down", async (ctx, [name], o) => (await lifecycle()).downCommand(ctx, name as string, o));

  cli.command("ls", "List bottles and their state").alias("list").option("--json", "Machine-readable output");
  on("ls", async (ctx, _args, o) => (await lifecycle()).lsCommand(ctx, o));

  cli.command("exec <name> [...command]", "Run a command in a bottle: exec NAME -- CMD [ARGS...]");
  on("exec", async (ctx, [name, command], o) => (await lifecycle()).execCommand(ctx, name as string, [...(command as string[]), ...((o["--"] as string[]) ?? [])]));

  cli.command("attach <name>", "Attach to the bottle's agent");
  on("attach", async (ctx, [name]) => (await lifecycle()).attachCommand(ctx, name as string));

  cli.command("credentials <name>", "A bottle's credentials: hosts, header, sentinel, source, canary hits (never a value)").option("--json", "Machine-readable output");
  on("credentials", async (ctx, [name], o) => (await import("./credentials-command.ts")).credentialsCommand(ctx, name as string, o));

  cli.command("logs <name>", "What the bottle did: egress decisions, bundle output, agent console (escaped; archived after down)").option("-f, --follow", "Keep following");
  on("logs", async (ctx, [name], o) => (await import("./logs-command.ts")).logsCommand(ctx, name as string, o));

  cli.command("keeper <name>", "Internal: the host keeper `up` starts for a bottle (imports pushes at once, applies on_canary)");
  on("keeper", async (ctx, [name]) => (await lifecycle()).keeperCommand(ctx, name as string));

  cli.command("gc", "Remove resources of this home that no bottle owns (after a crash)")
    .option("--dry-run", "Only list them")
    .option("--archives", "Prune archived audit records instead (needs --older-than)")
    .option("--older-than <duration>", "With --archives: records archived longer ago than this (30d, 12h)")
    .option("--json", "Machine-readable output");
  on("gc", async (ctx, _args, o) => (await lifecycle()).gcCommand(ctx, o));
}

/** The sidecar, and the host side of its approvals. */
function bundleCommands(cli: Cli, on: On): void {
  cli.command("bundle <action>", "The sidecar: `bundle serve --config FILE`, `bundle image [--tag T]`")
    .option("--config <file>", "serve: the bundle config the plan rendered")
    .option("--tag <tag>", "image: the tag to build", { default: "claude-bottle-bundle:latest" })
    .option("--save <file>", "image: also write a docker-save archive")
    .option("--binary <file>", "image: the claude-bottle Linux binary to put in it (default: this one)");
  on("bundle", async (ctx, [action], o) => {
    if (action === "serve") return (await bundle()).bundleServeCommand(ctx, o);
    if (action === "image") return (await import("./bundle-image-command.ts")).bundleImageCommand(ctx, o as { tag: string; save?: string; binary?: string });
    throw new UsageError("E_USAGE", `Unknown bundle action "${String(action)}"`, { hint: "claude-bottle bundle serve|image" });
  });

  cli.command("pull <name>", "Bring the agent's pushed branches into this repository as bottle-NAME/BRANCH")
    .option("--branch <branch>", "Only this branch")
    .option("--json", "Machine-readable output");
  on("pull", async (ctx, [name], o) => (await workspace()).pullCommand(ctx, name as string, o as { branch?: string; json?: boolean }));

  cli.command("diff <name> [branch]", "What the agent changed on a pushed branch, against the commit it started from").option("--json", "Machine-readable output");
  on("diff", async (ctx, [name, branch], o) => (await workspace()).diffCommand(ctx, name as string, branch as string | undefined, o));

  cli.command("requests <name>", "Hosts the agent asked for").option("--all", "Include answered requests").option("--json", "Machine-readable output");
  on("requests", async (ctx, [name], o) => (await bundle()).requestsCommand(ctx, name as string, o));

  cli.command("allow <name> <rule>", "Allow a host (host, *.suffix, host:port, CIDR) for a running bottle")
    .option("--once", "For one connection")
    .option("--ttl <duration>", "For a while (30s, 10m, 2h, 1d); the default is 1h")
    .option("--always", "For good: kept in the bottle's state across bundle restarts")
    .option("--force", "Take a CIDR broader than a /16 (says what it exposes)");
  on("allow", async (ctx, [name, rule], o) => (await bundle()).allowCommand(ctx, name as string, rule as string, o));

  cli.command("why <name> <target>", "Would the bottle reach HOST[:PORT], and by which rule? (dials nothing)").option("--json", "Machine-readable output");
  on("why", async (ctx, [name, target], o) => (await bundle()).whyCommand(ctx, name as string, target as string, o));

  cli.command("deny <name> <target>", "Deny a pending request (id or host), or revoke an approval");
  on("deny", async (ctx, [name, target]) => (await bundle()).denyCommand(ctx, name as string, target as string));
}

/** Images built here, with no registry for the agent's side. */
function imageCommands(cli: Cli, on: On): void {
  cli.command("image <kind>", `Build the default agent image: \`image agent\` (Debian + git, ripgrep + Claude Code ${CLAUDE_CODE_VERSION})`)
    .option("--base <image>", "A Debian base already on this host (never pulled)", { default: DEFAULT_BASE_IMAGE })
    .option("--tag <tag>", "The tag to build", { default: DEFAULT_AGENT_IMAGE })
    .option("--save <file>", "Also write a docker-save archive (to docker load on an air-gapped host)")
    .option("--claude-code-tarball <file>", `@anthropic-ai/claude-code-linux-<arch>@${CLAUDE_CODE_VERSION} .tgz brought here (no registry)`);
  on("image", async (ctx, [kind], o) => (await import("./image-command.ts")).imageCommand(ctx, kind as string, o as unknown as ImageOptions));
}

function buildCli(actions: Map<string, Action>): Cli {
  const cli = cac("claude-bottle");
  const on: On = (name, action) => void actions.set(name, action);
  cli.option("--home <dir>", "State directory (env CLAUDE_BOTTLE_HOME; default $XDG_STATE_HOME/claude-bottle)");
  cli.option("--debug", "Show stack traces and error codes");
  cli.option("--plugin <path>", "Load a backend plugin module (repeatable)", { type: [String] });
  cli.option("-v, --version", "Print the version");
  planningCommands(cli, on);
  lifecycleCommands(cli, on);
  bundleCommands(cli, on);
  imageCommands(cli, on);
  cli.option("-h, --help", "Show this help");
  return cli;
}

const loadApiPlugin = (path: string) => loadPlugin(path, pluginApi);

async function loadPlugins(fs: Fs, host: Host, flags: readonly string[]): Promise<PluginLoad[]> {
  const paths = await discoverPlugins(fs, host.env, host.cwd, host.userHome, flags.filter(Boolean));
  return Promise.all(paths.map(loadApiPlugin));
}

/** Runs one invocation. Never throws; never exits. */
export async function run(host: Host, powers: Powers): Promise<number> {
  const debug = host.args.includes("--debug");
  const actions = new Map<string, Action>();
  try {
    const cli = buildCli(actions);
    const parsed = cli.parse(["node", "claude-bottle", ...host.args], { run: false });
    const options = parsed.options as Record<string, unknown>;
    if (options["help"]) {
      host.stdout(cli.matchedCommand ? commandHelp(cli, cli.matchedCommand) : programHelp(cli));
      return EXIT.ok;
    }
    const name = cli.matchedCommand?.name;
    if (!name) {
      if (options["version"]) {
        host.stdout(`claude-bottle ${VERSION}\n`);
        return EXIT.ok;
      }
      if (parsed.args.length > 0) {
        throw new UsageError("E_UNKNOWN_COMMAND", `Unknown command "${parsed.args[0]}"`, { hint: "run claude-bottle --help for the commands" });
      }
      host.stdout(programHelp(cli));
      return EXIT.usage;
    }
    const command = cli.matchedCommand!;
    try {
      command.checkUnknownOptions();
      command.checkOptionValue();
      command.checkRequiredArgs();
      command.checkUnusedArgs();
    } catch (error) {
      throw new UsageError("E_USAGE", `Cannot run "${name}": ${(error as Error).message}`, { hint: `run claude-bottle ${name} --help` });
    }
    const ctx: CliContext = {
      host,
      ...powers,
      home: resolveHome(options["home"] as string | undefined, host.env, host.cwd, host.userHome),
      registry: builtinRegistry(await loadPlugins(powers.fs, host, (options["plugin"] as string[] | undefined) ?? []), loadApiPlugin),
      out: host.stdout,
      err: host.stderr,
    };
    // Positional arguments as the command declares them (a variadic one collects the rest).
    const positional = command.args.map((arg, index) => (arg.variadic ? parsed.args.slice(index) : parsed.args[index]));
    return await actions.get(name)!(ctx, positional, options);
  } catch (error) {
    const failure = asBottleError(error);
    host.stderr(formatError(failure, debug));
    return failure.exitCode;
  }
}
