/** Writing rendered files: private directory, atomic file writes, exact modes. */
import { dirname, join } from "node:path";
import { BottleError, EXIT } from "./errors.ts";
import type { Fs } from "./fs.ts";
/** A file the core writes for a bottle: `name` relative to the output directory. */
export interface RenderedFile {
  readonly name: string;
  readonly contents: string;
  readonly mode: number;
}

export const PRIVATE_DIR_MODE = 0o700;

/**
 * Writes each file under `dir` (created 0700). Each file is whole or absent: written to a temp
 * file and renamed. Throws a BottleError naming the directory when it cannot be written.
 */
export async function writeRenderedFiles(fs: Fs, dir: string, files: readonly RenderedFile[]): Promise<string[]> {
  try {
    await fs.makeDir(dir, PRIVATE_DIR_MODE);
    const written: string[] = [];
    for (const file of files) {
      const path = join(dir, file.name);
      await fs.makeDir(dirname(path), PRIVATE_DIR_MODE);
      await fs.writeAtomic(path, file.contents, file.mode);
      written.push(path);
    }
    return written;
  } catch (error) {
    const reason = (error as { code?: string }).code ?? (error as Error).message;
    throw new BottleError("E_WRITE_FAILED", `Cannot write bottle files to "${dir}": ${reason}`, {
      exitCode: EXIT.cantCreate,
      hint: "check the directory's permissions, or choose another with --home / CLAUDE_BOTTLE_HOME",
      cause: error,
    });
  }
}
