/** The `[workspace]` table of bottle.toml (see core/workspace.ts for what it plans). */
import * as v from "valibot";
import { branchPatternProblem, refNameProblem } from "./ref-name.ts";
import { DEFAULT_PUSH_PATTERNS, DEFAULT_WORKSPACE_PATH } from "./workspace.ts";

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

const ENTRIES = {
  /** false opts a manifest inside a repository out of the workspace; nothing else may then be set. */
  enabled: v.optional(v.boolean()),
  /** A git work tree, relative to the manifest; default: the repository the manifest is in. */
  repo: v.optional(v.pipe(v.string(), v.minLength(1, "must not be empty"))),
  refs: v.optional(v.pipe(v.array(v.pipe(v.string(), problemCheck(readableRefProblem))), v.minLength(1, "must name a ref"))),
  path: v.optional(
    v.pipe(
      v.string(),
      v.regex(GUEST_PATH, "must be an absolute guest path of letters, digits, . _ - and /"),
      v.check((path) => !path.split("/").includes(".."), 'must not contain ".."'),
    ),
  ),
  push: v.optional(v.array(v.pipe(v.string(), problemCheck(branchPatternProblem)))),
};

export const WorkspaceTable = v.pipe(
  v.strictObject(ENTRIES),
  v.forward(
    v.check(
      (table) => table.enabled !== false || Object.keys(table).every((key) => key === "enabled"),
      "is false, so repo, refs, path and push would be ignored: remove them or remove enabled",
    ),
    ["enabled"],
  ),
  v.transform(({ enabled, repo, refs, path, push }) => ({
    ...(enabled === false ? { enabled } : {}),
    ...(repo === undefined ? {} : { repo }),
    refs: refs ?? ["HEAD"],
    path: path ?? DEFAULT_WORKSPACE_PATH,
    push: push ?? [...DEFAULT_PUSH_PATTERNS],
  })),
);
