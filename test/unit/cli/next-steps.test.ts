import { expect, test } from "bun:test";
import { nextSteps } from "../../../src/cli/lifecycle-commands.ts";

test("after the agent exits: attach and down, and diff and pull when the bottle has a workspace", () => {
  expect(nextSteps("web", true)).toBe(
    'bottle "web" is still up. Next:\n'
      + "  claude-bottle attach web  go back to the agent\n"
      + "  claude-bottle diff web    what the agent changed on the branches it pushed\n"
      + "  claude-bottle pull web    bring those branches here, as bottle-web/BRANCH\n"
      + "  claude-bottle down web    remove the bottle\n",
  );
  expect(nextSteps("web", false)).not.toContain("pull");
});
