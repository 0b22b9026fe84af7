/**
 * The single-binary build: `bun run compile [--target linux-x64 ...] [--out dist]`.
 * Builds self-contained executables (cross-compiling; bun fetches each target's runtime from
 * the npm registry), then writes SHA256SUMS and prints one size line per file.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { parseArgs } from "node:util";

export const TARGETS = ["linux-x64", "linux-arm64", "darwin-x64", "darwin-arm64"] as const;

const { values } = parseArgs({
  options: {
    target: { type: "string", multiple: true },
    out: { type: "string", default: "dist" },
    // Release builds: also the bundle image as a `docker save` archive, for hosts without the build inputs.
    "bundle-archive": { type: "boolean", default: false },
  },
});
const targets = values.target ?? [...TARGETS];
const outDir = values.out!;
mkdirSync(outDir, { recursive: true });

const built: string[] = [];
for (const target of targets) {
  if (!(TARGETS as readonly string[]).includes(target)) throw new Error(`unknown target ${target}; known: ${TARGETS.join(", ")}`);
  const outfile = join(outDir, `claude-bottle-${target}`);
  const proc = Bun.spawnSync(
    [process.execPath, "build", "--compile", "--minify", "--bytecode", `--target=bun-${target}`, "--outfile", outfile, "src/main.ts"],
    { stdout: "inherit", stderr: "inherit" },
  );
  if (proc.exitCode !== 0) {
    console.error(`compile failed for ${target} (exit ${proc.exitCode})`);
    process.exit(1);
  }
  built.push(outfile);
}

if (values["bundle-archive"]) {
  const linux = join(outDir, "claude-bottle-linux-x64");
  if (!built.includes(linux)) throw new Error("--bundle-archive needs the linux-x64 target");
  const archive = join(outDir, "claude-bottle-bundle-linux-x64.tar");
  const tag = `claude-bottle-bundle:${JSON.parse(readFileSync("package.json", "utf8")).version}`;
  const proc = Bun.spawnSync([linux, "bundle", "image", "--binary", linux, "--tag", tag, "--save", archive], { stdout: "inherit", stderr: "inherit" });
  if (proc.exitCode !== 0) {
    console.error("bundle archive failed (it needs a running Docker engine)");
    process.exit(1);
  }
  built.push(archive);
}

// Plugin authors type-check against this one file (what `claude-bottle plugin types` prints).
const types = join(outDir, "claude-bottle-plugin.d.ts");
writeFileSync(types, (await import("../src/cli/plugin-types-text.ts")).PLUGIN_TYPES);
built.push(types);

const sums = built.map((file) => `${createHash("sha256").update(readFileSync(file)).digest("hex")}  ${basename(file)}`);
writeFileSync(join(outDir, "SHA256SUMS"), `${sums.join("\n")}\n`);
for (const file of built) {
  console.log(`${basename(file).padEnd(30)} ${(statSync(file).size / 2 ** 20).toFixed(1)} MiB`);
}
