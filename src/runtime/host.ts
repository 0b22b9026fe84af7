/**
 * The only place that reads the `process` global (Bun and Deno both provide it). Everything
 * below the entry point receives these values as data.
 */
import { Buffer } from "node:buffer";
import { writeSync } from "node:fs";
import { homedir } from "node:os";
import type { Host } from "../core/host.ts";

export type { Host };

/**
 * argv without the runtime. A compiled Bun binary reports argv as [bun, /$bunfs/root/x, ...args],
 * like `bun x.ts`; Deno's node compat gives [deno, script, ...args]. Both drop two.
 */
export function userArgs(argv: readonly string[]): string[] {
  return argv.slice(2);
}

/**
 * The entry module: `Bun.main` under bun (the compiled binary's is inside its virtual file
 * system), the script argument under Deno. Not `import.meta.url`: with `--minify --bytecode`
 * a non-entry module reports its build-time source path (measured on bun 1.4.4).
 */
function entryModule(): string | undefined {
  return (globalThis as { Bun?: { main?: string } }).Bun?.main ?? process.argv[1];
}

/**
 * This program's executable when the entry module lives in bun's virtual file system
 * (`/$bunfs/root/…` on Linux and macOS, `B:/~BUN/root/…` on Windows); undefined from source. Pure.
 */
export function compiledSelf(entry: string | undefined, execPath: string): string | undefined {
  if (!entry) return undefined;
  return entry.startsWith("/$bunfs/") || /^[A-Za-z]:[\\/]~BUN[\\/]/.test(entry) ? execPath : undefined;
}

export function currentHost(): Host {
  return {
    args: userArgs(process.argv),
    env: { ...process.env },
    cwd: process.cwd(),
    userHome: homedir(),
    platform: process.platform,
    arch: process.arch,
    user: { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 },
    selfBinary: compiledSelf(entryModule(), process.execPath),
    stdinIsTty: async () => (await import("node:tty")).isatty(0),
    // Synchronous writes to the descriptors: touching process.stdout builds a stream, which
    // costs a compiled binary more start-up time than everything else `--version` does.
    stdout: (text) => writeAll(1, text),
    stderr: (text) => writeAll(2, text),
  };
}

function writeAll(fd: number, text: string): void {
  let buffer = Buffer.from(text);
  while (buffer.length > 0) {
    try {
      buffer = buffer.subarray(writeSync(fd, buffer));
    } catch (error) {
      if ((error as { code?: string }).code !== "EAGAIN") throw error;
    }
  }
}

/** Sets the exit code and lets pending output drain; the one exit of the program. */
export function exitWith(code: number): void {
  process.exitCode = code;
}
