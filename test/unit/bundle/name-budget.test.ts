import { expect, test } from "bun:test";
import { NameBudget } from "../../../src/bundle/serve/name-budget.ts";

test("new names draw from the bucket, remembered names are free, the bucket refills with time", () => {
  let now = 0;
  const budget = new NameBudget({ burst: 2, perMinute: 6, rememberMs: 60_000, maxRemembered: 100 }, () => now);
  expect([budget.take("a.x.test"), budget.take("b.x.test"), budget.take("c.x.test")]).toEqual(["new", "new", "refused"]);
  expect(budget.take("a.x.test")).toBe("known");
  now = 10_000; // 6 per minute: one token back after 10 s
  expect([budget.take("c.x.test"), budget.take("d.x.test")]).toEqual(["new", "refused"]);
  now = 10_000 + 60_001; // a.x.test was last used at 0: forgotten
  expect(budget.take("a.x.test")).toBe("new");
});

test("at most maxRemembered names are kept: the oldest is forgotten first", () => {
  const budget = new NameBudget({ burst: 10, perMinute: 0, rememberMs: 60_000, maxRemembered: 2 }, () => 0);
  budget.take("a.test");
  budget.take("b.test");
  budget.take("c.test");
  expect([budget.take("c.test"), budget.take("b.test"), budget.take("a.test")]).toEqual(["known", "known", "new"]);
});
