/**
 * IAM policy documents as pure functions of the ARNs they grant on. Generic in the reference type, so
 * the Pulumi program passes `Output<string>` ARNs (a preview shows each unknown ARN in place) and tests
 * pass plain strings and check the documents without mocks.
 *
 * Least privilege: every statement names the exact resources it needs; none uses `"*"` as an action
 * or a resource (AWS requires a wildcard for none of these actions; the one that would need it,
 * `kinesis:ListStreams`, is left out because the event source mapping does not use it).
 */
import { awsManagedKinesisKey } from "./config";

/** One statement of an identity-based policy. */
export interface PolicyStatement<Ref> {
  readonly Sid: string;
  readonly Effect: "Allow";
  Action: string[];
  Resource: Ref[];
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, Ref>>>>;
}

/** An identity-based policy document. */
export interface PolicyDocument<Ref> {
  readonly Version: "2012-10-17";
  Statement: PolicyStatement<Ref>[];
}

/** A trust policy that lets one AWS service assume the role. */
export interface TrustPolicyDocument<Ref = string> {
  readonly Version: "2012-10-17";
  Statement: {
    Effect: "Allow";
    Principal: { Service: string };
    Action: "sts:AssumeRole";
    Condition?: Readonly<Record<string, Readonly<Record<string, Ref>>>>;
  }[];
}

/** Service principals of the two roles. */
export const servicePrincipals = {
  analytics: "kinesisanalytics.amazonaws.com",
  lambda: "lambda.amazonaws.com",
} as const;

/** Trust policy for `service`: `trustPolicy("lambda.amazonaws.com")`. */
export function trustPolicy(service: string): TrustPolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole" }],
  };
}

/** Who may make the service assume a role: one account, one resource of it. */
export interface SourceRefs<Ref> {
  readonly account: Ref;
  readonly sourceArn: Ref;
}

/**
 * Trust policy for `service` acting for one resource of one account only: the
 * `aws:SourceAccount` and `aws:SourceArn` conditions keep another account's application (or another
 * application) from having the service assume the role on its behalf, the confused-deputy problem:
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html
 */
export function scopedTrustPolicy<Ref>(
  service: string,
  source: SourceRefs<Ref>,
): TrustPolicyDocument<Ref> {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Service: service },
        Action: "sts:AssumeRole",
        Condition: {
          StringEquals: { "aws:SourceAccount": source.account },
          ArnEquals: { "aws:SourceArn": source.sourceArn },
        },
      },
    ],
  };
}

/**
 * The key a reader of the stream must be granted `kms:Decrypt` on, given the stream's `kmsKey`: none
 * for the AWS-managed key, whose key policy already lets Kinesis decrypt for any principal allowed to
 * read the stream. `streamKeyToGrant("alias/aws/kinesis")` -> `undefined`
 */
export function streamKeyToGrant(kmsKey: string): string | undefined {
  return kmsKey === awsManagedKinesisKey ? undefined : kmsKey;
}

/**
 * The service name a key may be used through when Kinesis decrypts for a reader in `region`: the
 * `kms:ViaService` condition's value. `kinesisViaService("us-west-2")` ->
 * `"kinesis.us-west-2.amazonaws.com"`
 */
export function kinesisViaService(region: string): string {
  return `kinesis.${region}.amazonaws.com`;
}

/** A reader of the stream: the stream, its customer-managed key if any, the region. */
interface StreamReaderRefs<Ref> {
  readonly streamArn: Ref;
  /**
   * The customer-managed key that encrypts the stream, or undefined for the AWS-managed key, whose key
   * policy already lets Kinesis decrypt for any principal allowed to read the stream.
   */
  readonly streamKeyArn?: Ref;
  /**
   * The `kms:ViaService` condition that limits decryption to reads through Kinesis in the stream's
   * region: {@link kinesisViaService} of the region the provider deploys to.
   */
  readonly viaService: Ref;
}

/**
 * Reading the stream with `actions`, and decrypting it with its customer-managed key (if it has one)
 * only through Kinesis. The Sids are the caller's, so each role's statements keep their names.
 */
function streamReadStatements<Ref>(
  refs: StreamReaderRefs<Ref>,
  sids: { readonly read: string; readonly decrypt: string },
  actions: string[],
): PolicyStatement<Ref>[] {
  const statements: PolicyStatement<Ref>[] = [
    { Sid: sids.read, Effect: "Allow", Action: actions, Resource: [refs.streamArn] },
  ];
  if (refs.streamKeyArn !== undefined) {
    statements.push({
      Sid: sids.decrypt,
      Effect: "Allow",
      Action: ["kms:Decrypt"],
      Resource: [refs.streamKeyArn],
      Condition: { StringEquals: { "kms:ViaService": refs.viaService } },
    });
  }
  return statements;
}

/** What the SQL application's role may touch. */
export interface ApplicationPolicyRefs<Ref> extends StreamReaderRefs<Ref> {
  readonly functionArn: Ref;
  /** The application's own log stream (`...:log-group:<group>:log-stream:<stream>`). */
  readonly logStreamArn: Ref;
}

/**
 * The SQL application's permissions: read this stream, invoke this function (the output
 * destination for both `DESTINATION_SQL_STREAM` and `error_stream`), write to its log stream.
 * Actions as AWS documents them for KDA SQL inputs, Lambda outputs and CloudWatch logging:
 * https://docs.aws.amazon.com/kinesisanalytics/latest/dev/iam-role.html
 */
export function applicationPolicy<Ref>(refs: ApplicationPolicyRefs<Ref>): PolicyDocument<Ref> {
  const statements = streamReadStatements(
    refs,
    { read: "ReadInputStream", decrypt: "DecryptInputStream" },
    [
      "kinesis:DescribeStream",
      "kinesis:DescribeStreamSummary",
      "kinesis:GetShardIterator",
      "kinesis:GetRecords",
      "kinesis:ListShards",
    ],
  );
  statements.push(
    {
      Sid: "InvokeDeliveryFunction",
      Effect: "Allow",
      Action: ["lambda:InvokeFunction", "lambda:GetFunctionConfiguration"],
      Resource: [refs.functionArn],
    },
    {
      Sid: "WriteApplicationLog",
      Effect: "Allow",
      Action: ["logs:PutLogEvents"],
      Resource: [refs.logStreamArn],
    },
  );
  return { Version: "2012-10-17", Statement: statements };
}

/** What the delivery function's role may touch. */
export interface FunctionPolicyRefs<Ref> {
  readonly sessionsTableArn: Ref;
  readonly deadLetterTableArn: Ref;
  /** The log streams of the function's own log group (`...:log-group:<group>:log-stream:*`). */
  readonly logStreamsArn: Ref;
}

/**
 * The delivery function's permissions: write items to the sessions and dead-letter tables (and
 * nothing else), write to its own log group. The log group exists already (the program creates it),
 * so `logs:CreateLogGroup` is not granted.
 */
export function functionPolicy<Ref>(refs: FunctionPolicyRefs<Ref>): PolicyDocument<Ref> {
  return {
    Version: "2012-10-17",
    Statement: [writeRowsStatement(refs), checkTablesStatement(refs), writeLogsStatement(refs)],
  };
}

/** The delivery core's writes, the same from either engine's function. */
function writeRowsStatement<Ref>(refs: FunctionPolicyRefs<Ref>): PolicyStatement<Ref> {
  return {
    Sid: "WriteSessionsAndDeadLetters",
    Effect: "Allow",
    // The handlers write both tables with BatchWriteItem only.
    Action: ["dynamodb:BatchWriteItem"],
    Resource: [refs.sessionsTableArn, refs.deadLetterTableArn],
  };
}

/**
 * Reading the two tables' descriptions: the handlers check a table's key before writing to it, so
 * that a misconfigured table fails the delivery instead of dead-lettering every row
 * (`handlers/delivery/tableCheck.ts`).
 */
function checkTablesStatement<Ref>(refs: FunctionPolicyRefs<Ref>): PolicyStatement<Ref> {
  return {
    Sid: "CheckTables",
    Effect: "Allow",
    Action: ["dynamodb:DescribeTable"],
    Resource: [refs.sessionsTableArn, refs.deadLetterTableArn],
  };
}

/** A function's writes to its own log group's streams. */
function writeLogsStatement<Ref>(refs: FunctionPolicyRefs<Ref>): PolicyStatement<Ref> {
  return {
    Sid: "WriteFunctionLogs",
    Effect: "Allow",
    Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
    Resource: [refs.logStreamsArn],
  };
}

/**
 * The ARN that covers every log stream of a log group, from the group's ARN as Pulumi reports it
 * (`arn:aws:logs:us-west-2:1:log-group:/aws/lambda/f` -> `...:log-group:/aws/lambda/f:log-stream:*`).
 */
export function logStreamsArnOf(logGroupArn: string): string {
  return `${logGroupArn.replace(/:\*$/, "")}:log-stream:*`;
}

/** What the sessionizer function's role (engine `lambda`) may touch. */
export interface SessionizerPolicyRefs<Ref> extends StreamReaderRefs<Ref>, FunctionPolicyRefs<Ref> {
  readonly stateTableArn: Ref;
  /** The queue the event source mapping sends failed batches' metadata to. */
  readonly failedBatchesQueueArn: Ref;
}

/**
 * The sessionizer's permissions. The event source mapping reads the stream with the function's role
 * (https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-create.html lists DescribeStream,
 * DescribeStreamSummary, GetRecords, GetShardIterator and ListShards; SubscribeToShard is for
 * enhanced fan-out, which this mapping does not use; the managed AWSLambdaKinesisExecutionRole also
 * has ListStreams, which only works on `"*"` and which the mapping does not need) and also sends
 * failed batches to the on-failure queue with it. The function itself only writes sessions and dead
 * letters with BatchWriteItem (after DescribeTable checked their keys), reads state with BatchGetItem
 * and writes it with a conditional PutItem (a key's transition) or UpdateItem (the shard's lease,
 * clearing written rows).
 */
export function sessionizerPolicy<Ref>(refs: SessionizerPolicyRefs<Ref>): PolicyDocument<Ref> {
  const statements = streamReadStatements(refs, { read: "ReadStream", decrypt: "DecryptStream" }, [
    "kinesis:DescribeStream",
    "kinesis:DescribeStreamSummary",
    "kinesis:GetRecords",
    "kinesis:GetShardIterator",
    "kinesis:ListShards",
  ]);
  statements.push(
    writeRowsStatement(refs),
    checkTablesStatement(refs),
    {
      Sid: "ReadAndWriteWindowState",
      Effect: "Allow",
      Action: ["dynamodb:BatchGetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"],
      Resource: [refs.stateTableArn],
    },
    {
      Sid: "SendFailedBatches",
      Effect: "Allow",
      Action: ["sqs:SendMessage"],
      Resource: [refs.failedBatchesQueueArn],
    },
    writeLogsStatement(refs),
  );
  return { Version: "2012-10-17", Statement: statements };
}

/** What the Flink application's role (engine `flink`) may touch. */
export interface FlinkApplicationPolicyRefs<Ref> extends StreamReaderRefs<Ref> {
  readonly sessionsTableArn: Ref;
  readonly deadLetterTableArn: Ref;
  /** The job JAR's object, `arn:aws:s3:::<bucket>/<key>`. */
  readonly jobJarObjectArn: Ref;
  /** The application's log group, `arn:aws:logs:<region>:<account>:log-group:<group>`. */
  readonly logGroupArn: Ref;
  /** Every stream of that log group (`...:log-group:<group>:log-stream:*`). */
  readonly logStreamsArn: Ref;
  /** The application's own log stream (`...:log-group:<group>:log-stream:<stream>`). */
  readonly logStreamArn: Ref;
}

/**
 * The Flink application's permissions, as the Managed Service for Apache Flink role needs them
 * (https://docs.aws.amazon.com/managed-flink/latest/java/security_iam_service-with-iam.html; the
 * service's own needs, the code object and the log stream, as AWS's tutorial policy grants them:
 * https://docs.aws.amazon.com/managed-flink/latest/java/examples-gs-scala-create-run-cli.html):
 * - read the job JAR (GetObject, GetObjectVersion: the application names an object version);
 * - read the stream as the legacy `FlinkKinesisConsumer` of flink-connector-kinesis 4.3.0 does
 *   (ListShards to discover shards, GetShardIterator and GetRecords to poll them, DescribeStream and
 *   DescribeStreamSummary for the stream's state; no enhanced fan-out, so no SubscribeToShard);
 * - write the two tables: the DynamoDB sink of flink-connector-dynamodb writes with BatchWriteItem
 *   only (Deployed.java: sessions and dead letters);
 * - log to its own log stream, which MSF finds with DescribeLogGroups and DescribeLogStreams first.
 *   Both are scoped to the application's own group here, where AWS's samples grant them on every
 *   group of the account. No `cloudwatch:PutMetricData`: MSF publishes the job's metrics itself.
 */
export function flinkApplicationPolicy<Ref>(
  refs: FlinkApplicationPolicyRefs<Ref>,
): PolicyDocument<Ref> {
  const statements: PolicyStatement<Ref>[] = [
    {
      Sid: "ReadJobJar",
      Effect: "Allow",
      Action: ["s3:GetObject", "s3:GetObjectVersion"],
      Resource: [refs.jobJarObjectArn],
    },
    ...streamReadStatements(refs, { read: "ReadStream", decrypt: "DecryptStream" }, [
      "kinesis:DescribeStream",
      "kinesis:DescribeStreamSummary",
      "kinesis:GetRecords",
      "kinesis:GetShardIterator",
      "kinesis:ListShards",
    ]),
    {
      Sid: "WriteSessionsAndDeadLetters",
      Effect: "Allow",
      Action: ["dynamodb:BatchWriteItem"],
      Resource: [refs.sessionsTableArn, refs.deadLetterTableArn],
    },
    {
      Sid: "FindApplicationLogs",
      Effect: "Allow",
      Action: ["logs:DescribeLogGroups"],
      Resource: [refs.logGroupArn],
    },
    {
      Sid: "FindApplicationLogStream",
      Effect: "Allow",
      Action: ["logs:DescribeLogStreams"],
      Resource: [refs.logStreamsArn],
    },
    {
      Sid: "WriteApplicationLog",
      Effect: "Allow",
      Action: ["logs:PutLogEvents"],
      Resource: [refs.logStreamArn],
    },
  ];
  return { Version: "2012-10-17", Statement: statements };
}
