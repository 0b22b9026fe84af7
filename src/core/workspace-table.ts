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
