/**
 * DNS sink lines, aggregated: within a window, the first query for a name is written at once and
 * the repeats are summed into one line at the window's end; past `maxNames` distinct names in a
 * window, queries are only counted, in one line for all of them. A flood of any shape is then at
 * most 2 × maxNames + 1 lines a window. Pure but for the clock; the caller ends each window.
 */

export interface DnsAggregateOptions {
  readonly windowMs: number;
  /** Distinct names listed one by one per window. */
  readonly maxNames: number;
}

export const DEFAULT_DNS_AGGREGATE: DnsAggregateOptions = { windowMs: 10_000, maxNames: 50 };

/** One line to write: `count` queries for `name` (or for `names` others, beyond the listed ones). */
export interface DnsLine {
  readonly name: string;
  readonly client: string;
  readonly transport: "udp" | "tcp";
  readonly count: number;
  readonly reason?: string;
}

interface Seen {
  readonly client: string;
  readonly transport: "udp" | "tcp";
  repeats: number;
}

export class DnsAggregator {
  private seen = new Map<string, Seen>();
  private overflow = { queries: 0, names: new Set<string>() };

  constructor(
    private readonly emit: (line: DnsLine) => void,
    private readonly options: DnsAggregateOptions = DEFAULT_DNS_AGGREGATE,
  ) {}

  record(name: string, client: string, transport: "udp" | "tcp"): void {
    const seen = this.seen.get(name);
    if (seen) {
      seen.repeats++;
      return;
    }
    if (this.seen.size < this.options.maxNames) {
      this.seen.set(name, { client, transport, repeats: 0 });
      this.emit({ name, client, transport, count: 1 });
      return;
    }
    this.overflow.queries++;
    // Distinct names beyond the cap are counted up to a bound, so the set cannot grow unbounded.
    if (this.overflow.names.size < 100_000) this.overflow.names.add(name);
  }

  /** Ends the window: one line per repeated name, one for the unlisted rest. */
  endWindow(): void {
    const seconds = Math.round(this.options.windowMs / 1000);
    for (const [name, seen] of this.seen) {
      if (seen.repeats > 0)
        this.emit({
          name,
          client: seen.client,
          transport: seen.transport,
          count: seen.repeats,
          reason: `repeated within ${seconds} s`,
        });
    }
    if (this.overflow.queries > 0) {
      const names = this.overflow.names.size;
      const reason = `${this.overflow.queries} queries for ${names} more names within ${seconds} s, beyond the ${this.options.maxNames} listed`;
      this.emit({ name: "(unlisted)", client: "-", transport: "udp", count: this.overflow.queries, reason });
    }
    this.seen = new Map();
    this.overflow = { queries: 0, names: new Set() };
  }
}

/** Every query its own line: the old behaviour, kept for the bench's side-by-side baseline. */
export const EVERY_QUERY = "every-query";

/**
 * The DNS sink's recorder: aggregated lines into `write`, windows ended on a timer (unref'd, so
 * it never holds the process open). `stop` ends the last window.
 */
export function dnsRecorder(
  write: (line: DnsLine) => void,
  options: DnsAggregateOptions | typeof EVERY_QUERY = DEFAULT_DNS_AGGREGATE,
): { record: DnsAggregator["record"]; stop: () => void } {
  if (options === EVERY_QUERY)
    return { record: (name, client, transport) => write({ name, client, transport, count: 1 }), stop: () => {} };
  const aggregator = new DnsAggregator(write, options);
  const timer = setInterval(() => aggregator.endWindow(), options.windowMs);
  (timer as { unref?: () => void }).unref?.();
  return {
    record: (name, client, transport) => aggregator.record(name, client, transport),
    stop: () => {
      clearInterval(timer);
      aggregator.endWindow();
    },
  };
}
