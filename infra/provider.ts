/**
 * The stack's AWS provider. An explicit provider rather than the default one, so that the stack's
 * tags reach every taggable resource as the provider's default tags (resources set no tags of their
 * own) and the program can ask the provider which region it deploys to.
 *
 * An explicit provider reads no `aws:*` stack config by itself: the keys it needs are passed here,
 * and config.ts refuses any other `aws:` key rather than let it be ignored. Stacks that ran on the
 * default provider move to this one in place with a Pulumi CLI that consults the provider's
 * `DiffConfig` for explicit providers (pulumi/pulumi#18509, February 2025): same region, no
 * replacement. docs/upgrading.md says how to check with `pulumi preview` first.
 */
import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import type { PipelineConfig } from "./config";

/** The provider's logical name: `urn:...::pulumi:providers:aws::aws`. */
export const providerName = "aws";

/** Creates the stack's AWS provider from its validated config. */
export function createProvider(
  config: Pick<PipelineConfig, "region" | "awsProfile" | "tags">,
  opts?: pulumi.CustomResourceOptions,
): aws.Provider {
  return new aws.Provider(
    providerName,
    {
      region: config.region as aws.Region,
      profile: config.awsProfile,
      defaultTags: { tags: { ...config.tags } },
    },
    opts,
  );
}
