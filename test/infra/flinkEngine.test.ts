import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { runnerDirectory } from "../../harness/flink/runner";
import { runnerVersion } from "../../harness/flink/jobJar";
import {
  consumerInitialPositions,
  minPauseBetweenCheckpoints,
  runnerProperties,
} from "../../infra/engines/flink";
import {
  flinkJob,
  JobJarBuildError,
  jobContentHash,
  jobJarKey,
  jobSpecOf,
} from "../../infra/flinkJob";
import { computePlan } from "../../infra/plan/computePlan";
import { formatPlan } from "../../infra/plan/format";
import type { Plan } from "../../infra/plan/model";
import {
  account,
  resourceType,
  runStack,
  type MockedStack,
  type PolicyDocument,
} from "./mockedStack";

const key = (name: string): string => `clickstream-sessionizer:${name}`;
const keyOf = (r: { type: string; name: string }): string => `${r.type}::${r.name}`;
const type = {
  application: "aws:kinesisanalyticsv2/application:Application",
  bucket: "aws:s3/bucket:Bucket",
  versioning: "aws:s3/bucketVersioning:BucketVersioning",
  encryption:
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
  publicAccess: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
  object: "aws:s3/bucketObjectv2:BucketObjectv2",
} as const;
const prefix = "clickstream-sessionizer-scale";
const applicationArn = `arn:aws:kinesisanalytics:us-west-2:${account}:application/${prefix}-application`;
const productJob = flinkJob("product", { build: false });

describe("the flink engine (scale stack under mocks)", () => {
  let scale: MockedStack;
  let bucketName: string;
  before(async () => {
    scale = await runStack("scale");
    bucketName = String(scale.outputs["jobCodeBucketName"]);
  });

  it("creates exactly the MSF application, its code bucket and JAR, log group and stream, role, policy and alarms beside the shared resources", () => {
    const engine = scale.resources.filter(
      (r) => r.parent === "clickstream-sessionizer:engines:FlinkEngine::sessionizer",
    );
    expect(engine.map(keyOf).sort()).to.deep.equal(
      [
        `${resourceType.logGroup}::sessionizer-application-logs`,
        `${resourceType.logStream}::sessionizer-application-log-stream`,
        `${resourceType.alarm}::sessionizer-application-behind`,
        `${resourceType.alarm}::sessionizer-application-checkpoint-failures`,
        `${resourceType.alarm}::sessionizer-application-downtime`,
        `${resourceType.role}::sessionizer-application-role`,
        `${resourceType.rolePolicy}::sessionizer-application-policy`,
        `${type.application}::sessionizer-application`,
        `${type.bucket}::sessionizer-job-code`,
        `${type.encryption}::sessionizer-job-code-encryption`,
        `${type.publicAccess}::sessionizer-job-code-public-access`,
        `${type.versioning}::sessionizer-job-code-versioning`,
        `${type.object}::sessionizer-job-jar-${productJob.contentHash.slice(0, 16)}`,
      ].sort(),
    );
    // No Lambda, no event source mapping, no KDA SQL application, no state table.
    for (const absent of [
      resourceType.function,
      resourceType.mapping,
      resourceType.application,
      resourceType.queue,
    ])
      expect(scale.all(absent), absent).to.deep.equal([]);
    expect(
      scale
        .all(resourceType.table)
        .map((t) => t.name)
        .sort(),
    ).to.deep.equal(["sessionizer-dead-letters", "sessionizer-sessions"]);
  });

  it("runs the JAR from the versioned bucket on FLINK-1_19, started, with checkpoints, snapshots, parallelism and logging as configured", () => {
    const app = scale.one(type.application).inputs;
    const jar = scale.one(type.object).inputs;
    expect(app).to.deep.include({
      name: `${prefix}-application`,
      runtimeEnvironment: "FLINK-1_19",
      startApplication: true,
    });
    expect(app["serviceExecutionRole"]).to.match(
      /^arn:aws:iam::123456789012:role\/clickstream-sessionizer-scal/,
    );
    const configuration = app["applicationConfiguration"] as Record<string, unknown>;
    const code = configuration["applicationCodeConfiguration"] as {
      codeContentType: string;
      codeContent: { s3ContentLocation: Record<string, string> };
    };
    expect(code.codeContentType).to.equal("ZIPFILE");
    expect(code.codeContent.s3ContentLocation).to.deep.include({
      bucketArn: `arn:aws:s3:::${bucketName}`,
      fileKey: jar["key"],
    });
    // The exact version of the object the program uploaded (S3's version id).
    expect(code.codeContent.s3ContentLocation["objectVersion"]).to.match(/^\S{8,}$/);
    expect(jar["key"]).to.equal(jobJarKey(runnerVersion(), productJob.contentHash));
    expect(configuration["flinkApplicationConfiguration"]).to.deep.equal({
      checkpointConfiguration: {
        configurationType: "CUSTOM",
        checkpointingEnabled: true,
        checkpointInterval: 60000,
        minPauseBetweenCheckpoints: 5000,
      },
      monitoringConfiguration: {
        configurationType: "CUSTOM",
        logLevel: "INFO",
        metricsLevel: "APPLICATION",
      },
      parallelismConfiguration: {
        configurationType: "CUSTOM",
        parallelism: 4,
        parallelismPerKpu: 2,
        autoScalingEnabled: true,
      },
    });
    expect(configuration["applicationSnapshotConfiguration"]).to.deep.equal({
      snapshotsEnabled: true,
    });
    expect(configuration["runConfiguration"]).to.deep.equal({
      applicationRestoreConfiguration: { applicationRestoreType: "RESTORE_FROM_LATEST_SNAPSHOT" },
      flinkRunConfiguration: { allowNonRestoredState: false },
    });
    const logStream = scale.one(resourceType.logStream);
    expect(logStream.inputs["logGroupName"]).to.equal(
      `/aws/kinesis-analytics/${prefix}-application`,
    );
    expect((app["cloudwatchLoggingOptions"] as { logStreamArn: string }).logStreamArn).to.match(
      new RegExp(
        `^arn:aws:logs:us-west-2:${account}:log-group:/aws/kinesis-analytics/${prefix}-application:log-stream:sessionizer-application-log-stream-[0-9a-f]{7}$`,
      ),
    );
    expect(scale.one(resourceType.logGroup).inputs["retentionInDays"]).to.equal(14);
  });

  it("tells flink-runner's deployed mode, in its property group, exactly the keys Deployed.java reads", () => {
    const configuration = scale.one(type.application).inputs["applicationConfiguration"] as {
      environmentProperties: { propertyGroups: { propertyGroupId: string; propertyMap: object }[] };
    };
    expect(configuration.environmentProperties.propertyGroups).to.deep.equal([
      {
        propertyGroupId: "SessionizerConfig",
        propertyMap: {
          "stream.name": `${prefix}-stream`,
          "aws.region": "us-west-2",
          "sessions.table": `${prefix}-sessions`,
          "deadletters.table": `${prefix}-dead-letters`,
          "application.arn": applicationArn,
          "stream.initial.position": "LATEST",
        },
      },
    ]);
    const deployed = fs.readFileSync(
      path.join(runnerDirectory, "src", "main", "java", "sessionizer", "flink", "Deployed.java"),
      "utf8",
    );
    expect(deployed).to.contain('PROPERTY_GROUP = "SessionizerConfig"');
    for (const property of Object.values(runnerProperties))
      expect(deployed, property).to.contain(`"${property}"`);
  });

  it("keeps the JAR in a versioned, encrypted bucket that blocks public access, which pulumi destroy can empty", () => {
    expect(scale.one(type.bucket).inputs["forceDestroy"]).to.equal(true);
    expect(scale.one(type.bucket).options.protect).to.equal(false);
    expect(scale.one(type.versioning).inputs).to.deep.equal({
      bucket: bucketName,
      versioningConfiguration: { status: "Enabled" },
    });
    expect(scale.one(type.encryption).inputs).to.deep.equal({
      bucket: bucketName,
      rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
    });
    expect(scale.one(type.publicAccess).inputs).to.deep.equal({
      bucket: bucketName,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    const jar = scale.one(type.object);
    expect(jar.inputs["bucket"]).to.equal(bucketName);
    expect(jar.inputs["contentType"]).to.equal("application/java-archive");
    // Maven's JAR is not reproducible byte for byte: only a new key (new sources) uploads again.
    expect(jar.options.ignoreChanges).to.deep.equal(["source"]);
    expect(jar.options.dependsOn).to.include.members([
      `${type.versioning}::sessionizer-job-code-versioning`,
      `${type.encryption}::sessionizer-job-code-encryption`,
    ]);
  });

  it("builds nothing under mocks: the JAR asset names the runner's version and the content hash", async () => {
    const source = scale.one(type.object).inputs["source"] as pulumi.asset.StringAsset;
    const text = await source.text;
    expect(text).to.contain(`flink-runner ${runnerVersion()} MSF JAR of sql/product.sql`);
    expect(text).to.contain(productJob.contentHash);
  });

  it("lets only kinesisanalytics.amazonaws.com assume the role, for this account's application", () => {
    expect(scale.one(resourceType.role).inputs["assumeRolePolicy"]).to.deep.equal({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { Service: "kinesisanalytics.amazonaws.com" },
          Action: "sts:AssumeRole",
          Condition: {
            StringEquals: { "aws:SourceAccount": account },
            ArnEquals: { "aws:SourceArn": applicationArn },
          },
        },
      ],
    });
  });

  it("grants the role its JAR, the stream, the two tables and its own logs, and nothing else", () => {
    const policy = scale.one(resourceType.rolePolicy).inputs["policy"] as PolicyDocument;
    const resources = [...new Set(policy.Statement.flatMap((s) => s.Resource))].sort();
    expect(resources).to.deep.equal(
      [
        `arn:aws:s3:::${bucketName}/${jobJarKey(runnerVersion(), productJob.contentHash)}`,
        `arn:aws:kinesis:us-west-2:${account}:stream/${prefix}-stream`,
        `arn:aws:dynamodb:us-west-2:${account}:table/${prefix}-sessions`,
        `arn:aws:dynamodb:us-west-2:${account}:table/${prefix}-dead-letters`,
        `arn:aws:logs:us-west-2:${account}:log-group:/aws/kinesis-analytics/${prefix}-application`,
        `arn:aws:logs:us-west-2:${account}:log-group:/aws/kinesis-analytics/${prefix}-application:log-stream:*`,
        (
          scale.one(type.application).inputs["cloudwatchLoggingOptions"] as {
            logStreamArn: string;
          }
        ).logStreamArn,
      ].sort(),
    );
    expect(scale.one(type.application).options.dependsOn).to.deep.equal([
      `${resourceType.rolePolicy}::sessionizer-application-policy`,
    ]);
  });

  it("alarms on downtime, failed checkpoints and the consumer's lag, notifying the stack's topic", () => {
    const alarm = (suffix: string): Record<string, unknown> =>
      scale.one(resourceType.alarm, suffix).inputs;
    for (const suffix of ["-downtime", "-checkpoint-failures", "-application-behind"]) {
      const actions = alarm(suffix)["alarmActions"] as string[];
      expect(actions, suffix).to.have.length(1);
      expect(actions[0], suffix).to.match(
        /^arn:aws:sns:us-west-2:123456789012:sessionizer-alarms-/,
      );
      expect(alarm(suffix)["okActions"], suffix).to.deep.equal(actions);
    }
    expect(alarm("-downtime")).to.deep.include({
      namespace: "AWS/KinesisAnalytics",
      metricName: "downtime",
      statistic: "Maximum",
      dimensions: { Application: `${prefix}-application` },
      threshold: 0,
    });
    expect(alarm("-checkpoint-failures")).to.deep.include({
      threshold: 0,
      metricQueries: [
        {
          id: "counter",
          metric: {
            namespace: "AWS/KinesisAnalytics",
            metricName: "numberOfFailedCheckpoints",
            stat: "Maximum",
            dimensions: { Application: `${prefix}-application` },
            period: 300,
          },
          returnData: false,
        },
        { id: "increase", expression: "DIFF(counter)", label: "increase", returnData: true },
      ],
    });
    expect(alarm("-checkpoint-failures")).to.not.have.property("metricName");
    expect(alarm("-application-behind")).to.deep.include({
      namespace: "AWS/KinesisAnalytics",
      metricName: "millisBehindLatest",
      statistic: "Maximum",
      threshold: 60000,
    });
  });

  it("exports the application and the code bucket, and no function", () => {
    expect(scale.outputs).to.include({
      engine: "flink",
      applicationName: `${prefix}-application`,
      jobCodeBucketName: bucketName,
    });
    expect(scale.outputs).to.not.have.property("functionName");
    expect(scale.outputs["consoleLinks"]).to.have.property(
      "flinkApplication",
      `https://us-west-2.console.aws.amazon.com/flink/home?region=us-west-2#/applications/dashboard/${prefix}-application`,
    );
    expect(scale.outputs["consoleLinks"]).to.not.have.property("function");
  });

  it("takes parallelism, KPUs, autoscaling, checkpoints, snapshots and the starting position from the stack config", async () => {
    const stack = await runStack("scale", {
      [key("flinkParallelism")]: "2",
      [key("flinkParallelismPerKpu")]: "1",
      [key("flinkAutoScaling")]: "false",
      [key("flinkCheckpointIntervalMs")]: "2000",
      [key("flinkSnapshots")]: "false",
      [key("startingPosition")]: "TRIM_HORIZON",
      [key("startApplication")]: "false",
      [key("alarmMillisBehindLatestMs")]: "120000",
    });
    const app = stack.one(type.application).inputs;
    const configuration = app["applicationConfiguration"] as Record<
      string,
      Record<string, unknown>
    >;
    expect(app["startApplication"]).to.equal(false);
    expect(configuration["flinkApplicationConfiguration"]).to.deep.include({
      parallelismConfiguration: {
        configurationType: "CUSTOM",
        parallelism: 2,
        parallelismPerKpu: 1,
        autoScalingEnabled: false,
      },
    });
    expect(
      configuration["flinkApplicationConfiguration"]!["checkpointConfiguration"],
    ).to.deep.include({ checkpointInterval: 2000, minPauseBetweenCheckpoints: 2000 });
    expect(configuration["applicationSnapshotConfiguration"]).to.deep.equal({
      snapshotsEnabled: false,
    });
    expect(configuration["runConfiguration"]).to.deep.include({
      applicationRestoreConfiguration: { applicationRestoreType: "SKIP_RESTORE_FROM_SNAPSHOT" },
    });
    expect(JSON.stringify(configuration["environmentProperties"])).to.contain(
      '"stream.initial.position":"TRIM_HORIZON"',
    );
    expect(stack.one(resourceType.alarm, "-application-behind").inputs["threshold"]).to.equal(
      120000,
    );
  });

  it("grants kms:Decrypt on the stream's own key, through Kinesis only, when the stream has one", async () => {
    const cmk = "arn:aws:kms:us-west-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    const stack = await runStack("scale", { [key("streamKmsKey")]: cmk });
    const policy = stack.one(resourceType.rolePolicy).inputs["policy"] as PolicyDocument;
    const decrypt = policy.Statement.find((s) => s.Action.includes("kms:Decrypt"));
    expect(decrypt?.Resource).to.deep.equal([cmk]);
    expect(decrypt?.Condition).to.deep.equal({
      StringEquals: { "kms:ViaService": "kinesis.us-west-2.amazonaws.com" },
    });
  });
});

describe("the scale stack's plan (npm run plan -- --stack scale)", () => {
  let plan: Plan;
  let text: string;
  before(async () => {
    plan = await computePlan("scale");
    text = formatPlan(plan);
  });

  it("shows the MSF application, its bucket, role and alarms", () => {
    for (const line of [
      "aws:kinesisanalyticsv2/application:Application: sessionizer-application",
      'runtimeEnvironment: "FLINK-1_19"',
      "aws:s3/bucket:Bucket: sessionizer-job-code",
      `aws:s3/bucketObjectv2:BucketObjectv2: sessionizer-job-jar-${productJob.contentHash.slice(0, 16)} [ignoreChanges: source]`,
      "aws:iam/role:Role: sessionizer-application-role",
      "aws:cloudwatch/metricAlarm:MetricAlarm: sessionizer-application-downtime",
      "aws:cloudwatch/metricAlarm:MetricAlarm: sessionizer-application-checkpoint-failures",
      "aws:cloudwatch/metricAlarm:MetricAlarm: sessionizer-application-behind",
      'engine: "flink"',
    ])
      expect(text, line).to.contain(line);
    expect(text).to.not.contain("EventSourceMapping");
    expect(text).to.not.contain("aws:lambda/function:Function");
    expect(text.split("\n").slice(3).join("\n")).to.not.contain("(computed)");
    expect(text).to.match(new RegExp(`Resources: ${plan.resources.length} to create\\n$`));
  });
});

describe("the Flink job's JAR", () => {
  it("is named by a hash of the runner's POM and sources and the job spec, which a change of any of them changes", () => {
    const copy = fs.mkdtempSync(path.join(os.tmpdir(), "flink-runner-"));
    fs.cpSync(path.join(runnerDirectory, "pom.xml"), path.join(copy, "pom.xml"));
    fs.cpSync(path.join(runnerDirectory, "src"), path.join(copy, "src"), { recursive: true });
    const spec = jobSpecOf("product");
    const original = jobContentHash(spec, copy);
    expect(original).to.equal(jobContentHash(spec, runnerDirectory));
    expect(jobContentHash(jobSpecOf("lab"), copy)).to.not.equal(original);
    fs.appendFileSync(
      path.join(copy, "src", "main", "java", "sessionizer", "flink", "Deployed.java"),
      "\n",
    );
    expect(jobContentHash(spec, copy)).to.not.equal(original);
    expect(jobJarKey("0.1.0", original)).to.equal(
      `flink-runner/flink-runner-0.1.0-${original.slice(0, 16)}.jar`,
    );
  });

  it("packages the SQL application's translated statements as the job spec", () => {
    const spec = jobSpecOf("product");
    expect(spec.statements.length).to.be.greaterThan(0);
    expect(spec.outputs.map((o) => o.stream)).to.deep.equal(["DESTINATION_SQL_STREAM"]);
    expect(spec.outputs[0]!.columns.map((c) => c.name)).to.include("session_id");
  });

  it("fails a real run without Java or Maven with a message naming what is missing", () => {
    const emptyPath = fs.mkdtempSync(path.join(os.tmpdir(), "no-toolchain-"));
    const cacheDirectory = fs.mkdtempSync(path.join(os.tmpdir(), "msf-jars-"));
    const savedPath = process.env["PATH"];
    process.env["PATH"] = emptyPath;
    try {
      expect(() => flinkJob("product", { build: true, cacheDirectory }))
        .to.throw(JobJarBuildError)
        .with.property("message")
        .that.matches(/engine flink needs Java 17/)
        .and.matches(/Install Java 17 and Maven/);
    } finally {
      process.env["PATH"] = savedPath;
    }
  });

  it("uses a JAR built before for the same content hash instead of running Maven again", () => {
    const cacheDirectory = fs.mkdtempSync(path.join(os.tmpdir(), "msf-jars-"));
    fs.writeFileSync(path.join(cacheDirectory, `${productJob.contentHash}.jar`), "PK");
    const job = flinkJob("product", { build: true, cacheDirectory });
    expect(job.asset).to.be.instanceOf(pulumi.asset.FileAsset);
    expect(job.key).to.equal(productJob.key);
  });

  it("maps KDA's starting positions to the Kinesis consumer's, and pauses at most the interval between checkpoints", () => {
    expect(consumerInitialPositions).to.deep.equal({
      NOW: "LATEST",
      TRIM_HORIZON: "TRIM_HORIZON",
      LAST_STOPPED_POINT: "TRIM_HORIZON",
    });
    expect(minPauseBetweenCheckpoints(60_000)).to.equal(5000);
    expect(minPauseBetweenCheckpoints(2000)).to.equal(2000);
  });
});
