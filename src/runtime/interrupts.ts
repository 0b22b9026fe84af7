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
