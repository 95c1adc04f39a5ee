import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { readApplicationSql } from "../../sql/applications";
import { clickInputSchema, productInputSchema, readSessionizeSql } from "../../sql/inputSchema";
import { stateTableShape } from "../../sql/contracts";
import { kdaSqlEndOfLifeWarning } from "../../infra/engines/kdaSql";
import {
  account,
  autoName,
  resourceType,
  runStack,
  type MockedStack,
  type PolicyDocument,
  type PolicyStatement,
} from "./mockedStack";

const arn = {
  stream: `arn:aws:kinesis:us-west-2:${account}:stream/clickstream-sessionizer-dev-stream`,
  function: `arn:aws:lambda:us-west-2:${account}:function:clickstream-sessionizer-dev-function`,
  queue: `arn:aws:sqs:us-west-2:${account}:${autoName("sessionizer-failed-batches")}`,
  table: (name: string) =>
    `arn:aws:dynamodb:us-west-2:${account}:table/clickstream-sessionizer-dev-${name}`,
};

const statementsOf = (stack: MockedStack): PolicyStatement[] =>
  (stack.one(resourceType.rolePolicy, "function-policy").inputs["policy"] as PolicyDocument)
    .Statement;

describe("the lambda engine (dev stack under mocks)", () => {
  let dev: MockedStack;
  before(async () => {
    dev = await runStack("dev");
  });

  it("plans no SQL application, no application role and no KDA end-of-life warning", () => {
    expect(dev.all(resourceType.application)).to.deep.equal([]);
    expect(dev.all(resourceType.role).map((r) => r.name)).to.deep.equal([
      "sessionizer-function-role",
    ]);
    expect(dev.warnings).to.not.include(kdaSqlEndOfLifeWarning);
  });

  it("feeds the sessionizer from this stream, one batch per shard at a time, with partial batch responses", () => {
    const mapping = dev.one(resourceType.mapping).inputs;
    expect(mapping["eventSourceArn"]).to.equal(arn.stream);
    expect(mapping["functionName"]).to.equal(arn.function);
    expect(mapping["parallelizationFactor"]).to.equal(1);
    expect(mapping["functionResponseTypes"]).to.deep.equal(["ReportBatchItemFailures"]);
    expect(mapping["startingPosition"]).to.equal("LATEST");
    expect(mapping["enabled"]).to.equal(true);
  });

  it("sends the batches the mapping gives up on to the failed-batches queue", () => {
    const mapping = dev.one(resourceType.mapping).inputs;
    expect(mapping["destinationConfig"]).to.deep.equal({
      onFailure: { destinationArn: arn.queue },
    });
    expect(dev.one(resourceType.queue).inputs).to.deep.equal({
      messageRetentionSeconds: 1_209_600,
      sqsManagedSseEnabled: true,
    });
  });

  it("takes batch size, batching window, bisect, record age and retries from the stack config", async () => {
    const stack = await runStack("dev", {
      "clickstream-sessionizer:batchSize": "500",
      "clickstream-sessionizer:maximumBatchingWindowSeconds": "5",
      "clickstream-sessionizer:bisectBatchOnFunctionError": "false",
      "clickstream-sessionizer:maximumRecordAgeSeconds": "3600",
      "clickstream-sessionizer:maximumRetryAttempts": "3",
      "clickstream-sessionizer:startingPosition": "TRIM_HORIZON",
    });
    expect(stack.one(resourceType.mapping).inputs).to.deep.include({
      batchSize: 500,
      maximumBatchingWindowInSeconds: 5,
      bisectBatchOnFunctionError: false,
      maximumRecordAgeInSeconds: 3600,
      maximumRetryAttempts: 3,
      startingPosition: "TRIM_HORIZON",
    });
  });

  it("deploys the sessionizer bundle with the product's sql/product.sql and its input schema beside it, byte for byte", async () => {
    const code = dev.one(resourceType.function).inputs["code"] as pulumi.asset.AssetArchive;
    const assets = await code.assets;
    expect(Object.keys(assets).sort()).to.deep.equal([
      "index.js",
      "index.js.map",
      "input-schema.json",
      "product.sql",
    ]);
    expect(await (assets["product.sql"] as pulumi.asset.StringAsset).text).to.equal(
      readApplicationSql("product"),
    );
    expect(
      JSON.parse(await (assets["input-schema.json"] as pulumi.asset.StringAsset).text),
    ).to.deep.equal(productInputSchema);
    expect(await (assets["index.js"] as pulumi.asset.StringAsset).text).to.contain(
      "sessionize-stream",
    );
  });

  it("deploys sql/sessionize.sql beside the bundle when the stack runs the lab's application", async () => {
    const stack = await runStack("dev", { "clickstream-sessionizer:sqlApplication": "lab" });
    const fn = stack.one(resourceType.function).inputs;
    const assets = await (fn["code"] as pulumi.asset.AssetArchive).assets;
    expect(Object.keys(assets).sort()).to.deep.equal([
      "index.js",
      "index.js.map",
      "input-schema.json",
      "sessionize.sql",
    ]);
    expect(await (assets["sessionize.sql"] as pulumi.asset.StringAsset).text).to.equal(
      readSessionizeSql(),
    );
    expect(
      JSON.parse(await (assets["input-schema.json"] as pulumi.asset.StringAsset).text),
    ).to.deep.equal(clickInputSchema);
    expect(fn["environment"]).to.have.nested.property("variables.SQL_APPLICATION", "lab");
  });

  it("tells the sessionizer its three tables and its SQL application through the environment", () => {
    expect(dev.one(resourceType.function).inputs["environment"]).to.deep.equal({
      variables: {
        SESSIONS_TABLE: "clickstream-sessionizer-dev-sessions",
        DEAD_LETTER_TABLE: "clickstream-sessionizer-dev-dead-letters",
        STATE_TABLE: "clickstream-sessionizer-dev-state",
        SQL_APPLICATION: "product",
        NODE_OPTIONS: "--enable-source-maps",
      },
    });
  });

  it("creates the state table in the shape the handler and the tests use, encrypted and on demand", () => {
    const state = dev.one(resourceType.table, "-state").inputs;
    expect(state["hashKey"]).to.equal(stateTableShape.hashKey.name);
    expect(state["attributes"]).to.deep.equal([stateTableShape.hashKey]);
    expect(state["billingMode"]).to.equal("PAY_PER_REQUEST");
    expect(state["serverSideEncryption"]).to.deep.equal({ enabled: true });
    expect(state["pointInTimeRecovery"]).to.deep.equal({ enabled: true });
  });

  it("grants the sessionizer exactly: read this stream, BatchWriteItem and DescribeTable on sessions and dead letters, BatchGetItem, PutItem and UpdateItem on state, SendMessage to its queue, its logs", () => {
    const grants = statementsOf(dev).map((s) => ({
      sid: s.Sid,
      action: s.Action,
      resource: s.Resource,
    }));
    expect(grants).to.deep.equal([
      {
        sid: "ReadStream",
        action: [
          "kinesis:DescribeStream",
          "kinesis:DescribeStreamSummary",
          "kinesis:GetRecords",
          "kinesis:GetShardIterator",
          "kinesis:ListShards",
        ],
        resource: [arn.stream],
      },
      {
        sid: "WriteSessionsAndDeadLetters",
        action: ["dynamodb:BatchWriteItem"],
        resource: [arn.table("sessions"), arn.table("dead-letters")],
      },
      {
        sid: "CheckTables",
        action: ["dynamodb:DescribeTable"],
        resource: [arn.table("sessions"), arn.table("dead-letters")],
      },
      {
        sid: "ReadAndWriteWindowState",
        action: ["dynamodb:BatchGetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"],
        resource: [arn.table("state")],
      },
      { sid: "SendFailedBatches", action: ["sqs:SendMessage"], resource: [arn.queue] },
      {
        sid: "WriteFunctionLogs",
        action: ["logs:CreateLogStream", "logs:PutLogEvents"],
        resource: [
          `arn:aws:logs:us-west-2:${account}:log-group:/aws/lambda/clickstream-sessionizer-dev-function:log-stream:*`,
        ],
      },
    ]);
  });

  it('has no policy statement with Action or Resource "*" or a service-wide action', () => {
    for (const statement of statementsOf(dev)) {
      expect(statement.Resource, statement.Sid).to.not.include("*");
      for (const action of statement.Action) expect(action, statement.Sid).to.not.match(/(^|:)\*$/);
    }
  });

  it("grants kms:Decrypt on a customer-managed stream key, only through Kinesis", async () => {
    const key = `arn:aws:kms:us-west-2:${account}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
    const stack = await runStack("dev", { "clickstream-sessionizer:streamKmsKey": key });
    const decrypt = statementsOf(stack).find((s) => s.Sid === "DecryptStream");
    expect(decrypt).to.deep.include({ Action: ["kms:Decrypt"], Resource: [key] });
    expect(decrypt?.Condition).to.deep.equal({
      StringEquals: { "kms:ViaService": "kinesis.us-west-2.amazonaws.com" },
    });
    expect(statementsOf(dev).map((s) => s.Sid)).to.not.include("DecryptStream");
  });

  it("alarms on the sessionizer's iterator age and on any batch in the failed-batches queue", () => {
    const age = dev.one(resourceType.alarm, "function-iterator-age").inputs;
    expect(age).to.deep.include({
      namespace: "AWS/Lambda",
      metricName: "IteratorAge",
      statistic: "Maximum",
      threshold: 60_000,
      dimensions: { FunctionName: "clickstream-sessionizer-dev-function" },
    });
    const failed = dev.one(resourceType.alarm, "failed-batches-alarm").inputs;
    expect(failed).to.deep.include({
      namespace: "AWS/SQS",
      metricName: "ApproximateNumberOfMessagesVisible",
      threshold: 0,
      comparisonOperator: "GreaterThanThreshold",
      dimensions: { QueueName: autoName("sessionizer-failed-batches") },
    });
    const metrics = dev
      .all(resourceType.alarm)
      .map((a) => `${a.inputs["namespace"]}/${a.inputs["metricName"]}`);
    expect(metrics).to.not.include("AWS/KinesisAnalytics/MillisBehindLatest");
  });

  it("alarms on the concurrency guard, dead letters written and table errors, from the sessionizer's own metrics, notifying the alarm topic", () => {
    const byMetric = (metric: string) =>
      dev.all(resourceType.alarm).find((a) => a.inputs["metricName"] === metric)?.inputs;
    for (const metric of ["ConcurrentBatches", "DeadLetters", "TableErrors"]) {
      expect(byMetric(metric), metric).to.deep.include({
        namespace: "ClickstreamSessionizer",
        statistic: "Sum",
        threshold: 0,
        comparisonOperator: "GreaterThanThreshold",
        dimensions: { FunctionName: "clickstream-sessionizer-dev-function" },
      });
    }
    const topic = `arn:aws:sns:us-west-2:${account}:${autoName("sessionizer-alarms")}`;
    for (const alarm of dev.all(resourceType.alarm)) {
      expect(alarm.inputs["alarmActions"], alarm.name).to.deep.equal([topic]);
    }
  });

  it("gives no two cloud resources one logical name (the failed-batches queue and its alarm once shared one)", () => {
    const names = dev.resources.filter((r) => r.type.startsWith("aws:")).map((r) => r.name);
    expect(names.filter((n, i) => names.indexOf(n) !== i)).to.deep.equal([]);
    expect(dev.one(resourceType.alarm, "failed-batches-alarm").inputs).to.not.have.property("name");
  });

  it("exports the engine, the state table and the failed-batches queue, and no application", () => {
    expect(dev.outputs).to.include({
      engine: "lambda",
      functionName: "clickstream-sessionizer-dev-function",
      stateTableName: "clickstream-sessionizer-dev-state",
      failedBatchesQueueUrl: `https://sqs.us-west-2.amazonaws.com/${account}/${autoName("sessionizer-failed-batches")}`,
    });
    expect(dev.outputs).to.not.have.property("applicationName");
  });
});

describe("the kda-sql engine (lab stack under mocks)", () => {
  it("keeps the lab's wiring: an application and no event source mapping, queue or state table", async () => {
    const lab = await runStack("lab", {}, { preview: true });
    expect(lab.all(resourceType.application)).to.have.length(1);
    expect(lab.all(resourceType.mapping)).to.deep.equal([]);
    expect(lab.all(resourceType.queue)).to.deep.equal([]);
    expect(lab.all(resourceType.table).map((t) => t.inputs["name"])).to.deep.equal([
      "CloudAcademyLabs",
      "CloudAcademyLabsDeadLetters",
    ]);
    expect(lab.outputs).to.include({ engine: "kda-sql", applicationName: "lab-application" });
  });
});
