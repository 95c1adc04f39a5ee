import { expect } from "chai";
import { createRequire, isBuiltin } from "module";
import * as pulumi from "@pulumi/pulumi";
import { readApplicationSql } from "../../sql/applications";
import { clickInputSchema, productInputSchema, readSessionizeSql } from "../../sql/inputSchema";
import { kdaSqlEndOfLifeWarning, kdaSqlEngineType } from "../../infra/engines/kdaSql";
import { pipelineType } from "../../infra/pipeline";
import {
  account,
  autoName,
  resourceType,
  runStack,
  type MockedStack,
  type PolicyDocument,
} from "./mockedStack";

/** The application's `inputs` and `outputs` as the mocks received them. */
interface ApplicationInputs {
  namePrefix: string;
  kinesisStream: { resourceArn: string; roleArn: string };
  schema: unknown;
  startingPositionConfigurations: unknown;
}
interface ApplicationOutput {
  name: string;
  lambda: { resourceArn: string; roleArn: string };
  schema: unknown;
}

const policyOf = (stack: MockedStack, suffix: string): PolicyDocument =>
  stack.one(resourceType.rolePolicy, suffix).inputs["policy"] as PolicyDocument;
const input = <T>(stack: MockedStack, type: string, suffix: string, key: string): T =>
  stack.one(type, suffix).inputs[key] as T;

/** The dev stack runs the lambda engine; these rules are about the KDA SQL wiring. */
const kdaSql = { "clickstream-sessionizer:engine": "kda-sql" } as const;
/** `pulumi up` refuses engine kda-sql, so its stacks run as `pulumi preview` does. */
const preview = { preview: true } as const;

describe("the pipeline component (dev stack with engine kda-sql, under mocks)", () => {
  let dev: MockedStack;
  before(async () => {
    dev = await runStack("dev", kdaSql, preview);
  });

  it("deploys the SQL application with code byte-identical to the stack's SQL, sql/product.sql", () => {
    expect(input(dev, resourceType.application, "", "code")).to.equal(
      readApplicationSql("product"),
    );
  });

  it("deploys the lab's sql/sessionize.sql, with the lab's input schema, in the lab stack", async () => {
    const lab = await runStack("lab", {}, preview);
    expect(input(lab, resourceType.application, "", "code")).to.equal(readSessionizeSql());
    const inputs = input<ApplicationInputs>(lab, resourceType.application, "", "inputs");
    expect(inputs.schema).to.have.deep.property(
      "recordColumns",
      clickInputSchema.columns.map((c) => ({
        name: c.name,
        sqlType: c.sqlType,
        mapping: c.mapping,
      })),
    );
  });

  it("gives the application the input schema of sql/inputSchema.ts, JSON at row path $ in UTF-8", () => {
    const inputs = input<ApplicationInputs>(dev, resourceType.application, "", "inputs");
    expect(inputs.namePrefix).to.equal("SOURCE_SQL_STREAM");
    expect(inputs.schema).to.deep.equal({
      recordColumns: productInputSchema.columns.map((c) => ({
        name: c.name,
        sqlType: c.sqlType,
        mapping: c.mapping,
      })),
      recordEncoding: "UTF-8",
      recordFormat: {
        recordFormatType: "JSON",
        mappingParameters: { json: { recordRowPath: "$" } },
      },
    });
    expect(inputs.startingPositionConfigurations).to.deep.equal([{ startingPosition: "NOW" }]);
  });

  it("reads the application's input from this stack's stream", () => {
    const inputs = input<ApplicationInputs>(dev, resourceType.application, "", "inputs");
    expect(inputs.kinesisStream.resourceArn).to.equal(
      `arn:aws:kinesis:us-west-2:${account}:stream/clickstream-sessionizer-dev-stream`,
    );
  });

  it("sends DESTINATION_SQL_STREAM to the delivery function's ARN as JSON", () => {
    const outputs = input<ApplicationOutput[]>(dev, resourceType.application, "", "outputs");
    const destination = outputs.find((o) => o.name === "DESTINATION_SQL_STREAM");
    expect(destination?.lambda.resourceArn).to.equal(
      `arn:aws:lambda:us-west-2:${account}:function:clickstream-sessionizer-dev-function`,
    );
    expect(destination?.schema).to.deep.equal({ recordFormatType: "JSON" });
  });

  it("sends error_stream to the same function as JSON, which files it in the dead-letter table", () => {
    const outputs = input<ApplicationOutput[]>(dev, resourceType.application, "", "outputs");
    const errors = outputs.find((o) => o.name === "error_stream");
    expect(errors?.lambda.resourceArn).to.equal(
      `arn:aws:lambda:us-west-2:${account}:function:clickstream-sessionizer-dev-function`,
    );
    expect(errors?.schema).to.deep.equal({ recordFormatType: "JSON" });
  });

  it("lets the application's role invoke exactly the delivery function and nothing else", () => {
    const roleName = autoName(
      "sessionizer-application-role",
      "clickstream-sessionizer-dev-us-west-2-",
    );
    const applicationRole = `arn:aws:iam::${account}:role/${roleName}`;
    const outputs = input<ApplicationOutput[]>(dev, resourceType.application, "", "outputs");
    for (const output of outputs) expect(output.lambda.roleArn).to.equal(applicationRole);
    const lambdaStatements = policyOf(dev, "application-policy").Statement.filter((s) =>
      s.Action.some((a) => a.startsWith("lambda:")),
    );
    expect(lambdaStatements).to.have.length(1);
    expect(lambdaStatements[0]!.Action).to.include("lambda:InvokeFunction");
    expect(lambdaStatements[0]!.Resource).to.deep.equal([
      `arn:aws:lambda:us-west-2:${account}:function:clickstream-sessionizer-dev-function`,
    ]);
  });

  it("lets the application read only this stream and log only to its own log stream", () => {
    const statements = policyOf(dev, "application-policy").Statement;
    const read = statements.find((s) => s.Sid === "ReadInputStream");
    expect(read?.Resource).to.deep.equal([
      `arn:aws:kinesis:us-west-2:${account}:stream/clickstream-sessionizer-dev-stream`,
    ]);
    const log = statements.find((s) => s.Sid === "WriteApplicationLog");
    expect(log?.Resource).to.deep.equal([
      `arn:aws:logs:us-west-2:${account}:log-group:/aws/kinesis-analytics/clickstream-sessionizer-dev-application:log-stream:${autoName("sessionizer-application-log-stream")}`,
    ]);
    expect(statements.map((s) => s.Sid)).to.not.include("DecryptInputStream");
  });

  it("lets the function write only to the two tables and its own log group", () => {
    const statements = policyOf(dev, "function-policy").Statement;
    const resources = [...new Set(statements.flatMap((s) => s.Resource))].sort();
    expect(resources).to.deep.equal([
      `arn:aws:dynamodb:us-west-2:${account}:table/clickstream-sessionizer-dev-dead-letters`,
      `arn:aws:dynamodb:us-west-2:${account}:table/clickstream-sessionizer-dev-sessions`,
      `arn:aws:logs:us-west-2:${account}:log-group:/aws/lambda/clickstream-sessionizer-dev-function:log-stream:*`,
    ]);
    expect(
      statements
        .flatMap((s) => s.Action)
        .every((a) =>
          /^(dynamodb:(BatchWriteItem|DescribeTable)|logs:(CreateLogStream|PutLogEvents))$/.test(a),
        ),
    ).to.equal(true);
  });

  it('has no policy statement with Action or Resource "*"', () => {
    const documents = dev
      .all(resourceType.rolePolicy)
      .map((p) => p.inputs["policy"] as PolicyDocument);
    expect(documents).to.have.length(2);
    for (const statement of documents.flatMap((d) => d.Statement)) {
      expect(statement.Action, statement.Sid).to.not.include("*");
      expect(statement.Resource, statement.Sid).to.not.include("*");
      for (const action of statement.Action)
        expect(action, statement.Sid).to.not.match(/^[a-z0-9-]+:\*$/);
    }
  });

  it("encrypts the stream with KMS (the AWS-managed key by default) and keeps records 24 h", () => {
    const stream = dev.one(resourceType.stream).inputs;
    expect(stream["encryptionType"]).to.equal("KMS");
    expect(stream["kmsKeyId"]).to.equal("alias/aws/kinesis");
    expect(stream["retentionPeriod"]).to.be.at.least(24);
    expect(stream["streamModeDetails"]).to.deep.equal({ streamMode: "PROVISIONED" });
    expect(stream["shardCount"]).to.equal(1);
  });

  it("encrypts both tables, recovers them to a point in time and bills on demand", () => {
    for (const table of dev.all(resourceType.table)) {
      expect(table.inputs["serverSideEncryption"], table.name).to.deep.equal({ enabled: true });
      expect(table.inputs["pointInTimeRecovery"], table.name).to.deep.equal({ enabled: true });
      expect(table.inputs["billingMode"], table.name).to.equal("PAY_PER_REQUEST");
    }
    expect(input(dev, resourceType.table, "-sessions", "hashKey")).to.equal("session_id");
  });

  it("runs the function on Node.js 22 with the lab's 60 s timeout, the table names in its environment", () => {
    const fn = dev.one(resourceType.function).inputs;
    expect(fn["runtime"]).to.equal("nodejs22.x");
    expect(fn["timeout"]).to.equal(60);
    expect(fn["memorySize"]).to.equal(256);
    expect(fn["environment"]).to.deep.equal({
      variables: {
        SESSIONS_TABLE: "clickstream-sessionizer-dev-sessions",
        DEAD_LETTER_TABLE: "clickstream-sessionizer-dev-dead-letters",
        NODE_OPTIONS: "--enable-source-maps",
      },
    });
    expect(fn["loggingConfig"]).to.deep.include({
      logGroup: "/aws/lambda/clickstream-sessionizer-dev-function",
    });
  });

  it("deploys the handler bundled by esbuild as index.js, loadable with the environment it is given", async () => {
    const fn = dev.one(resourceType.function).inputs;
    const assets = await (fn["code"] as pulumi.asset.AssetArchive).assets;
    const text = await (assets["index.js"] as pulumi.asset.StringAsset).text;
    const { variables } = fn["environment"] as { variables: Record<string, string> };
    const saved = { ...process.env };
    Object.assign(process.env, variables);
    try {
      // The bundle alone (Node's own modules aside): it must not reach for node_modules.
      const nodeBuiltinsOnly = (id: string): unknown => {
        if (!isBuiltin(id)) throw new Error(`the bundle requires ${id}`);
        return createRequire(__filename)(id);
      };
      const module = { exports: {} as Record<string, unknown> };
      new Function("module", "exports", "require", text)(module, module.exports, nodeBuiltinsOnly);
      expect(module.exports["handler"]).to.be.a("function");
    } finally {
      for (const key of Object.keys(variables)) {
        if (saved[key] === undefined) delete process.env[key];
        else process.env[key] = saved[key];
      }
    }
  });

  it("keeps both log groups for the configured number of days", () => {
    for (const group of dev.all(resourceType.logGroup))
      expect(group.inputs["retentionInDays"], group.name).to.equal(14);
  });

  it("alarms on function errors and throttles, iterator age, MillisBehindLatest, table throttles, dead letters written and table errors", () => {
    const metrics = dev
      .all(resourceType.alarm)
      .map((a) => `${a.inputs["namespace"]}/${a.inputs["metricName"]}`)
      .sort();
    expect(metrics).to.deep.equal([
      "AWS/DynamoDB/WriteThrottleEvents",
      "AWS/DynamoDB/WriteThrottleEvents",
      "AWS/Kinesis/GetRecords.IteratorAgeMilliseconds",
      "AWS/KinesisAnalytics/MillisBehindLatest",
      "AWS/Lambda/Errors",
      "AWS/Lambda/Throttles",
      "ClickstreamSessionizer/DeadLetters",
      "ClickstreamSessionizer/TableErrors",
    ]);
    const behind = dev.one(resourceType.alarm, "application-behind").inputs["dimensions"];
    expect(behind).to.deep.equal({
      Application: "clickstream-sessionizer-dev-application",
      Flow: "Input",
      Id: "1.1",
    });
  });

  it("parents the shared resources to the pipeline, the engine's to its component under the pipeline, and the pipeline to the stack", () => {
    const pipeline = `${pipelineType}::sessionizer`;
    expect(dev.one(pipelineType).parent).to.equal(
      "pulumi:pulumi:Stack::clickstream-sessionizer-dev",
    );
    expect(dev.one(kdaSqlEngineType).parent).to.equal(pipeline);
    const shared = ["stream", "sessions", "dead-letters", "stream-iterator-age"]
      .concat(["sessions-throttles", "dead-letters-throttles", "alarms"])
      .map((part) => `sessionizer-${part}`);
    const children = dev.resources.filter((r) => r.type.startsWith("aws:"));
    expect(children.length).to.be.greaterThan(15);
    for (const child of children) {
      expect(child.parent, child.name).to.equal(
        shared.includes(child.name) ? pipeline : `${kdaSqlEngineType}::sessionizer`,
      );
      expect(child.name, child.type).to.match(/^sessionizer-/);
    }
  });

  it("warns at plan time that AWS ended KDA SQL and what pulumi up will do", () => {
    expect(dev.warnings).to.include(kdaSqlEndOfLifeWarning);
    expect(kdaSqlEndOfLifeWarning).to.contain("2026-01-27").and.contain("pulumi up");
  });

  it("exports the names, the stream ARN and a simulator command for this stack", async () => {
    expect(dev.outputs).to.include({
      region: "us-west-2",
      streamName: "clickstream-sessionizer-dev-stream",
      streamArn: `arn:aws:kinesis:us-west-2:${account}:stream/clickstream-sessionizer-dev-stream`,
      applicationName: "clickstream-sessionizer-dev-application",
      functionName: "clickstream-sessionizer-dev-function",
      sessionsTableName: "clickstream-sessionizer-dev-sessions",
      deadLetterTableName: "clickstream-sessionizer-dev-dead-letters",
      simulatorCommand:
        "npm run simulate -- --stream clickstream-sessionizer-dev-stream --region us-west-2",
    });
  });
});

describe("the pipeline component with other settings", () => {
  it("holds the same shared resources whichever engine runs, and each engine's own under one child component", async () => {
    const pipeline = `${pipelineType}::sessionizer`;
    const sharedOf = async (engine: string): Promise<string[]> => {
      const stack = await runStack("dev", { "clickstream-sessionizer:engine": engine }, preview);
      const children = stack.resources.filter((r) => r.parent === pipeline);
      const engines = children.filter((r) => r.type.startsWith("clickstream-sessionizer:engines:"));
      expect(engines.map((r) => r.name)).to.deep.equal(["sessionizer"]);
      return children.filter((r) => !engines.includes(r)).map((r) => `${r.type}::${r.name}`);
    };
    expect(await sharedOf("lambda")).to.deep.equal(await sharedOf("kda-sql"));
  });

  it("uses the lab's exact names in the lab stack", async () => {
    const lab = await runStack("lab", {}, preview);
    expect(input(lab, resourceType.stream, "", "name")).to.equal("lab-stream");
    expect(input(lab, resourceType.application, "", "name")).to.equal("lab-application");
    expect(input(lab, resourceType.function, "", "name")).to.equal("lab-function");
    expect(input(lab, resourceType.table, "-sessions", "name")).to.equal("CloudAcademyLabs");
  });

  it("grants kms:Decrypt on a customer-managed key, only through Kinesis, when the stream uses one", async () => {
    const key = `arn:aws:kms:us-west-2:${account}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
    const stack = await runStack(
      "dev",
      { ...kdaSql, "clickstream-sessionizer:streamKmsKey": key },
      preview,
    );
    expect(input(stack, resourceType.stream, "", "kmsKeyId")).to.equal(key);
    const decrypt = policyOf(stack, "application-policy").Statement.find(
      (s) => s.Sid === "DecryptInputStream",
    );
    expect(decrypt?.Action).to.deep.equal(["kms:Decrypt"]);
    expect(decrypt?.Resource).to.deep.equal([key]);
    expect(decrypt?.Condition).to.deep.equal({
      StringEquals: { "kms:ViaService": "kinesis.us-west-2.amazonaws.com" },
    });
  });

  it("creates an on-demand stream without a shard count, with every shard-level metric for ALL", async () => {
    const stack = await runStack("dev", {
      "clickstream-sessionizer:streamMode": "on-demand",
      "clickstream-sessionizer:shardCount": undefined,
      "clickstream-sessionizer:shardLevelMetrics": '["ALL"]',
      "clickstream-sessionizer:retentionHours": "48",
    });
    const stream = stack.one(resourceType.stream).inputs;
    expect(stream["streamModeDetails"]).to.deep.equal({ streamMode: "ON_DEMAND" });
    expect(stream).to.not.have.property("shardCount");
    expect(stream["retentionPeriod"]).to.equal(48);
    expect(stream["shardLevelMetrics"]).to.have.length(7).and.include("IteratorAgeMilliseconds");
  });

  it("creates an alarm topic on request and points every alarm at it", async () => {
    const stack = await runStack("dev", { "clickstream-sessionizer:alarmTopic": "create" });
    const topicArn = `arn:aws:sns:us-west-2:${account}:${autoName("sessionizer-alarms")}`;
    expect(stack.one(resourceType.topic).inputs).to.not.have.property("name");
    for (const alarm of stack.all(resourceType.alarm))
      expect(alarm.inputs["alarmActions"], alarm.name).to.deep.equal([topicArn]);
    expect(stack.outputs["alarmTopicArn"]).to.equal(topicArn);
  });

  it("creates an alarm topic that mails an address given as alarmTopic", async () => {
    const stack = await runStack("dev", {
      "clickstream-sessionizer:alarmTopic": "ops@example.com",
    });
    const topicArn = `arn:aws:sns:us-west-2:${account}:${autoName("sessionizer-alarms")}`;
    expect(stack.one(resourceType.topicSubscription).inputs).to.deep.include({
      topic: topicArn,
      protocol: "email",
      endpoint: "ops@example.com",
    });
    for (const alarm of stack.all(resourceType.alarm))
      expect(alarm.inputs["alarmActions"], alarm.name).to.deep.equal([topicArn]);
  });

  it("points every alarm at an existing topic given by its ARN, creating none", async () => {
    const topicArn = `arn:aws:sns:us-west-2:${account}:ops`;
    const stack = await runStack("dev", { "clickstream-sessionizer:alarmTopic": topicArn });
    expect(stack.all(resourceType.topic)).to.deep.equal([]);
    for (const alarm of stack.all(resourceType.alarm))
      expect(alarm.inputs["alarmActions"], alarm.name).to.deep.equal([topicArn]);
  });

  it("protects the tables from deletion and stops auto-start when configured", async () => {
    const stack = await runStack(
      "dev",
      {
        ...kdaSql,
        "clickstream-sessionizer:deletionProtection": "true",
        "clickstream-sessionizer:startApplication": "false",
        "clickstream-sessionizer:startingPosition": "TRIM_HORIZON",
      },
      preview,
    );
    for (const table of stack.all(resourceType.table))
      expect(table.inputs["deletionProtectionEnabled"]).to.equal(true);
    expect(input(stack, resourceType.application, "", "startApplication")).to.equal(false);
    expect(
      input<Record<string, unknown>>(stack, resourceType.application, "", "inputs")[
        "startingPositionConfigurations"
      ],
    ).to.deep.equal([{ startingPosition: "TRIM_HORIZON" }]);
  });
});
