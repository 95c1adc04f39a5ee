import { expect } from "chai";
import {
  applicationPolicy,
  flinkApplicationPolicy,
  functionPolicy,
  kinesisViaService,
  logStreamsArnOf,
  type PolicyDocument,
  scopedTrustPolicy,
  servicePrincipals,
  trustPolicy,
} from "../../infra/policies";

const arns = {
  stream: "arn:aws:kinesis:us-west-2:123456789012:stream/s",
  key: "arn:aws:kms:us-west-2:123456789012:key/k",
  function: "arn:aws:lambda:us-west-2:123456789012:function:f",
  logStream:
    "arn:aws:logs:us-west-2:123456789012:log-group:/aws/kinesis-analytics/a:log-stream:application",
  sessions: "arn:aws:dynamodb:us-west-2:123456789012:table/sessions",
  deadLetters: "arn:aws:dynamodb:us-west-2:123456789012:table/dead-letters",
  functionLogs: "arn:aws:logs:us-west-2:123456789012:log-group:/aws/lambda/f:log-stream:*",
  jar: "arn:aws:s3:::code-bucket/flink-runner/flink-runner-0.1.0-0123456789abcdef.jar",
  flinkLogGroup: "arn:aws:logs:us-west-2:123456789012:log-group:/aws/kinesis-analytics/a",
  flinkLogStreams:
    "arn:aws:logs:us-west-2:123456789012:log-group:/aws/kinesis-analytics/a:log-stream:*",
  flinkApplication: "arn:aws:kinesisanalytics:us-west-2:123456789012:application/a",
};

const application = (withKey: boolean): PolicyDocument<string> =>
  applicationPolicy({
    streamArn: arns.stream,
    streamKeyArn: withKey ? arns.key : undefined,
    viaService: kinesisViaService("us-west-2"),
    functionArn: arns.function,
    logStreamArn: arns.logStream,
  });
const flink = (withKey: boolean): PolicyDocument<string> =>
  flinkApplicationPolicy({
    jobJarObjectArn: arns.jar,
    streamArn: arns.stream,
    streamKeyArn: withKey ? arns.key : undefined,
    viaService: kinesisViaService("us-west-2"),
    sessionsTableArn: arns.sessions,
    deadLetterTableArn: arns.deadLetters,
    logGroupArn: arns.flinkLogGroup,
    logStreamsArn: arns.flinkLogStreams,
    logStreamArn: arns.logStream,
  });
const delivery = functionPolicy({
  sessionsTableArn: arns.sessions,
  deadLetterTableArn: arns.deadLetters,
  logStreamsArn: arns.functionLogs,
});

/** Action -> resources it is granted on, over all statements. */
function grants(document: PolicyDocument<string>): Record<string, string[]> {
  const result: Record<string, string[]> = {};
  for (const statement of document.Statement) {
    for (const action of statement.Action)
      result[action] = [...(result[action] ?? []), ...statement.Resource];
  }
  return result;
}

describe("the IAM policy builders", () => {
  it("grant the application reads on the stream, invocation of the function and its log stream only", () => {
    expect(grants(application(false))).to.deep.equal({
      "kinesis:DescribeStream": [arns.stream],
      "kinesis:DescribeStreamSummary": [arns.stream],
      "kinesis:GetShardIterator": [arns.stream],
      "kinesis:GetRecords": [arns.stream],
      "kinesis:ListShards": [arns.stream],
      "lambda:InvokeFunction": [arns.function],
      "lambda:GetFunctionConfiguration": [arns.function],
      "logs:PutLogEvents": [arns.logStream],
    });
  });

  it("grant kms:Decrypt on the stream's own key, through Kinesis only, when it has one", () => {
    const decrypt = application(true).Statement.find((s) => s.Action.includes("kms:Decrypt"));
    expect(decrypt?.Resource).to.deep.equal([arns.key]);
    expect(decrypt?.Condition).to.deep.equal({
      StringEquals: { "kms:ViaService": "kinesis.us-west-2.amazonaws.com" },
    });
    expect(application(false).Statement.some((s) => s.Action.includes("kms:Decrypt"))).to.equal(
      false,
    );
  });

  it("grant the delivery function item writes and key checks on the two tables and log writes on its group only", () => {
    expect(grants(delivery)).to.deep.equal({
      "dynamodb:BatchWriteItem": [arns.sessions, arns.deadLetters],
      "dynamodb:DescribeTable": [arns.sessions, arns.deadLetters],
      "logs:CreateLogStream": [arns.functionLogs],
      "logs:PutLogEvents": [arns.functionLogs],
    });
  });

  it("grant the Flink application its JAR, reads on the stream, item writes on the two tables and its own log stream only", () => {
    expect(grants(flink(false))).to.deep.equal({
      "s3:GetObject": [arns.jar],
      "s3:GetObjectVersion": [arns.jar],
      "kinesis:DescribeStream": [arns.stream],
      "kinesis:DescribeStreamSummary": [arns.stream],
      "kinesis:GetRecords": [arns.stream],
      "kinesis:GetShardIterator": [arns.stream],
      "kinesis:ListShards": [arns.stream],
      "dynamodb:BatchWriteItem": [arns.sessions, arns.deadLetters],
      "logs:DescribeLogGroups": [arns.flinkLogGroup],
      "logs:DescribeLogStreams": [arns.flinkLogStreams],
      "logs:PutLogEvents": [arns.logStream],
    });
  });

  it("grant the Flink application kms:Decrypt on the stream's own key, through Kinesis only, when it has one", () => {
    const decrypt = flink(true).Statement.find((s) => s.Action.includes("kms:Decrypt"));
    expect(decrypt?.Resource).to.deep.equal([arns.key]);
    expect(decrypt?.Condition).to.deep.equal({
      StringEquals: { "kms:ViaService": "kinesis.us-west-2.amazonaws.com" },
    });
    expect(flink(false).Statement.some((s) => s.Action.includes("kms:Decrypt"))).to.equal(false);
  });

  it("let the analytics service assume the Flink role only for this account's application", () => {
    expect(
      scopedTrustPolicy(servicePrincipals.analytics, {
        account: "123456789012",
        sourceArn: arns.flinkApplication,
      }),
    ).to.deep.equal({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { Service: "kinesisanalytics.amazonaws.com" },
          Action: "sts:AssumeRole",
          Condition: {
            StringEquals: { "aws:SourceAccount": "123456789012" },
            ArnEquals: { "aws:SourceArn": arns.flinkApplication },
          },
        },
      ],
    });
  });

  it("never use a wildcard action or resource", () => {
    for (const document of [application(true), application(false), delivery, flink(true)]) {
      for (const statement of document.Statement) {
        expect(statement.Effect).to.equal("Allow");
        for (const action of statement.Action) expect(action).to.match(/^[a-z0-9]+:[A-Za-z]+$/);
        for (const resource of statement.Resource)
          expect(resource).to.match(/^arn:aws:[a-z0-9-]+:/);
      }
    }
  });

  it("give each statement a unique Sid, so a preview diff names the statement that changed", () => {
    for (const document of [application(true), delivery, flink(true)]) {
      const sids = document.Statement.map((s) => s.Sid);
      expect(new Set(sids).size).to.equal(sids.length);
    }
  });

  it("let exactly one service assume each role", () => {
    expect(trustPolicy(servicePrincipals.lambda)).to.deep.equal({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { Service: "lambda.amazonaws.com" },
          Action: "sts:AssumeRole",
        },
      ],
    });
    expect(trustPolicy(servicePrincipals.analytics).Statement[0]?.Principal.Service).to.equal(
      "kinesisanalytics.amazonaws.com",
    );
  });

  it("cover every log stream of a log group, whether or not its ARN ends in :*", () => {
    const group = "arn:aws:logs:us-west-2:1:log-group:/aws/lambda/f";
    expect(logStreamsArnOf(group)).to.equal(`${group}:log-stream:*`);
    expect(logStreamsArnOf(`${group}:*`)).to.equal(`${group}:log-stream:*`);
  });
});
