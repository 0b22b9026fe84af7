/**
 * Preloaded before every test file (bunfig.toml): its hooks are global. The whole run gets a
 * temp directory of its own as TMPDIR, removed when the last file is done, so whatever a test
 * makes with os.tmpdir() — its own dirs, a compiled binary, a helper's scratch — leaves nothing
 * behind, and concurrent runs never touch each other's files. tempDir()s go after each test.
 */
import { afterAll, afterEach } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { removeTempDirs } from "./temp.ts";
import { runEndTasks } from "./run-end.ts";

const runDir = mkdtempSync(join(tmpdir(), "cb-test-run-"));
process.env["TMPDIR"] = runDir;

afterEach(removeTempDirs);
afterAll(() => {
  runEndTasks();
  rmSync(runDir, { recursive: true, force: true });
});
