/**
 * Work for the end of the whole test run (the preload's global afterAll runs it): fixtures that
 * several files share, which one file's afterAll must not remove. Process exit handlers do not
 * run under `bun test`.
 */
const pending: (() => void)[] = [];

export function atRunEnd(task: () => void): void {
  pending.push(task);
}

export function runEndTasks(): void {
  for (const task of pending.splice(0)) task();
}
