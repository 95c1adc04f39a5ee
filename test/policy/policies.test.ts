import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { computePlan } from "../../infra/plan/computePlan";
import type { Plan } from "../../infra/plan/model";
import {
  isScopedArn,
  type PolicyResource,
  type ProjectPolicy,
  projectPolicies,
  unknownValue,
} from "../../policy/policies";

const root = path.join(__dirname, "..", "..");
const arn = {
  stream: "arn:aws:kinesis:us-west-2:123456789012:stream/s",
  table: "arn:aws:dynamodb:us-west-2:123456789012:table/t",
  logStreams: "arn:aws:logs:us-west-2:123456789012:log-group:/aws/lambda/f:log-stream:*",
};

const resource = (
  type: string,
  props: Record<string, unknown>,
  protect = false,
): PolicyResource => ({ type, name: "r", props, protect });
const rolePolicy = (...statements: Record<string, unknown>[]): PolicyResource =>
  resource("aws:iam/rolePolicy:RolePolicy", {
    policy: { Version: "2012-10-17", Statement: statements },
  });
const allow = (Action: unknown, Resource: unknown): Record<string, unknown> => ({
  Sid: "S",
  Effect: "Allow",
  Action,
  Resource,
});
const table = (props: Record<string, unknown>, protect = false): PolicyResource =>
  resource(
    "aws:dynamodb/table:Table",
    {
      serverSideEncryption: { enabled: true },
      pointInTimeRecovery: { enabled: true },
      deletionProtectionEnabled: true,
      ...props,
    },
    protect,
  );

/** Per policy: resources it accepts and resources it rejects, with a part of the message. */
const cases: Record<string, { pass: PolicyResource[]; fail: [PolicyResource, RegExp][] }> = {
  "iam-no-wildcard-actions": {
    pass: [
      rolePolicy(allow(["dynamodb:BatchWriteItem"], [arn.table])),
      // A Deny may name anything; the rules are about what is allowed.
      rolePolicy({ Effect: "Deny", Action: "*", Resource: "*" }),
      resource("aws:sqs/queue:Queue", {}),
    ],
    fail: [
      [rolePolicy(allow("*", [arn.table])), /statement S allows "\*"/],
      [rolePolicy(allow(["dynamodb:*"], [arn.table])), /allows "dynamodb:\*"/],
      [
        rolePolicy({ Sid: "N", Effect: "Allow", NotAction: ["iam:*"], Resource: [arn.table] }),
        /statement N allows by NotAction/,
      ],
      [
        resource("aws:iam/policy:Policy", {
          policy: JSON.stringify({ Statement: [allow("s3:*", [arn.table])] }),
        }),
        /allows "s3:\*"/,
      ],
      [
        resource("aws:iam/role:Role", {
          inlinePolicies: [{ name: "p", policy: JSON.stringify({ Statement: [allow("*", "*")] }) }],
        }),
        /allows "\*"/,
      ],
    ],
  },
  "iam-resources-scoped": {
    pass: [
      rolePolicy(allow(["logs:PutLogEvents"], [arn.logStreams, arn.stream])),
      // A preview's unknown ARN is left to `pulumi up`; the known ones are still checked.
      rolePolicy(allow(["kinesis:GetRecords"], [unknownValue, arn.stream])),
    ],
    fail: [
      [rolePolicy(allow(["kinesis:GetRecords"], [unknownValue, "*"])), /allows on "\*"/],
      [rolePolicy(allow(["kinesis:GetRecords"], "*")), /allows on "\*"; expected the ARN/],
      [
        rolePolicy(
          allow(["dynamodb:PutItem"], ["arn:aws:dynamodb:us-west-2:123456789012:table/*"]),
        ),
        /table\/\*/,
      ],
      [rolePolicy(allow(["dynamodb:PutItem"], ["arn:aws:dynamodb:*:*:table/t"])), /\*:\*:table/],
      [rolePolicy(allow(["dynamodb:PutItem"], [])), /names no resource/],
      [
        rolePolicy({ Effect: "Allow", Action: ["s3:GetObject"], NotResource: [arn.table] }),
        /statement 0 allows by NotResource/,
      ],
    ],
  },
  "iam-resources-known-at-up": {
    pass: [rolePolicy(allow(["kinesis:GetRecords"], [arn.stream]))],
    fail: [
      [
        rolePolicy(allow(["kinesis:GetRecords"], [unknownValue, arn.stream, unknownValue])),
        /checks at pulumi up the resources this preview cannot know yet .* statement S: 2;/,
      ],
      [
        resource("aws:iam/rolePolicy:RolePolicy", { policy: unknownValue }),
        /check at pulumi up the policy document this preview cannot know yet/,
      ],
    ],
  },
  "kinesis-stream-encrypted": {
    pass: [
      resource("aws:kinesis/stream:Stream", {
        encryptionType: "KMS",
        kmsKeyId: "alias/aws/kinesis",
      }),
    ],
    fail: [
      [
        resource("aws:kinesis/stream:Stream", { encryptionType: "NONE" }),
        /encryptionType is "NONE"/,
      ],
      [resource("aws:kinesis/stream:Stream", { encryptionType: "KMS" }), /kmsKeyId null/],
    ],
  },
  "dynamodb-table-encryption-enabled": {
    pass: [table({})],
    fail: [
      [table({ serverSideEncryption: undefined }), /serverSideEncryption.enabled is not true/],
      [table({ serverSideEncryption: { enabled: false } }), /expected a KMS-encrypted table/],
    ],
  },
  "sqs-queue-encrypted": {
    pass: [
      resource("aws:sqs/queue:Queue", { sqsManagedSseEnabled: true }),
      resource("aws:sqs/queue:Queue", { kmsMasterKeyId: "alias/aws/sqs" }),
    ],
    fail: [
      [resource("aws:sqs/queue:Queue", {}), /neither sqsManagedSseEnabled nor kmsMasterKeyId/],
    ],
  },
  "dynamodb-table-point-in-time-recovery": {
    pass: [table({})],
    fail: [[table({ pointInTimeRecovery: { enabled: false } }), /pointInTimeRecovery.enabled/]],
  },
  "log-group-retention": {
    pass: [resource("aws:cloudwatch/logGroup:LogGroup", { retentionInDays: 14 })],
    fail: [
      [resource("aws:cloudwatch/logGroup:LogGroup", {}), /retentionInDays is null/],
      [
        resource("aws:cloudwatch/logGroup:LogGroup", { retentionInDays: 0 }),
        /retentionInDays is 0/,
      ],
    ],
  },
  "data-protected-from-deletion": {
    pass: [
      table({}),
      table({ deletionProtectionEnabled: false }, true),
      resource("aws:kinesis/stream:Stream", {}, true),
    ],
    fail: [
      [
        table({ deletionProtectionEnabled: false }),
        /neither deletionProtectionEnabled nor the protect/,
      ],
      [resource("aws:kinesis/stream:Stream", {}), /protect option is not set; .* records/],
    ],
  },
  "alarms-have-actions": {
    pass: [
      resource("aws:cloudwatch/metricAlarm:MetricAlarm", {
        alarmActions: ["arn:aws:sns:us-west-2:1:t"],
      }),
    ],
    fail: [
      [
        resource("aws:cloudwatch/metricAlarm:MetricAlarm", { alarmActions: [] }),
        /alarmActions is empty/,
      ],
      [
        resource("aws:cloudwatch/metricAlarm:MetricAlarm", {
          alarmActions: ["arn:aws:sns:us-west-2:1:t"],
          actionsEnabled: false,
        }),
        /actionsEnabled is false/,
      ],
    ],
  },
};

const policy = (name: string): ProjectPolicy => {
  const found = projectPolicies.find((p) => p.name === name);
  if (found === undefined) throw new Error(`no policy ${name}`);
  return found;
};

/** A stack's policy config (`policy/config/<stack>.json`). */
const stackConfig = (stack: string): Record<string, { enforcementLevel: string; reason: string }> =>
  JSON.parse(fs.readFileSync(path.join(root, "policy", "config", `${stack}.json`), "utf8"));

/** Every violation of every policy over a plan's resources, as `policy: type name: message`. */
function violations(plan: Plan): { policy: string; text: string }[] {
  return plan.resources.flatMap((r) =>
    projectPolicies.flatMap((p) =>
      p
        .validate({
          type: r.type,
          name: r.name,
          props: r.inputs,
          protect: r.options?.protect === true,
        })
        .map((message) => ({ policy: p.name, text: `${p.name}: ${r.type} ${r.name}: ${message}` })),
    ),
  );
}

describe("the CrossGuard policy pack (policy/)", () => {
  it("has a case table for exactly its policies, each name once", () => {
    const names = projectPolicies.map((p) => p.name);
    expect(new Set(names).size).to.equal(names.length);
    expect(Object.keys(cases).sort()).to.deep.equal([...names].sort());
  });

  for (const [name, { pass, fail }] of Object.entries(cases)) {
    describe(name, () => {
      it("accepts compliant resources", () => {
        for (const r of pass) expect(policy(name).validate(r), JSON.stringify(r)).to.deep.equal([]);
      });
      it("rejects each violation with a message that says what is wrong", () => {
        for (const [r, message] of fail) {
          const found = policy(name).validate(r);
          expect(found, JSON.stringify(r)).to.have.length.greaterThan(0);
          expect(found.join("\n")).to.match(message);
        }
      });
    });
  }

  it("is a pack Pulumi can load: a nodejs PulumiPolicy.yaml, and a package.json with the version @pulumi/policy reads", () => {
    const pack = path.join(root, "policy");
    expect(parse(fs.readFileSync(path.join(pack, "PulumiPolicy.yaml"), "utf8"))).to.include({
      runtime: "nodejs",
    });
    const manifest = JSON.parse(fs.readFileSync(path.join(pack, "package.json"), "utf8")) as {
      version?: string;
      main?: string;
    };
    expect(manifest.version).to.match(/^\d+\.\d+\.\d+$/);
    expect(fs.existsSync(path.join(pack, manifest.main ?? "index.js"))).to.equal(true);
  });

  it("tells specific ARNs from wildcards", () => {
    for (const scoped of [
      arn.stream,
      arn.table,
      arn.logStreams,
      "arn:aws:iam::123456789012:role/r",
    ])
      expect(isScopedArn(scoped), scoped).to.equal(true);
    for (const wide of [
      "*",
      "arn:aws:s3:::*",
      "arn:aws:lambda:us-west-2:1:function:*",
      "arn:aws:sqs:*:1:q",
      "table/t",
    ])
      expect(isScopedArn(wide), wide).to.equal(false);
  });

  for (const stack of ["dev", "lab", "scale"]) {
    it(`passes the ${stack} stack's plan except where policy/config/${stack}.json relaxes a policy it needs to, with a reason`, async () => {
      const config = stackConfig(stack);
      for (const [name, setting] of Object.entries(config)) {
        expect(
          projectPolicies.map((p) => p.name),
          `policy/config/${stack}.json`,
        ).to.include(name);
        expect(["advisory", "disabled"]).to.include(setting.enforcementLevel);
        expect(setting.reason, `${name} in policy/config/${stack}.json`).to.match(/\w{3}/);
      }
      const found = violations(await computePlan(stack));
      expect(found.filter((v) => config[v.policy] === undefined).map((v) => v.text)).to.deep.equal(
        [],
      );
      // A policy relaxed for nothing would hide the next violation of it.
      for (const name of Object.keys(config))
        expect(
          found.some((v) => v.policy === name),
          `policy/config/${stack}.json relaxes ${name}, which the stack does not violate`,
        ).to.equal(true);
    });
  }

  it("enforces least privilege on the roles the repository's stacks create: no finding at all", async () => {
    const iam = ["iam-no-wildcard-actions", "iam-resources-scoped"];
    for (const stack of ["dev", "lab", "scale"]) {
      const found = violations(await computePlan(stack)).filter((v) => iam.includes(v.policy));
      expect(found, stack).to.deep.equal([]);
    }
  });
});
