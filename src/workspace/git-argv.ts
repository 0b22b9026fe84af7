/**
 * Every git command line the host side of the gate runs, built from data. Pure. Hooks are off in
 * every call (`core.hooksPath=/dev/null`), no reflogs are written, and nothing reaches the
 * network: the only remotes are local paths.
 */

/** Options in front of every git call. */
export const GIT_SAFE = [
  "-c",
  "core.hooksPath=/dev/null",
  "-c",
  "core.logAllRefUpdates=false",
  "-c",
  "gc.auto=0",
  "-c",
  "maintenance.auto=false",
] as const;

function git(gitDir: string, ...args: string[]): string[] {
  return ["git", ...GIT_SAFE, `--git-dir=${gitDir}`, ...args];
}

function inRepo(repo: string, ...args: string[]): string[] {
  return ["git", ...GIT_SAFE, "-C", repo, ...args];
}

export const gitVersionArgv = (): string[] => ["git", "--version"];

/** The top of the work tree `dir` belongs to. */
export const showToplevelArgv = (dir: string): string[] => inRepo(dir, "rev-parse", "--show-toplevel");

/** The branch HEAD names ("refs/heads/x"); exits 1 when HEAD is detached. */
export const symbolicHeadArgv = (repo: string): string[] => inRepo(repo, "symbolic-ref", "-q", "HEAD");

/** The commit `ref` names; exits 1 when it names none. */
export const resolveCommitArgv = (repo: string, ref: string): string[] =>
  inRepo(repo, "rev-parse", "--verify", "-q", "--end-of-options", `${ref}^{commit}`);

/** A bare repository with no template: no hooks, no description, no info/exclude. */
export const initBareArgv = (dir: string): string[] => ["git", "init", "--bare", "--quiet", "--template=", "--", dir];

/** Copies `refs` (full names) from `source` into the bare repository, objects included. */
export const fetchRefsArgv = (gitDir: string, source: string, refs: readonly string[]): string[] =>
  git(
    gitDir,
    "fetch",
    "--quiet",
    "--no-tags",
    "--no-write-fetch-head",
    "--no-recurse-submodules",
    "--",
    source,
    ...refs.map((ref) => `+${ref}:${ref}`),
  );

export const symbolicRefArgv = (gitDir: string, name: string, target: string): string[] =>
  git(gitDir, "symbolic-ref", name, target);

/** Everything into one pack, loose objects and packed duplicates removed. */
export const repackArgv = (gitDir: string): string[] =>
  git(gitDir, "-c", "pack.writeBitmaps=false", "repack", "-a", "-d", "-q");

export const packRefsArgv = (gitDir: string): string[] => git(gitDir, "pack-refs", "--all");

/** info/refs and objects/info/packs, which dumb-HTTP clients read. */
export const updateServerInfoArgv = (gitDir: string): string[] => git(gitDir, "update-server-info");

/** Checks every object of `pack` (run with the mirror as an alternate) and writes its index. */
export const indexPackArgv = (gitDir: string, pack: string, index: string): string[] =>
  git(gitDir, "index-pack", "--strict", "-o", index, pack);

/** Fails when anything `tips` reach is missing (reads ids on stdin). */
export const connectivityArgv = (gitDir: string): string[] =>
  git(gitDir, "rev-list", "--objects", "--quiet", "--stdin", "--not", "--all");

/** "<id> <type> <size>" per id given on stdin. */
export const batchCheckArgv = (gitDir: string): string[] => git(gitDir, "cat-file", "--batch-check");

/** Exit 0 when `ancestor` is an ancestor of `tip`, 1 when not. */
export const isAncestorArgv = (gitDir: string, ancestor: string, tip: string): string[] =>
  git(gitDir, "merge-base", "--is-ancestor", ancestor, tip);

/** One transaction of ref updates read from stdin (see `refTransaction`). */
export const updateRefsArgv = (gitDir: string): string[] => git(gitDir, "update-ref", "--stdin", "-z");

/** All refs as "<id> <ref>" lines. */
export const listRefsArgv = (gitDir: string, pattern: string): string[] =>
  git(gitDir, "for-each-ref", "--format=%(objectname) %(refname)", pattern);

/**
 * Fetches mirror refs into the user's repository, `specs` as "+src:dst"; hooks, tags, FETCH_HEAD,
 * submodules and auto-gc off, so only the named remote-tracking refs (and objects) are written.
 */
export const fetchIntoUserArgv = (repo: string, mirror: string, specs: readonly string[]): string[] =>
  inRepo(
    repo,
    "fetch",
    "--quiet",
    "--no-tags",
    "--no-write-fetch-head",
    "--no-recurse-submodules",
    "--no-auto-gc",
    "--",
    mirror,
    ...specs,
  );

/** The agent's change from `start` to `tip`: a stat then the patch, never colours or helpers. */
export const diffArgv = (gitDir: string, start: string, tip: string): string[] =>
  git(
    gitDir,
    "-c",
    "diff.external=",
    "diff",
    "--no-color",
    "--no-ext-diff",
    "--no-textconv",
    "--stat",
    "--patch",
    start,
    tip,
    "--",
  );

/** NUL-separated update-ref -z instructions: compare-and-swap every update, atomically. */
export function refTransaction(
  updates: readonly { readonly ref: string; readonly newId: string; readonly oldId: string }[],
): string {
  const lines = updates.map((update) => `update ${update.ref}\0${update.newId}\0${update.oldId}\0`);
  return `start\0${lines.join("")}prepare\0commit\0`;
}
