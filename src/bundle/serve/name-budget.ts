/**
 * A budget for the names the bundle resolves under wildcard rules. The agent picks those names
 * (`<anything>.github.com`), and each one it makes the bundle resolve is a query through the
 * host's resolver: a channel out. New names draw from a token bucket; a name resolved within
 * `rememberMs` is free again, so a tool that keeps using a few names is never slowed. Pure but
 * for the injected clock.
 */
import { ResolveRefused, type Resolver, type RuleResolver } from "./decide.ts";

export interface NameBudgetOptions {
  /** New names allowed at once. */
  readonly burst: number;
  /** New names the bucket regains per minute. */
  readonly perMinute: number;
  /** How long a resolved name stays free. */
  readonly rememberMs: number;
  /** At most this many names remembered (oldest forgotten first). */
  readonly maxRemembered: number;
}

export const DEFAULT_NAME_BUDGET: NameBudgetOptions = {
  burst: 30,
  perMinute: 12,
  rememberMs: 10 * 60_000,
  maxRemembered: 4096,
};

export class NameBudget {
  private tokens: number;
  private refilledAt: number;
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly options: NameBudgetOptions = DEFAULT_NAME_BUDGET,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = options.burst;
    this.refilledAt = now();
  }

  /** Whether `name` may be resolved now; "new" when it spent a token (the caller audits those). */
  take(name: string): "known" | "new" | "refused" {
    const now = this.now();
    const last = this.seen.get(name);
    if (last !== undefined && now - last < this.options.rememberMs) {
      this.seen.delete(name);
      this.seen.set(name, now);
      return "known";
    }
    this.refill(now);
    if (this.tokens < 1) return "refused";
    this.tokens -= 1;
    this.seen.delete(name);
    this.seen.set(name, now);
    if (this.seen.size > this.options.maxRemembered) this.seen.delete(this.seen.keys().next().value!);
    return "new";
  }

  private refill(now: number): void {
    const gained = ((now - this.refilledAt) / 60_000) * this.options.perMinute;
    this.tokens = Math.min(this.options.burst, this.tokens + gained);
    this.refilledAt = now;
  }
}

/** What a budgeted resolution did, for the audit. */
export interface Resolution {
  readonly name: string;
  readonly rule: string;
  readonly outcome: "new" | "refused" | "failed";
  readonly addresses?: readonly string[];
}

/**
 * Resolves names admitted by exact-host rules as they are, and names under wildcard rules only
 * within the budget; every wildcard resolution of a new name, and every refusal, is reported.
 */
export function budgetedResolver(
  resolve: Resolver,
  budget: NameBudget,
  report: (resolution: Resolution) => void,
): RuleResolver {
  return async (name, rule) => {
    if (rule.rule.kind !== "suffix") return resolve(name);
    const taken = budget.take(name);
    const source = rule.rule.source;
    if (taken === "refused") {
      report({ name, rule: source, outcome: "refused" });
      throw new ResolveRefused("resolve-budget", "too many new names under wildcard rules; try again in a minute");
    }
    if (taken === "known") return resolve(name);
    try {
      const addresses = await resolve(name);
      report({ name, rule: source, outcome: "new", addresses });
      return addresses;
    } catch (error) {
      report({ name, rule: source, outcome: "failed" });
      throw error;
    }
  };
}
