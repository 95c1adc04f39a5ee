/**
 * The JAR MSF runs (`npm run test:flink`): the runner and the connectors inside, Flink itself left
 * to the runtime, and the translated job spec packaged where deployed mode reads it.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { expect } from "chai";
import { buildJobJar, translateToFlink } from "../../harness/flink";
import { readSessionizeSql } from "../../sql/inputSchema";

describe("engine flink: the MSF job JAR", function () {
  this.timeout(10 * 60 * 1000);

  it("holds the runner, the connectors and job-spec.json, not Flink itself", () => {
    const { spec } = translateToFlink(readSessionizeSql());
    const jar = buildJobJar(spec);
    const listing = spawnSync("jar", ["tf", jar], {
      encoding: "utf8",
      maxBuffer: 256 * 1024 * 1024,
    });
    expect(listing.status, listing.stderr).to.equal(0);
    const entries = new Set(listing.stdout.split("\n"));
    for (const present of [
      "job-spec.json",
      "sessionizer/flink/Runner.class",
      "sessionizer/flink/RangeFunctions.class",
      "org/apache/flink/streaming/connectors/kinesis/FlinkKinesisConsumer.class",
      "org/apache/flink/connector/dynamodb/sink/DynamoDbSink.class",
      "com/amazonaws/services/kinesisanalytics/runtime/KinesisAnalyticsRuntime.class",
    ]) {
      expect(entries.has(present), present).to.equal(true);
    }
    for (const absent of [
      "org/apache/flink/streaming/api/environment/StreamExecutionEnvironment.class",
      "org/apache/flink/table/api/bridge/java/StreamTableEnvironment.class",
      "org/apache/logging/log4j/core/Logger.class",
    ]) {
      expect(entries.has(absent), absent).to.equal(false);
    }
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), "flink-jar-"));
    try {
      spawnSync("jar", ["xf", jar, "job-spec.json"], { cwd: directory });
      const packaged = fs.readFileSync(path.join(directory, "job-spec.json"), "utf8");
      expect(JSON.parse(packaged)).to.deep.equal(JSON.parse(JSON.stringify(spec)));
    } finally {
      fs.rmSync(directory, { recursive: true, force: true });
    }
  });
});
