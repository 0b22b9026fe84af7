/**
 * `[workspace]`: the user's project, cloned into the bottle from a read-only mirror and pushed
 * back through the bundle's git gate. The manifest table, and the plan made from it. Pure.
 */
import * as v from "valibot";
import { join } from "node:path";
import { BUNDLE_PORTS } from "./agent-env.ts";
import { branchPatternProblem, refNameProblem } from "./ref-name.ts";

export const DEFAULT_WORKSPACE_PATH = "/workspace";
export const DEFAULT_PUSH_PATTERNS: readonly string[] = ["claude/*"];
/** The gate's limits on one push. */
export const PUSH_LIMITS = { maxBytes: 512 * 1024 * 1024, maxObjects: 1_000_000 } as const;
/** Where the bundle container sees the mirror (read-only) and the quarantine (writable). */
export const MIRROR_IN_BUNDLE = "/workspace/mirror.git";
export const QUARANTINE_IN_BUNDLE = "/workspace/quarantine";

const GUEST_PATH = /^\/[A-Za-z0-9._/-]*[A-Za-z0-9._-]$/;

function problemCheck(problem: (value: string) => string | undefined) {
  return v.rawCheck<string>(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    const found = problem(dataset.value);
    if (found) addIssue({ message: found });
  });
}

/** A ref the agent may read: "HEAD" (the branch checked out) or a full branch name. */
function readableRefProblem(ref: string): string | undefined {
  if (ref === "HEAD") return undefined;
  if (!ref.startsWith("refs/heads/")) return 'must be "HEAD" or a full branch name such as refs/heads/main';
  return refNameProblem(ref);
}

export const WorkspaceTable = v.strictObject({
  /** A git work tree, relative to the manifest; default: the repository the manifest is in. */
  repo: v.optional(v.pipe(v.string(), v.minLength(1, "must not be empty"))),
  refs: v.optional(v.pipe(v.array(v.pipe(v.string(), problemCheck(readableRefProblem))), v.minLength(1, "must name a ref")), ["HEAD"]),
  path: v.optional(
    v.pipe(
      v.string(),
      v.regex(GUEST_PATH, "must be an absolute guest path of letters, digits, . _ - and /"),
      v.check((path) => !path.split("/").includes(".."), 'must not contain ".."'),
    ),
    DEFAULT_WORKSPACE_PATH,
  ),
  push: v.optional(v.array(v.pipe(v.string(), problemCheck(branchPatternProblem))), [...DEFAULT_PUSH_PATTERNS]),
});

export type WorkspaceManifest = v.InferOutput<typeof WorkspaceTable>;

/** The repository a bottle's workspace comes from, found when the manifest was loaded. */
export interface WorkspaceSource {
  /** The work tree's top directory (absolute). */
  readonly repo: string;
  /** The branch checked out there ("refs/heads/x"), undefined when HEAD is detached. */
  readonly head?: string;
}

export interface WorkspacePlan {
  readonly repo: string;
  /** Full branch names the agent may read (HEAD resolved); empty when HEAD was detached. */
  readonly refs: readonly string[];
  /** Where the clone goes in the guest. */
  readonly path: string;
  readonly push: readonly string[];
  /** The gate's URL as the agent dials it. */
  readonly url: string;
  /** The bottle's workspace directory on the host: mirror, quarantine, import records. */
  readonly dir: string;
  readonly mirror: string;
  readonly quarantine: string;
}

/** The workspace part of a plan; undefined when the bottle has none. */
export function planWorkspace(table: WorkspaceManifest | undefined, source: WorkspaceSource | undefined, stateDir: string, bundleIp: string): WorkspacePlan | undefined {
  if (!source) return undefined;
  const settings = table ?? v.parse(WorkspaceTable, {});
  const refs = settings.refs.flatMap((ref) => (ref === "HEAD" ? (source.head ? [source.head] : []) : [ref]));
  const dir = join(stateDir, "workspace");
  return {
    repo: source.repo,
    refs: [...new Set(refs)],
    path: settings.path,
    push: settings.push,
    url: `http://${bundleIp}:${BUNDLE_PORTS.gitGate}/workspace.git`,
    dir,
    mirror: join(dir, "mirror.git"),
    quarantine: join(dir, "quarantine"),
  };
}
