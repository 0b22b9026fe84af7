/**
 * Which ref updates a push may make. Pure: the commands, the refs as the gate knows them now
 * (mirror plus accepted pushes) and the workspace's rules in, one verdict per command out.
 */
import { branchMatches, refNameProblem } from "../../../core/ref-name.ts";
import { ZERO_ID, type RefCommand } from "./receive-request.ts";

export { branchMatches, refNameProblem };

export interface RefRules {
  /** Branch patterns the agent may push, e.g. "claude/*"; `*` matches one or more characters. */
  readonly push: readonly string[];
  /** Refs exposed from the host (read-only for the agent), e.g. "refs/heads/main". */
  readonly exposed: readonly string[];
}

export type RefVerdict = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/** The verdict for one command, ignoring the others. */
export function refVerdict(command: RefCommand, current: ReadonlyMap<string, string>, rules: RefRules): RefVerdict {
  const { ref } = command;
  const problem = refNameProblem(ref);
  if (problem) return { ok: false, reason: problem };
  if (command.newId === ZERO_ID) return { ok: false, reason: "deleting refs is not allowed" };
  if (ref === "HEAD" || !ref.startsWith("refs/"))
    return { ok: false, reason: "only branches under refs/heads/ may be pushed" };
  if (ref.startsWith("refs/tags/")) return { ok: false, reason: "pushing tags is not allowed" };
  if (!ref.startsWith("refs/heads/")) return { ok: false, reason: "only branches under refs/heads/ may be pushed" };
  if (rules.exposed.includes(ref)) return { ok: false, reason: "read-only: this branch came from the host" };
  const branch = ref.slice("refs/heads/".length);
  if (!rules.push.some((pattern) => branchMatches(pattern, branch))) {
    return { ok: false, reason: `branch not allowed: may push ${rules.push.join(", ") || "nothing"}` };
  }
  const now = current.get(ref) ?? ZERO_ID;
  if (now !== command.oldId) return { ok: false, reason: "stale old id: the branch moved; fetch first" };
  return { ok: true };
}

/**
 * Verdicts for a whole push. A ref named twice is refused both times; with `atomic`, one
 * refusal refuses every command.
 */
export function pushVerdicts(
  commands: readonly RefCommand[],
  current: ReadonlyMap<string, string>,
  rules: RefRules,
  atomic: boolean,
): RefVerdict[] {
  const seen = new Map<string, number>();
  for (const command of commands) seen.set(command.ref, (seen.get(command.ref) ?? 0) + 1);
  const verdicts = commands.map(
    (command): RefVerdict =>
      (seen.get(command.ref) ?? 0) > 1
        ? { ok: false, reason: "ref named twice in one push" }
        : refVerdict(command, current, rules),
  );
  if (!atomic || verdicts.every((verdict) => verdict.ok)) return verdicts;
  return verdicts.map((verdict) => (verdict.ok ? { ok: false, reason: "atomic push failed" } : verdict));
}
