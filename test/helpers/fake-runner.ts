/** An in-memory Runner: answers by the first matching rule, records every argv. */
import type { RunOptions, RunResult, Runner } from "../../src/core/runner.ts";

export interface FakeAnswer {
  exitCode?: number;
  stdout?: string;
  stderr?: string;
  spawnError?: string;
}

export type FakeRule = [match: (argv: readonly string[]) => boolean, answer: FakeAnswer | ((argv: readonly string[]) => FakeAnswer)];

export interface FakeRunner extends Runner {
  readonly calls: (readonly string[])[];
}

/** `prefix("docker", "version")` matches argv starting with those words. */
export function prefix(...words: string[]): (argv: readonly string[]) => boolean {
  return (argv) => words.every((word, i) => argv[i] === word);
}

export const missing: FakeAnswer = { exitCode: 127, spawnError: "ENOENT" };

export function fakeRunner(rules: FakeRule[], fallback: FakeAnswer = missing): FakeRunner {
  const calls: (readonly string[])[] = [];
  return {
    calls,
    async run(argv: readonly string[], _options?: RunOptions): Promise<RunResult> {
      calls.push(argv);
      const rule = rules.find(([match]) => match(argv));
      const answer = rule ? (typeof rule[1] === "function" ? rule[1](argv) : rule[1]) : fallback;
      return { argv, exitCode: answer.exitCode ?? 0, stdout: answer.stdout ?? "", stderr: answer.stderr ?? "", durationMs: 0, ...(answer.spawnError ? { spawnError: answer.spawnError } : {}) };
    },
  };
}
