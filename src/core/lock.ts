/** Mutual exclusion between claude-bottle processes, by lock files. */
export type Release = () => Promise<void>;

export interface Locks {
  /**
   * Waits until the lock at `path` is ours (a lock whose owner died is taken over), up to
   * `waitMs`; then throws a BottleError naming `what` and the owner's pid.
   */
  acquire(path: string, what: string, waitMs?: number): Promise<Release>;
}
