/** Git ref names and branch patterns, as claude-bottle accepts them. Pure. */

const BAD_CHARS = /[\x00-\x20\x7f~^:?*[\\]/;

/**
 * git check-ref-format's rules, made stricter: ASCII only, and no component starting with "-"
 * (a branch named "--mirror" has been read as an option). Undefined when the name is fine.
 */
export function refNameProblem(ref: string): string | undefined {
  if (ref.length > 255) return "ref name is too long";
  if (/[^\x21-\x7e]/.test(ref) || BAD_CHARS.test(ref)) return "ref name has a forbidden character";
  if (ref.includes("..") || ref.includes("@{") || ref.includes("//") || ref === "@") return "ref name is not valid";
  if (ref.endsWith("/") || ref.endsWith(".")) return "ref name is not valid";
  for (const part of ref.split("/")) {
    if (part.startsWith(".") || part.endsWith(".lock")) return "ref name is not valid";
    if (part.startsWith("-")) return "ref name component starts with '-'";
  }
  return undefined;
}

/** Glob match where `*` stands for one or more characters (slashes included). */
export function branchMatches(pattern: string, branch: string): boolean {
  const source = pattern
    .split("*")
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
    .join(".+");
  return new RegExp(`^${source}$`).test(branch);
}

/** A push pattern is a branch name in which `*` may stand for a part. */
export function branchPatternProblem(pattern: string): string | undefined {
  if (pattern === "") return "must not be empty";
  return refNameProblem(`refs/heads/${pattern.replace(/\*/g, "x")}`);
}
