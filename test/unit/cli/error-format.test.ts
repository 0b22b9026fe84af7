import { expect, test } from "bun:test";
import { formatError } from "../../../src/cli/report.ts";
import { BottleError } from "../../../src/core/errors.ts";

test("an error that quotes something the agent chose prints it escaped: message, hint and debug alike", () => {
  const hostile = "claude/x\u001b]52;c;ZXZpbA==\u0007\u001b[2J\u009b\u202eevil\u200b\rfake";
  const error = new BottleError("E_TEST", `Cannot diff bottle "b": no branch ${hostile}`, { hint: `name one: ${hostile}` });
  for (const debug of [false, true]) {
    const text = formatError(error, debug);
    expect(text).toStartWith("error: Cannot diff bottle \"b\": no branch claude/x\\x1b]52;c;ZXZpbA==\\x07\\x1b[2J\\x9b\\u{202e}evil");
    expect(text).toContain("\nhint: name one: claude/x\\x1b]52");
    expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u200b\u202e]/);
  }
});
