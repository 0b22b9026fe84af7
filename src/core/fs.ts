/**
 * The file-system powers handed to backends and the core. The real one lives in
 * src/runtime/node-fs.ts; tests pass in-memory or temp-dir versions.
 */
export interface Fs {
  readText(path: string): Promise<string>;
  /** Undefined when the file does not exist; other errors throw. */
  readTextIfExists(path: string): Promise<string | undefined>;
  /** Writes through a temp file in the same directory and renames it: never half-written. */
  writeAtomic(path: string, contents: string | Uint8Array, mode: number): Promise<void>;
  /** mkdir -p with the given mode on every directory it creates. */
  makeDir(path: string, mode: number): Promise<void>;
  exists(path: string): Promise<boolean>;
  /** True when the current user may read and write the path (e.g. /dev/kvm). */
  canReadWrite(path: string): Promise<boolean>;
  listDir(path: string): Promise<string[]>;
  /** Appends to the file (not atomic: for logs), creating it with `mode` when absent. */
  append(path: string, contents: string, mode: number): Promise<void>;
  /** The file's size in bytes; undefined when it does not exist. */
  size(path: string): Promise<number | undefined>;
  /** rename(2): atomic within one file system. */
  move(from: string, to: string): Promise<void>;
  /** The file in chunks, for files too large to hold (the audit log). Optional: readText otherwise. */
  readStream?(path: string): AsyncIterable<Uint8Array>;
  /** chown(2) of one path. Optional: only a root host hands its bundle dir to another uid. */
  chown?(path: string, uid: number, gid: number): Promise<void>;
  /** rm -rf; no error when absent. */
  remove(path: string): Promise<void>;
}
