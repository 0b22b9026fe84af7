/** The host as data: what the entry point reads from the process, handed down to everything. */
export interface Host {
  /** User arguments, without the runtime and script (same for `bun x.ts`, `deno run`, compiled). */
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly userHome: string;
  readonly platform: string;
  readonly arch: string;
  readonly user: { readonly uid: number; readonly gid: number };
  /** This program's own executable when it is a compiled single binary; undefined from source. */
  readonly selfBinary: string | undefined;
  /** Asked lazily: loading node:tty costs milliseconds that `plan` should not pay. */
  stdinIsTty(): Promise<boolean>;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}
