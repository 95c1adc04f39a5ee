/**
 * The project's guard rails as CrossGuard policies, written as pure functions of one resource (its
 * type, name, inputs and `protect` option) so they are tested with plain fixtures and with the plans
 * of the repository's stacks (test/policy/). `policy/index.ts` hands them to `@pulumi/policy`, and
 * `pulumi preview`/`up --policy-pack policy` enforces them on every stack (docs/ci.md).
 *
 * They hold the rules the infrastructure tests hold for the program as written (least privilege,
 * encryption, point-in-time recovery, log retention), and rules about what the stack's
 * configuration decides (deletion protection, alarm actions), which only a policy sees.
 */

/** A resource as a policy sees it. */
export interface PolicyResource {
  /** Type token: `aws:dynamodb/table:Table`. */
  readonly type: string;
  /** Logical name. */
  readonly name: string;
  /** Inputs. */
  readonly props: Readonly<Record<string, unknown>>;
  /** The `protect` resource option. */
  readonly protect: boolean;
}

/**
 * A value Pulumi cannot know during a preview (the ARN of a resource not yet created). The pack
 * (policy/index.ts) puts it where CrossGuard would throw "can't be known during preview", so a rule
 * decides on what is known and leaves the rest to `pulumi up`, where every value is known.
 */
export const unknownValue: unique symbol = Symbol("known only at pulumi up");

/** One policy: a name (unique in the pack), what it requires, and its check. */
export interface ProjectPolicy {
  readonly name: string;
  readonly description: string;
  /** `advisory` policies warn and never stop a preview or an up; the rest are mandatory. */
  readonly enforcementLevel?: "advisory";
  /** The violations of `resource`, one message each; none when it complies or is not concerned. */
  readonly validate: (resource: PolicyResource) => string[];
}

/** One statement of an IAM policy document, as far as these rules read it. */
interface Statement {
  readonly Sid?: unknown;
  readonly Effect?: unknown;
  readonly Action?: unknown;
  readonly NotAction?: unknown;
  readonly Resource?: unknown;
  readonly NotResource?: unknown;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** A string or a list of them (IAM allows both), as a list. */
const list = (value: unknown): unknown[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

/** The identity-based policy documents a resource carries, parsed when given as JSON text. */
function documentsOf(resource: PolicyResource): unknown[] {
  const { type, props } = resource;
  if (type === "aws:iam/rolePolicy:RolePolicy" || type === "aws:iam/policy:Policy")
    return [props["policy"]];
  if (type === "aws:iam/role:Role")
    return list(props["inlinePolicies"]).map((p) => (isRecord(p) ? p["policy"] : undefined));
  return [];
}

/** The statements that allow something, over every document of the resource. */
function allowStatements(resource: PolicyResource): Statement[] {
  return documentsOf(resource).flatMap((document) => {
    let parsed: unknown = document;
    if (typeof document === "string") {
      try {
        parsed = JSON.parse(document);
      } catch {
        return [];
      }
    }
    if (!isRecord(parsed)) return [];
    return list(parsed["Statement"]).filter(
      (s): s is Statement => isRecord(s) && s["Effect"] === "Allow",
    );
  });
}

const label = (statement: Statement, index: number): string =>
  typeof statement.Sid === "string" ? `statement ${statement.Sid}` : `statement ${index}`;

/**
 * Whether an ARN names specific resources: a known account and region (or none, for global
 * services), and a resource part that is more than a type with a wildcard
 * (`table/*`, `function:*`). `...:log-group:/aws/lambda/f:log-stream:*` (one group's streams) is
 * scoped.
 */
export function isScopedArn(arn: string): boolean {
  const parts = arn.split(":");
  if (parts.length < 6 || parts[0] !== "arn") return false;
  const [, , , region = "", account = ""] = parts;
  const resource = parts.slice(5).join(":");
  if (region.includes("*") || account.includes("*")) return false;
  return resource !== "" && !/^\*$|^[A-Za-z-]+[/:]\*$/.test(resource);
}

const table = "aws:dynamodb/table:Table";
const stream = "aws:kinesis/stream:Stream";

/** Every policy of the pack. */
export const projectPolicies: readonly ProjectPolicy[] = [
  {
    name: "iam-no-wildcard-actions",
    description:
      'IAM statements allow named actions only: no "*", no service-wide "service:*", no NotAction.',
    validate: (resource) =>
      allowStatements(resource).flatMap((statement, i) => {
        const problems: string[] = [];
        if (statement.NotAction !== undefined)
          problems.push(`${label(statement, i)} allows by NotAction, that is every other action`);
        for (const action of list(statement.Action)) {
          if (typeof action !== "string" || action === "*" || /^[^:]+:\*$/.test(action))
            problems.push(`${label(statement, i)} allows ${JSON.stringify(action)}`);
        }
        return problems;
      }),
  },
  {
    name: "iam-resources-scoped",
    description:
      'IAM statements name the resources they allow: no "*", no NotResource, no ARN with a wildcard account, region or resource.',
    validate: (resource) =>
      allowStatements(resource).flatMap((statement, i) => {
        const problems: string[] = [];
        if (statement.NotResource !== undefined)
          problems.push(
            `${label(statement, i)} allows by NotResource, that is every other resource`,
          );
        const resources = list(statement.Resource);
        if (resources.length === 0) problems.push(`${label(statement, i)} names no resource`);
        for (const arn of resources) {
          // Checked at `pulumi up`, where it is known (iam-resources-known-at-up says so).
          if (arn === unknownValue) continue;
          if (typeof arn !== "string" || !isScopedArn(arn))
            problems.push(
              `${label(statement, i)} allows on ${JSON.stringify(arn)}; expected the ARN of a specific resource`,
            );
        }
        return problems;
      }),
  },
  {
    name: "iam-resources-known-at-up",
    description:
      "Says what of a resource's IAM policies a preview cannot know yet (a whole document, or the ARNs of resources not yet created), which the IAM policies check at pulumi up.",
    enforcementLevel: "advisory",
    validate: (resource) => {
      // pulumi-aws keeps a document as JSON text: one unknown ARN makes the whole text unknown.
      const unknownDocuments = documentsOf(resource).filter((d) => d === unknownValue).length;
      const pending = allowStatements(resource).flatMap((statement, i) => {
        const unknown = list(statement.Resource).filter((arn) => arn === unknownValue).length;
        return unknown === 0 ? [] : [`${label(statement, i)}: ${unknown}`];
      });
      return [
        ...(unknownDocuments === 0
          ? []
          : [
              `iam-no-wildcard-actions and iam-resources-scoped check at pulumi up ` +
                `${unknownDocuments === 1 ? "the policy document" : `${unknownDocuments} policy documents`} ` +
                `this preview cannot know yet (it names resources still to be created)`,
            ]),
        ...(pending.length === 0
          ? []
          : [
              `iam-resources-scoped checks at pulumi up the resources this preview cannot know yet ` +
                `(ARNs of resources still to be created), by statement: ${pending.join(", ")}; ` +
                `every other statement and resource was checked now`,
            ]),
      ];
    },
  },
  {
    name: "kinesis-stream-encrypted",
    description: "Kinesis streams are encrypted with KMS.",
    validate: ({ type, props }) =>
      type === stream && (props["encryptionType"] !== "KMS" || !props["kmsKeyId"])
        ? [
            `encryptionType is ${JSON.stringify(props["encryptionType"] ?? null)} and kmsKeyId ${JSON.stringify(props["kmsKeyId"] ?? null)}; expected KMS with a key (alias/aws/kinesis or a key ARN)`,
          ]
        : [],
  },
  {
    // Named as @pulumi/awsguard's rule, which only checks that a given setting is not disabled.
    name: "dynamodb-table-encryption-enabled",
    description:
      "DynamoDB tables are encrypted with a KMS key (serverSideEncryption.enabled), so key use shows in CloudTrail.",
    validate: ({ type, props }) =>
      type === table &&
      !(
        isRecord(props["serverSideEncryption"]) && props["serverSideEncryption"]["enabled"] === true
      )
        ? ["serverSideEncryption.enabled is not true; expected a KMS-encrypted table"]
        : [],
  },
  {
    name: "sqs-queue-encrypted",
    description: "SQS queues are encrypted (SQS-managed SSE or a KMS key).",
    validate: ({ type, props }) =>
      type === "aws:sqs/queue:Queue" &&
      props["sqsManagedSseEnabled"] !== true &&
      !props["kmsMasterKeyId"]
        ? ["neither sqsManagedSseEnabled nor kmsMasterKeyId is set; expected an encrypted queue"]
        : [],
  },
  {
    name: "dynamodb-table-point-in-time-recovery",
    description: "DynamoDB tables can be restored to any second of the last 35 days.",
    validate: ({ type, props }) =>
      type === table &&
      !(isRecord(props["pointInTimeRecovery"]) && props["pointInTimeRecovery"]["enabled"] === true)
        ? ["pointInTimeRecovery.enabled is not true; expected point-in-time recovery"]
        : [],
  },
  {
    name: "log-group-retention",
    description: "CloudWatch log groups expire their events (retentionInDays is set).",
    validate: ({ type, props }) => {
      const days = props["retentionInDays"];
      return type === "aws:cloudwatch/logGroup:LogGroup" && !(typeof days === "number" && days > 0)
        ? [
            `retentionInDays is ${JSON.stringify(days ?? null)}; expected a number of days (without it, logs are kept and paid for forever)`,
          ]
        : [];
    },
  },
  {
    name: "data-protected-from-deletion",
    description:
      "Resources that hold data survive a mistaken delete: tables have deletionProtectionEnabled or protect, the stream protect.",
    validate: ({ type, props, protect }) => {
      if (type === table && props["deletionProtectionEnabled"] !== true && !protect)
        return [
          "neither deletionProtectionEnabled nor the protect option is set; a replacement or deletion would lose every item",
        ];
      // CrossGuard does not see retainOnDelete, so the stream needs protect.
      if (type === stream && !protect)
        return ["the protect option is not set; a replacement or deletion would lose its records"];
      return [];
    },
  },
  {
    name: "alarms-have-actions",
    description:
      "CloudWatch alarms notify someone: alarmActions is not empty and actions are enabled.",
    validate: ({ type, props }) => {
      if (type !== "aws:cloudwatch/metricAlarm:MetricAlarm") return [];
      if (props["actionsEnabled"] === false) return ["actionsEnabled is false; nobody is told"];
      return list(props["alarmActions"]).length === 0
        ? ["alarmActions is empty; nobody is told (config alarmTopic: create or a topic ARN)"]
        : [];
    },
  },
];
