/**
 * Schemas that turn a configuration string into its typed value once, at the edge: the manifest
 * and the bundle's bundle.json both use them, so the two sides can never read a value apart.
 * A value that does not parse is an issue with its path, never a value silently dropped.
 */
import * as v from "valibot";
import { parseCidr, type Cidr } from "./cidr.ts";
import { parseEgressRule, type EgressRule } from "./egress-rule.ts";

/** "a.b.c.d/n" with host bits zero → Cidr. */
export const CidrSchema = v.pipe(
  v.string(),
  v.rawTransform(({ dataset, addIssue, NEVER }): Cidr => {
    const parsed = parseCidr(dataset.value);
    if (parsed.ok) return parsed.cidr;
    addIssue({ message: parsed.reason });
    return NEVER;
  }),
);

/** A pool a bottle's /24s are taken from: a CIDR of at least one /24. */
export const SubnetPoolSchema = v.pipe(
  v.string(),
  v.rawTransform(({ dataset, addIssue, NEVER }): Cidr => {
    const parsed = parseCidr(dataset.value);
    if (!parsed.ok) addIssue({ message: parsed.reason });
    else if (parsed.cidr.prefix > 24)
      addIssue({ message: `"${dataset.value}" is smaller than one /24; a bottle needs a whole /24` });
    else return parsed.cidr;
    return NEVER;
  }),
);

/** One allowlist entry → EgressRule (its `source` keeps the text as written). */
export const EgressRuleSchema = v.pipe(
  v.string(),
  v.rawTransform(({ dataset, addIssue, NEVER }): EgressRule => {
    const parsed = parseEgressRule(dataset.value);
    if (parsed.ok) return parsed.rule;
    addIssue({ message: parsed.reason });
    return NEVER;
  }),
);
