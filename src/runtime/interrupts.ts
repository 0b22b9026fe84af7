/** SIGINT/SIGTERM as an AbortSignal, for the span of a launch. */
export interface Interrupts {
  readonly signal: AbortSignal;
  dispose(): void;
}

export function watchInterrupts(): Interrupts {
  const controller = new AbortController();
  const onSignal = () => controller.abort(new Error("interrupted"));
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return {
    signal: controller.signal,
    dispose() {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    },
  };
}

/** Resolves with the signal's name when SIGINT or SIGTERM arrives (a server's lifetime). */
export function untilTerminated(): Promise<string> {
  return new Promise((resolve) => {
    const done = (name: string) => () => resolve(name);
    process.once("SIGINT", done("SIGINT"));
    process.once("SIGTERM", done("SIGTERM"));
  });
}
