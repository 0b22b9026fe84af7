/**
 * `[workspace]`: the user's project, cloned into the bottle from a read-only mirror and pushed
 * back through the bundle's git gate: the plan made from the manifest's table (schema in
 * workspace-table.ts, kept apart so the plugin types need no valibot). Pure.
 */
import { join } from "node:path";
import { BUNDLE_PORTS, GATE_REPO_PATH } from "./agent-env.ts";

export const DEFAULT_WORKSPACE_PATH = "/workspace";
export const DEFAULT_PUSH_PATTERNS: readonly string[] = ["claude/*"];
/** The gate's limits on one push. */
export const PUSH_LIMITS = { maxBytes: 512 * 1024 * 1024, maxObjects: 1_000_000 } as const;
/** Where the bundle container sees the mirror (read-only) and the quarantine (writable). */
export const MIRROR_IN_BUNDLE = "/workspace/mirror.git";
export const QUARANTINE_IN_BUNDLE = "/workspace/quarantine";

/** The table as validated, defaults filled (see workspace-table.ts). */
export interface WorkspaceManifest {
  /** false: no workspace, even in a repository. */
  readonly enabled?: boolean;
  readonly repo?: string;
  readonly refs: readonly string[];
  readonly path: string;
  readonly push: readonly string[];
}

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
  const settings: WorkspaceManifest = table ?? { refs: ["HEAD"], path: DEFAULT_WORKSPACE_PATH, push: [...DEFAULT_PUSH_PATTERNS] };
  const refs: string[] = settings.refs.flatMap((ref: string): string[] => (ref === "HEAD" ? (source.head ? [source.head] : []) : [ref]));
  const dir = join(stateDir, "workspace");
  return {
    repo: source.repo,
    refs: [...new Set<string>(refs)],
    path: settings.path,
    push: [...settings.push],
    url: `http://${bundleIp}:${BUNDLE_PORTS.gitGate}${GATE_REPO_PATH}`,
    dir,
    mirror: join(dir, "mirror.git"),
    quarantine: join(dir, "quarantine"),
  };
}
