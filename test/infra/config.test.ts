import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { ConfigError, configKeys, parseConfig, type RawConfig } from "../../infra/config";
import { derivedNamePrefix, roleNamePrefix, shortenName } from "../../infra/names";

const context = { project: "clickstream-sessionizer", stack: "dev" };
const key = (name: string): string => `clickstream-sessionizer:${name}`;
const valid: RawConfig = { "aws:region": "us-west-2" };

/** The problems parseConfig reports for `values` on top of a valid base. */
function problemsOf(values: Record<string, string | undefined>): readonly string[] {
  try {
    parseConfig({ ...valid, ...values }, context);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe("the stack configuration", () => {
  it("derives every name from project and stack when none is set", () => {
    const config = parseConfig(valid, context);
    expect(config.names).to.deep.equal({
      prefix: "clickstream-sessionizer-dev",
      stream: "clickstream-sessionizer-dev-stream",
      application: "clickstream-sessionizer-dev-application",
      function: "clickstream-sessionizer-dev-function",
      sessionsTable: "clickstream-sessionizer-dev-sessions",
      deadLetterTable: "clickstream-sessionizer-dev-dead-letters",
      stateTable: "clickstream-sessionizer-dev-state",
    });
  });

  it("gives two stacks of one project different names", () => {
    const dev = parseConfig(valid, context).names;
    const prod = parseConfig(valid, { ...context, stack: "prod" }).names;
    for (const part of [
      "stream",
      "application",
      "function",
      "sessionsTable",
      "deadLetterTable",
    ] as const) {
      expect(dev[part], part).to.not.equal(prod[part]);
    }
  });

  it("defaults to the lab's stream settings and a 60 s function", () => {
    const config = parseConfig(valid, context);
    expect(config.stream).to.deep.equal({
      mode: "provisioned",
      shardCount: 1,
      retentionHours: 24,
      redriveWindowHours: 6,
      kmsKey: "alias/aws/kinesis",
      shardLevelMetrics: [],
    });
    expect(config.function).to.deep.equal({ memoryMb: 256, timeoutSeconds: 60 });
    expect(config.application).to.deep.equal({ startingPosition: "NOW", start: true });
  });

  it("defaults to engine lambda, the product's SQL and an event source that retries before it skips", () => {
    const config = parseConfig(valid, context);
    expect(config.engine).to.equal("lambda");
    expect(config.sqlApplication).to.equal("product");
    expect(config.eventSource).to.deep.equal({
      batchSize: 100,
      maximumBatchingWindowSeconds: 1,
      bisectBatchOnFunctionError: true,
      maximumRecordAgeSeconds: 64_800,
      maximumRetryAttempts: 10_000,
    });
  });

  it("leaves the default 6 h of the default 24 h retention to redrive a batch the event source mapping gave up on", () => {
    const { stream, eventSource } = parseConfig(valid, context);
    expect(stream.retentionHours * 3600 - eventSource.maximumRecordAgeSeconds).to.equal(
      stream.redriveWindowHours * 3600,
    );
    expect(stream.redriveWindowHours).to.equal(6);
  });

  it("accepts a record age up to retention minus the redrive window, and more with more retention", () => {
    expect(problemsOf({ [key("maximumRecordAgeSeconds")]: "64800" })).to.deep.equal([]);
    expect(
      problemsOf({
        [key("retentionHours")]: "168",
        [key("maximumRecordAgeSeconds")]: "583200",
      }),
    ).to.deep.equal([]);
  });

  it("accepts -1 (no limit) for the retries", () => {
    const config = parseConfig({ ...valid, [key("maximumRetryAttempts")]: "-1" }, context);
    expect(config.eventSource.maximumRetryAttempts).to.equal(-1);
  });

  it("protects the data by default", () => {
    expect(parseConfig(valid, context).deletionProtection).to.equal(true);
  });

  it("reads tags given as a map and always adds project and stack", () => {
    const config = parseConfig(
      { ...valid, [key("tags")]: '{"owner":"data team","cost":"42"}' },
      context,
    );
    expect(config.tags).to.deep.equal({
      project: "clickstream-sessionizer",
      stack: "dev",
      owner: "data team",
      cost: "42",
    });
  });

  it("takes an email address as the alarm topic: a new topic that mails it", () => {
    const config = parseConfig({ ...valid, [key("alarmTopic")]: "ops@example.com" }, context);
    expect(config.alarms.topic).to.deep.equal({ kind: "email", address: "ops@example.com" });
  });

  it("reports every invalid key at once, not just the first", () => {
    const problems = problemsOf({ [key("retentionHours")]: "12", [key("streamMode")]: "fast" });
    expect(problems).to.have.length(2);
  });

  const cases: readonly [string, Record<string, string | undefined>, RegExp][] = [
    ["a missing region", { "aws:region": undefined }, /^aws:region is not set: .*us-west-2/],
    [
      "a malformed region",
      { "aws:region": "Oregon" },
      /^aws:region = "Oregon": must be an AWS region name/,
    ],
    [
      "retention under 24 h",
      { [key("retentionHours")]: "12" },
      /retentionHours = "12": must be an integer from 24 to 8760/,
    ],
    [
      "a fractional retention",
      { [key("retentionHours")]: "24.5" },
      /retentionHours = "24.5": must be an integer/,
    ],
    [
      "an unknown stream mode",
      { [key("streamMode")]: "fast" },
      /streamMode = "fast": must be one of provisioned, on-demand/,
    ],
    [
      "a shard count with on-demand mode",
      { [key("streamMode")]: "on-demand", [key("shardCount")]: "2" },
      /shardCount = "2": only one of \[shardCount\] and \[streamMode: on-demand\]/,
    ],
    [
      "zero shards",
      { [key("shardCount")]: "0" },
      /shardCount = "0": must be an integer from 1 to 10000/,
    ],
    [
      "a shard count that is not a number",
      { [key("shardCount")]: " " },
      /shardCount = " ": must be an integer from 1 to 10000/,
    ],
    [
      "a KMS alias other than the AWS-managed one",
      { [key("streamKmsKey")]: "alias/mine" },
      /streamKmsKey = "alias\/mine": must be alias\/aws\/kinesis .* or a KMS key ARN/,
    ],
    [
      "an unknown shard-level metric",
      { [key("shardLevelMetrics")]: '["IncomingBytes","Everything"]' },
      /shardLevelMetrics = .*"Everything" is not one of ALL, IncomingBytes/,
    ],
    [
      "shard-level metrics that are not a list",
      { [key("shardLevelMetrics")]: "IncomingBytes" },
      /shardLevelMetrics = "IncomingBytes": must be a list of/,
    ],
    [
      "an unknown starting position",
      { [key("startingPosition")]: "LATEST" },
      /startingPosition = "LATEST": must be one of NOW, TRIM_HORIZON, LAST_STOPPED_POINT/,
    ],
    [
      "a non-boolean startApplication",
      { [key("startApplication")]: "yes" },
      /startApplication = "yes": must be true or false/,
    ],
    [
      "a redrive window as long as the retention",
      { [key("redriveWindowHours")]: "24" },
      /redriveWindowHours = "24": must be less than clickstream-sessionizer:retentionHours \(24\)/,
    ],
    [
      "a record age that leaves less than the redrive window of retention",
      { [key("maximumRecordAgeSeconds")]: "82800" },
      /maximumRecordAgeSeconds = "82800": must be at most 64800 \(retentionHours 24 h minus redriveWindowHours 6 h\), so that a batch the event source mapping gives up on can still be redriven/,
    ],
    [
      "a record age of -1, as long as the stream keeps the record",
      { [key("maximumRecordAgeSeconds")]: "-1" },
      /maximumRecordAgeSeconds = "-1": must be an integer from 60 to 604800/,
    ],
    [
      "a non-boolean deletionProtection",
      { [key("deletionProtection")]: "1" },
      /deletionProtection = "1": must be true or false/,
    ],
    [
      "too little function memory",
      { [key("functionMemoryMb")]: "64" },
      /functionMemoryMb = "64": must be an integer from 128 to 10240/,
    ],
    [
      "a timeout over Lambda's 15 minutes",
      { [key("functionTimeoutSeconds")]: "901" },
      /functionTimeoutSeconds = "901": must be an integer from 1 to 900/,
    ],
    [
      "a log retention CloudWatch does not offer",
      { [key("logRetentionDays")]: "10" },
      /logRetentionDays = "10": must be one of 1, 3, 5, 7, 14/,
    ],
    [
      "an alarm topic that is neither an SNS ARN nor an email address",
      { [key("alarmTopic")]: "ops at example.com" },
      /alarmTopic = "ops at example.com": must be none .*, create .*, an email address .* or an SNS topic ARN/,
    ],
    [
      "a negative alarm threshold",
      { [key("alarmFunctionErrors")]: "-1" },
      /alarmFunctionErrors = "-1": must be an integer from 0/,
    ],
    [
      "an iterator-age threshold under a second",
      { [key("alarmIteratorAgeMs")]: "10" },
      /alarmIteratorAgeMs = "10": must be an integer from 1000/,
    ],
    [
      "a lag threshold that is not a number",
      { [key("alarmMillisBehindLatestMs")]: "soon" },
      /alarmMillisBehindLatestMs = "soon": must be an integer/,
    ],
    [
      "a table-throttle threshold that is not a number",
      { [key("alarmTableThrottles")]: "x" },
      /alarmTableThrottles = "x": must be an integer/,
    ],
    [
      "a function-throttle threshold that is not a number",
      { [key("alarmFunctionThrottles")]: "x" },
      /alarmFunctionThrottles = "x": must be an integer/,
    ],
    [
      "tags in the list form of before, naming the migration",
      { [key("tags")]: '["environment=dev"]' },
      /tags = .*: must be a map of tag name to value \(tags was a list of name=value strings until docs\/upgrading.md/,
    ],
    [
      "a tag whose value is not a string",
      { [key("tags")]: '{"owner":{"team":"data"}}' },
      /tags = .*owner.*: each tag needs a name of 1 to 128 characters not starting with aws: and a string value/,
    ],
    [
      "a tag in the reserved aws: namespace",
      { [key("tags")]: '{"aws:owner":"me"}' },
      /tags = .*aws:owner.*: each tag needs a name of 1 to 128 characters not starting with aws:/,
    ],
    [
      "a name prefix too long for a function name",
      { [key("namePrefix")]: "x".repeat(56) },
      /namePrefix = "x{56}": must be 1 to 55 letters, digits, '_' or '-' \(it starts the function name/,
    ],
    [
      "a name prefix with a dot",
      { [key("namePrefix")]: "a.b" },
      /namePrefix = "a.b": must be 1 to 55 letters/,
    ],
    [
      "a stream name with a space",
      { [key("streamName")]: "my stream" },
      /streamName = "my stream": must be 1 to 128 letters/,
    ],
    [
      "an application name with a slash",
      { [key("applicationName")]: "a/b" },
      /applicationName = "a\/b": must be 1 to 128 letters/,
    ],
    [
      "a function name over 64 characters",
      { [key("functionName")]: "f".repeat(65) },
      /functionName = "f{65}": must be 1 to 64 letters/,
    ],
    [
      "a two-character table name",
      { [key("sessionsTableName")]: "ab" },
      /sessionsTableName = "ab": must be 3 to 255/,
    ],
    [
      "a dead-letter table name with a colon",
      { [key("deadLetterTableName")]: "a:b" },
      /deadLetterTableName = "a:b": must be 3 to 255/,
    ],
    [
      "the same name for both tables",
      { [key("sessionsTableName")]: "T1x", [key("deadLetterTableName")]: "T1x" },
      /deadLetterTableName = "T1x": must differ from clickstream-sessionizer:sessionsTableName/,
    ],
    [
      "a key the project does not have",
      { [key("shards")]: "2" },
      /clickstream-sessionizer:shards is not a key of this project; allowed keys: engine, sqlApplication, namePrefix, /,
    ],
    [
      "an engine that does not exist",
      { [key("engine")]: "spark" },
      /engine = "spark": must be one of kda-sql, lambda, flink/,
    ],
    [
      "a state table named like the sessions table with engine lambda",
      {
        [key("engine")]: "lambda",
        [key("stateTableName")]: "clickstream-sessionizer-dev-sessions",
      },
      /stateTableName = "clickstream-sessionizer-dev-sessions": must differ from .*sessionsTableName/,
    ],
    [
      "an aws: key the stack's explicit provider would not read",
      { "aws:assumeRoles": '[{"roleArn":"arn:aws:iam::123456789012:role/deployer"}]' },
      /^aws:assumeRoles is not passed to the stack's AWS provider .*allowed aws: keys: aws:region, aws:profile/,
    ],
    [
      "aws:defaultTags, which the tags key replaces",
      { "aws:defaultTags": '{"tags":{"a":"b"}}' },
      /^aws:defaultTags is not read: set the project's tags key instead/,
    ],
    [
      "a batch size over Kinesis' 10000",
      { [key("batchSize")]: "10001" },
      /batchSize = "10001": must be an integer from 1 to 10000/,
    ],
    [
      "a batching window over 300 s",
      { [key("maximumBatchingWindowSeconds")]: "301" },
      /maximumBatchingWindowSeconds = "301": must be an integer from 0 to 300/,
    ],
    [
      "a bisect flag that is not a boolean",
      { [key("bisectBatchOnFunctionError")]: "yes" },
      /bisectBatchOnFunctionError = "yes": must be true or false/,
    ],
    [
      "a maximum record age under a minute",
      { [key("maximumRecordAgeSeconds")]: "30" },
      /maximumRecordAgeSeconds = "30": must be an integer from 60 to 604800/,
    ],
    [
      "a retry count below -1",
      { [key("maximumRetryAttempts")]: "-2" },
      /maximumRetryAttempts = "-2": must be -1 \(no limit\) or an integer from 0 to 10000/,
    ],
    [
      "a failed-batches threshold that is not a number",
      { [key("alarmFailedBatches")]: "many" },
      /alarmFailedBatches = "many": must be an integer/,
    ],
    [
      "a dead-letters threshold below 0",
      { [key("alarmDeadLetters")]: "-1" },
      /alarmDeadLetters = "-1": must be an integer from 0 to 1000000/,
    ],
    [
      "an SQL application that does not exist",
      { [key("sqlApplication")]: "prod" },
      /sqlApplication = "prod": must be one of lab, product/,
    ],
    [
      "a Flink runtime the runner is not built for",
      { [key("flinkRuntime")]: "FLINK-1_20" },
      /flinkRuntime = "FLINK-1_20": must be FLINK-1_19: flink-runner is built against Flink 1\.19\.3/,
    ],
    [
      "a Flink parallelism of 0",
      { [key("flinkParallelism")]: "0" },
      /flinkParallelism = "0": must be an integer from 1 to 1024/,
    ],
    [
      "more than 8 Flink tasks per KPU",
      { [key("flinkParallelismPerKpu")]: "9" },
      /flinkParallelismPerKpu = "9": must be an integer from 1 to 8/,
    ],
    [
      "a Flink autoscaling flag that is not a boolean",
      { [key("flinkAutoScaling")]: "yes" },
      /flinkAutoScaling = "yes": must be true or false/,
    ],
    [
      "a checkpoint interval below a second",
      { [key("flinkCheckpointIntervalMs")]: "500" },
      /flinkCheckpointIntervalMs = "500": must be an integer from 1000 to 3600000/,
    ],
    [
      "a Flink snapshots flag that is not a boolean",
      { [key("flinkSnapshots")]: "on" },
      /flinkSnapshots = "on": must be true or false/,
    ],
  ];
  for (const [what, values, expected] of cases) {
    it(`rejects ${what}, naming the key, the value and what is allowed`, () => {
      const problems = problemsOf(values);
      expect(problems, JSON.stringify(problems)).to.have.length(1);
      expect(problems[0]).to.match(expected);
    });
  }

  it("has a rejection case for every config key", () => {
    const covered = new Set(
      cases
        .flatMap(([, values]) => Object.keys(values))
        .map((k) => k.replace(/^clickstream-sessionizer:/, "")),
    );
    const untested = configKeys.filter((k) => !covered.has(k));
    expect(untested).to.deep.equal([]);
  });

  it("throws a ConfigError whose message lists each problem on its own line", () => {
    expect(() => parseConfig({ ...valid, [key("retentionHours")]: "1" }, context))
      .to.throw(ConfigError)
      .with.property("message")
      .that.matches(
        /^Invalid stack configuration:\n {2}- clickstream-sessionizer:retentionHours = "1"/,
      );
  });
});

describe("names for any stack name Pulumi accepts", () => {
  // Pulumi stack names: up to 100 letters, digits, '_', '.' and '-'.
  const oddButValid = [
    "production-us-east-1",
    "integration.test.123456",
    "a",
    "my_stack",
    "UPPER.lower_mixed-9",
    "x".repeat(100),
    "v1.2.3-rc.4_build.5678.with.a.very.long.suffix.that.goes.on",
  ];
  for (const stack of oddButValid) {
    it(`derives valid names for the stack ${JSON.stringify(stack)}, blaming no key`, () => {
      const config = parseConfig(valid, { ...context, stack });
      expect(config.names.prefix).to.match(/^[A-Za-z0-9_-]{1,55}$/);
      expect(config.names.function).to.have.length.at.most(64);
      expect(roleNamePrefix(config.names.prefix, "ap-southeast-4")).to.have.length.at.most(38);
    });
  }

  it("keeps the prefix of every stack name that was valid before, so no deployed stack is renamed", () => {
    for (const stack of ["dev", "prod", "team-a-staging"])
      expect(derivedNamePrefix("clickstream-sessionizer", stack)).to.equal(
        `clickstream-sessionizer-${stack}`,
      );
  });

  it("gives stacks that differ only in a replaced or cut character different prefixes", () => {
    const prefixes = [
      "integration.test",
      "integration-test",
      `${"x".repeat(60)}a`,
      `${"x".repeat(60)}b`,
    ].map((stack) => derivedNamePrefix("clickstream-sessionizer", stack));
    expect(new Set(prefixes).size).to.equal(prefixes.length);
  });

  it("shortens with a readable head and a hash: integration.test.123456", () => {
    expect(derivedNamePrefix("clickstream-sessionizer", "integration.test.123456")).to.match(
      /^clickstream-sessionizer-integration-test-12345-[0-9a-f]{8}$/,
    );
    expect(shortenName("ok-name", 10)).to.equal("ok-name");
  });

  it("puts the region in the IAM roles' name prefix, so one stack file deploys to two regions", () => {
    expect(roleNamePrefix("lab", "us-west-2")).to.equal("lab-us-west-2-");
    expect(roleNamePrefix("lab", "eu-west-1")).to.not.equal(roleNamePrefix("lab", "us-west-2"));
  });
});

describe("Pulumi.yaml", () => {
  const project = parse(
    fs.readFileSync(path.join(__dirname, "..", "..", "Pulumi.yaml"), "utf8"),
  ) as {
    name: string;
    main?: string;
    runtime: { name: string; options: { typescript: boolean } };
    config: Record<
      string,
      { type?: string; description: string; default?: unknown; value?: unknown }
    >;
  };

  it("runs the TypeScript program in infra/ on the Node.js runtime, from the project root", () => {
    expect(project.name).to.equal("clickstream-sessionizer");
    expect(project.runtime.name).to.equal("nodejs");
    expect(project.runtime.options.typescript).to.equal(true);
    // No `main`: the program's directory is the root, where the language host resolves the
    // tsconfig option (test/infra/programLoad.test.ts), and package.json names the entry point.
    expect(project.main).to.equal(undefined);
    const packageJson = JSON.parse(
      fs.readFileSync(path.join(__dirname, "..", "..", "package.json"), "utf8"),
    ) as { main: string };
    expect(packageJson.main).to.equal("infra/index.ts");
  });

  it("documents every config key the program reads, each with a description and a default", () => {
    expect(
      Object.keys(project.config)
        .filter((k) => k !== "aws:region")
        .sort(),
    ).to.deep.equal([...configKeys].sort());
    for (const [name, declaration] of Object.entries(project.config)) {
      expect(declaration.description, name).to.be.a("string").with.length.greaterThan(20);
      if (name.includes(":")) {
        // Pulumi's rule for keys of other namespaces: a value, never a type or a default.
        expect(declaration, name).to.have.property("value");
        expect(declaration, name).to.not.have.any.keys("type", "default");
      } else if (name === "tags") {
        // A map: Pulumi's project config types are string, integer, boolean and array only.
        expect(declaration, name).to.not.have.property("type");
        expect(declaration.default, name).to.deep.equal({});
      } else {
        expect(declaration, name).to.have.property("default");
        expect(declaration.type, name).to.be.oneOf(["string", "integer", "boolean", "array"]);
      }
    }
  });

  it("declares shardCount an integer, so `pulumi config set shardCount 2` is checked by Pulumi", () => {
    expect(project.config["shardCount"]).to.deep.include({ type: "integer", default: 1 });
  });

  it("compiles the program for deploys without type checking, so no type package must be installed", () => {
    const runtime = project.runtime.options as { tsconfig?: string };
    expect(runtime.tsconfig).to.equal("tsconfig.pulumi.json");
    const tsconfig = JSON.parse(
      fs.readFileSync(path.join(__dirname, "..", "..", "tsconfig.pulumi.json"), "utf8"),
    ) as { compilerOptions: { noCheck?: boolean } };
    // Pulumi reads noCheck from this very file (not through extends) to run ts-node transpile-only.
    expect(tsconfig.compilerOptions.noCheck).to.equal(true);
  });

  it("declares defaults that are the program's own defaults", () => {
    const raw: Record<string, string> = {};
    for (const [name, declaration] of Object.entries(project.config)) {
      const full = name.includes(":") ? name : key(name);
      const fallback = declaration.default ?? declaration.value;
      raw[full] = typeof fallback === "string" ? fallback : JSON.stringify(fallback);
    }
    expect(parseConfig(raw, context)).to.deep.equal(parseConfig(valid, context));
  });
});
