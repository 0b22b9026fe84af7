/**
 * The only place that reads the `process` global (Bun and Deno both provide it). Everything
 * below the entry point receives these values as data.
 */
import { homedir } from "node:os";

export interface Host {
  /** User arguments, without the runtime and script (same for `bun x.ts`, `deno run`, compiled). */
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly userHome: string;
  readonly platform: string;
  readonly arch: string;
  readonly stdinIsTty: boolean;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

/**
 * argv without the runtime. A compiled Bun binary reports argv as [bun, /$bunfs/root/x, ...args],
 * like `bun x.ts`; Deno's node compat gives [deno, script, ...args]. Both drop two.
 */
export function userArgs(argv: readonly string[]): string[] {
  return argv.slice(2);
}

export function currentHost(): Host {
  return {
    args: userArgs(process.argv),
    env: { ...process.env },
    cwd: process.cwd(),
    userHome: homedir(),
    platform: process.platform,
    arch: process.arch,
    stdinIsTty: Boolean(process.stdin.isTTY),
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
  };
}

/** Sets the exit code and lets pending output drain; the one exit of the program. */
export function exitWith(code: number): void {
  process.exitCode = code;
}
