/** The gate's ref policy: which updates a push may make, as one table. */
import { describe, expect, test } from "bun:test";
import { ZERO_ID } from "../../../../src/bundle/serve/gate/receive-request.ts";
import { branchMatches, pushVerdicts, refNameProblem, refVerdict } from "../../../../src/bundle/serve/gate/ref-policy.ts";

const A = "a".repeat(40);
const B = "b".repeat(40);
const rules = { push: ["claude/*", "agent-*"], exposed: ["refs/heads/main"] };
const current = new Map([["refs/heads/main", A], ["refs/heads/claude/old", A]]);

describe("refVerdict", () => {
  test.each([
    ["refs/heads/claude/new", ZERO_ID, B, { ok: true }],
    ["refs/heads/claude/deep/branch", ZERO_ID, B, { ok: true }],
    ["refs/heads/agent-7", ZERO_ID, B, { ok: true }],
    ["refs/heads/claude/old", A, B, { ok: true }],
    ["refs/heads/claude/old", ZERO_ID, B, { ok: false, reason: "stale old id: the branch moved; fetch first" }],
    ["refs/heads/claude/old", B, A, { ok: false, reason: "stale old id: the branch moved; fetch first" }],
    ["refs/heads/claude/new", A, B, { ok: false, reason: "stale old id: the branch moved; fetch first" }],
    ["refs/heads/claude/old", A, ZERO_ID, { ok: false, reason: "deleting refs is not allowed" }],
    ["refs/heads/main", A, B, { ok: false, reason: "read-only: this branch came from the host" }],
    ["refs/heads/claude", ZERO_ID, B, { ok: false, reason: "branch not allowed: may push claude/*, agent-*" }],
    ["refs/heads/claude/", ZERO_ID, B, { ok: false, reason: "ref name is not valid" }],
    ["refs/heads/feature", ZERO_ID, B, { ok: false, reason: "branch not allowed: may push claude/*, agent-*" }],
    ["refs/heads/xclaude/a", ZERO_ID, B, { ok: false, reason: "branch not allowed: may push claude/*, agent-*" }],
    ["refs/tags/v1", ZERO_ID, B, { ok: false, reason: "pushing tags is not allowed" }],
    ["refs/notes/commits", ZERO_ID, B, { ok: false, reason: "only branches under refs/heads/ may be pushed" }],
    ["refs/remotes/origin/claude/a", ZERO_ID, B, { ok: false, reason: "only branches under refs/heads/ may be pushed" }],
    ["HEAD", A, B, { ok: false, reason: "only branches under refs/heads/ may be pushed" }],
    ["claude/a", ZERO_ID, B, { ok: false, reason: "only branches under refs/heads/ may be pushed" }],
    ["refs/heads/--mirror", ZERO_ID, B, { ok: false, reason: "ref name component starts with '-'" }],
    ["refs/heads/claude/--mirror", ZERO_ID, B, { ok: false, reason: "ref name component starts with '-'" }],
    ["refs/heads/claude/a..b", ZERO_ID, B, { ok: false, reason: "ref name is not valid" }],
    ["refs/heads/claude/a.lock", ZERO_ID, B, { ok: false, reason: "ref name is not valid" }],
    ["refs/heads/claude/.hidden", ZERO_ID, B, { ok: false, reason: "ref name is not valid" }],
    ["refs/heads/claude/a@{1}", ZERO_ID, B, { ok: false, reason: "ref name is not valid" }],
    ["refs/heads/claude//a", ZERO_ID, B, { ok: false, reason: "ref name is not valid" }],
    ["refs/heads/claude/a b", ZERO_ID, B, { ok: false, reason: "ref name has a forbidden character" }],
    ["refs/heads/claude/a\x1b[2J", ZERO_ID, B, { ok: false, reason: "ref name has a forbidden character" }],
    ["refs/heads/claude/é", ZERO_ID, B, { ok: false, reason: "ref name has a forbidden character" }],
    ["refs/heads/claude/a:b", ZERO_ID, B, { ok: false, reason: "ref name has a forbidden character" }],
    ["refs/heads/claude/a*", ZERO_ID, B, { ok: false, reason: "ref name has a forbidden character" }],
    [`refs/heads/claude/${"x".repeat(250)}`, ZERO_ID, B, { ok: false, reason: "ref name is too long" }],
  ])("%s %s..%s", (ref, oldId, newId, expected) => {
    expect(refVerdict({ ref, oldId, newId }, current, rules)).toEqual(expected as never);
  });

  test("no push patterns: nothing may be pushed", () => {
    expect(refVerdict({ ref: "refs/heads/claude/a", oldId: ZERO_ID, newId: B }, current, { push: [], exposed: [] })).toEqual({ ok: false, reason: "branch not allowed: may push nothing" });
  });
});

describe("pushVerdicts", () => {
  const good = { ref: "refs/heads/claude/a", oldId: ZERO_ID, newId: B };
  const bad = { ref: "refs/heads/main", oldId: A, newId: B };

  test("without atomic, each ref on its own", () => {
    expect(pushVerdicts([good, bad], current, rules, false)).toEqual([{ ok: true }, { ok: false, reason: "read-only: this branch came from the host" }]);
  });

  test("with atomic, one refusal refuses all", () => {
    expect(pushVerdicts([good, bad], current, rules, true)).toEqual([{ ok: false, reason: "atomic push failed" }, { ok: false, reason: "read-only: this branch came from the host" }]);
    expect(pushVerdicts([good], current, rules, true)).toEqual([{ ok: true }]);
  });

  test("a ref named twice is refused both times", () => {
    expect(pushVerdicts([good, { ...good, newId: A }], current, rules, false)).toEqual([
      { ok: false, reason: "ref named twice in one push" },
      { ok: false, reason: "ref named twice in one push" },
    ]);
  });
});

test("branchMatches: * is one or more characters, everything else literal", () => {
  expect([branchMatches("claude/*", "claude/x"), branchMatches("claude/*", "claude/"), branchMatches("a.b", "axb"), branchMatches("exact", "exact")]).toEqual([true, false, false, true]);
  expect(refNameProblem("refs/heads/claude/ok-1.2_x")).toBeUndefined();
});
