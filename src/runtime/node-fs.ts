/** The real Fs on `node:fs`, which Bun and Deno both provide. */
import { constants, createReadStream } from "node:fs";
import { access, appendFile, chmod, chown, mkdir, open, readdir, readFile, rename, rm, stat } from "node:fs/promises";
import { randomBytes } from "node:crypto";
import { dirname, basename, join } from "node:path";
import type { Fs } from "../core/fs.ts";

function isMissing(error: unknown): boolean {
  return (error as { code?: string })?.code === "ENOENT";
}

function isNotDirectory(error: unknown): boolean {
  return (error as { code?: string })?.code === "ENOTDIR";
}

export const nodeFs: Fs = {
  readText: (path) => readFile(path, "utf8"),

  async readTextIfExists(path) {
    try {
      return await readFile(path, "utf8");
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  },

  async writeAtomic(path, contents, mode) {
    const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
    // O_EXCL + the final mode from the first byte: the secret is never readable by others, not even briefly.
    const handle = await open(temp, "wx", mode);
    try {
      await handle.writeFile(contents);
      await handle.sync();
    } catch (error) {
      await handle.close();
      await rm(temp, { force: true });
      throw error;
    }
    await handle.close();
    try {
      await chmod(temp, mode); // umask may have narrowed the create mode; set it exactly.
      await rename(temp, path);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  },

  async makeDir(path, mode) {
    await mkdir(path, { recursive: true, mode });
  },

  async exists(path) {
    try {
      await stat(path);
      return true;
    } catch (error) {
      if (isMissing(error)) return false;
      throw error;
    }
  },

  async canReadWrite(path) {
    try {
      await access(path, constants.R_OK | constants.W_OK);
      return true;
    } catch {
      return false;
    }
  },

  async listDir(path) {
    try {
      return await readdir(path);
    } catch (error) {
      if (isMissing(error) || isNotDirectory(error)) return [];
      throw error;
    }
  },

  async append(path, contents, mode) {
    await appendFile(path, contents, { mode });
  },

  async size(path) {
    try {
      return (await stat(path)).size;
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  },

  move: (from, to) => rename(from, to),

  chown: (path, uid, gid) => chown(path, uid, gid),

  readStream: (path) => createReadStream(path, { highWaterMark: 64 * 1024 }),

  remove: (path) => rm(path, { recursive: true, force: true }),
};
