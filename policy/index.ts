/**
 * The CrossGuard policy pack: `pulumi preview --policy-pack policy` (and `up`) runs every policy of
 * `policies.ts` on every resource, mandatory unless a stack's policy config relaxes one
 * (`--policy-pack-config policy/config/<stack>.json`, with the reason). docs/ci.md says how to run it.
 */
import { PolicyPack, type ResourceValidationPolicy } from "@pulumi/policy";
import { projectPolicies } from "./policies";

new PolicyPack("clickstream-sessionizer", {
  description:
    "Least privilege, encryption, point-in-time recovery, log retention, deletion protection and alarm actions for the clickstream sessionizer.",
  enforcementLevel: "mandatory",
  policies: projectPolicies.map((policy): ResourceValidationPolicy => ({
    name: policy.name,
    description: policy.description,
    // A stack's config may relax a policy; it says why in `reason`.
    configSchema: { properties: { reason: { type: "string" } } },
    validateResource: (args, reportViolation) => {
      const resource = {
        type: args.type,
        name: args.name,
        props: args.props,
        protect: args.opts.protect,
      };
      for (const message of policy.validate(resource)) reportViolation(message);
    },
  })),
});
