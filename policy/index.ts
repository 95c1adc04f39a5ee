/**
 * The CrossGuard policy pack: `pulumi preview --policy-pack policy` (and `up`) runs every policy of
 * `policies.ts` on every resource, mandatory unless a stack's policy config relaxes one
 * (`--policy-pack-config policy/config/<stack>.json`, with the reason). docs/ci.md says how to run it.
 */
import { PolicyPack, type ResourceValidationPolicy } from "@pulumi/policy";
import { projectPolicies, unknownValue } from "./policies";

/**
 * A plain copy of CrossGuard's resource properties with {@link unknownValue} where a preview does
 * not know a value. CrossGuard hands the properties behind a proxy that throws on reading an unknown
 * value, which would stop a whole policy at the first unknown ARN ("can't be known during preview")
 * instead of letting it check everything known.
 */
function withUnknowns(value: unknown): unknown {
  if (typeof value !== "object" || value === null) return value;
  const copy: Record<string, unknown> | unknown[] = Array.isArray(value) ? [] : {};
  for (const key of Object.keys(value)) {
    let field: unknown;
    try {
      field = withUnknowns((value as Record<string, unknown>)[key]);
    } catch (error) {
      // @pulumi/policy's UnknownValueError, which it does not export.
      if (!(error instanceof Error && error.message.includes("can't be known during preview")))
        throw error;
      field = unknownValue;
    }
    (copy as Record<string, unknown>)[key] = field;
  }
  return copy;
}

new PolicyPack("clickstream-sessionizer", {
  description:
    "Least privilege, encryption, point-in-time recovery, log retention, deletion protection and alarm actions for the clickstream sessionizer.",
  enforcementLevel: "mandatory",
  policies: projectPolicies.map((policy): ResourceValidationPolicy => ({
    name: policy.name,
    description: policy.description,
    ...(policy.enforcementLevel === undefined ? {} : { enforcementLevel: policy.enforcementLevel }),
    // A stack's config may relax a policy; it says why in `reason`.
    configSchema: { properties: { reason: { type: "string" } } },
    validateResource: (args, reportViolation) => {
      const resource = {
        type: args.type,
        name: args.name,
        props: withUnknowns(args.props) as Record<string, unknown>,
        protect: args.opts.protect,
      };
      for (const message of policy.validate(resource)) reportViolation(message);
    },
  })),
});
