/**
 * `--help`, for the program and for each command: one line saying what it does, its usage, its
 * options, and examples to copy. Rendered here (cac's own help prints through console) so it
 * goes through the host's stdout like every other output. Pure.
 */
import type { CAC, Command } from "cac";

/** At least one example per command; every command has an entry (a test checks). */
export const EXAMPLES: Readonly<Record<string, readonly string[]>> = {
  init: ["claude-bottle init", "claude-bottle init ./work/bottle.toml --force"],
  plan: ["claude-bottle plan", "claude-bottle plan ./bottle.toml --json"],
  render: ["claude-bottle render", "claude-bottle render --out ./rendered"],
  preflight: ["claude-bottle preflight", "claude-bottle preflight --json"],
  backends: ["claude-bottle backends", "claude-bottle --plugin ./my-backend.ts backends --json"],
  plugin: ["claude-bottle plugin types > claude-bottle-plugin.d.ts"],
  up: ["claude-bottle up", "claude-bottle up --detach", "claude-bottle up ./bottle.toml --rm"],
  down: ["claude-bottle down web"],
  ls: ["claude-bottle ls", "claude-bottle ls --json"],
  exec: ["claude-bottle exec web -- git status", "claude-bottle exec web -- sh"],
  attach: ["claude-bottle attach web"],
  credentials: ["claude-bottle credentials web", "claude-bottle credentials web --json"],
  logs: ["claude-bottle logs web", "claude-bottle logs web -f"],
  keeper: ["claude-bottle keeper web   # up starts it; you never need to"],
  gc: ["claude-bottle gc --dry-run", "claude-bottle gc", "claude-bottle gc --archives --older-than 30d"],
  image: [
    "claude-bottle image agent",
    "claude-bottle image agent --base debian:bookworm-slim --tag claude-bottle:latest --save agent.tar",
    "claude-bottle image agent --claude-code-tarball ./anthropic-ai-claude-code-linux-x64-<version>.tgz",
  ],
  bundle: ["claude-bottle bundle image", "claude-bottle bundle image --binary ./claude-bottle-linux-x64 --save bundle.tar"],
  pull: ["claude-bottle pull web", "claude-bottle pull web --branch claude/fix-login --json"],
  diff: ["claude-bottle diff web", "claude-bottle diff web claude/fix-login"],
  requests: ["claude-bottle requests web", "claude-bottle requests web --all --json"],
  allow: ["claude-bottle allow web pypi.org", "claude-bottle allow web '*.pythonhosted.org' --ttl 2h", "claude-bottle allow web github.com:22 --always"],
  why: ["claude-bottle why web api.anthropic.com", "claude-bottle why web github.com:22"],
  deny: ["claude-bottle deny web pypi.org", "claude-bottle deny web 3f9c2a"],
};

function table(rows: readonly (readonly [string, string])[]): string {
  const width = Math.max(...rows.map(([left]) => left.length));
  return rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`.trimEnd()).join("\n");
}

function optionRows(options: Command["options"]): [string, string][] {
  return options.map((option) => {
    const fallback = option.config.default === undefined ? "" : ` (default: ${String(option.config.default)})`;
    return [option.rawName, `${option.description}${fallback}`];
  });
}

/** The program's help: every command with its line, then the global options. */
export function programHelp(cli: CAC): string {
  const commands = table(cli.commands.map((command) => [command.rawName, command.description]));
  const options = table(optionRows(cli.globalCommand.options));
  return `claude-bottle: run an AI coding agent in a bottle whose only way out is its bundle\n\nUsage:\n  $ claude-bottle <command> [options]\n\nCommands:\n${commands}\n\nOptions:\n${options}\n\nEach command's own help: claude-bottle <command> --help\n`;
}

/** One command's help: what it does, usage, its options and the global ones, examples. */
export function commandHelp(cli: CAC, command: Command): string {
  const options = table(optionRows([...command.options, ...cli.globalCommand.options.filter((option) => option.name !== "version")]));
  const examples = (EXAMPLES[command.name] ?? []).map((example) => `  $ ${example}`).join("\n");
  const aliases = command.aliasNames.length > 0 ? ` (alias: ${command.aliasNames.join(", ")})` : "";
  return `${command.description}${aliases}\n\nUsage:\n  $ claude-bottle ${command.rawName}\n\nOptions:\n${options}\n\nExamples:\n${examples}\n`;
}
