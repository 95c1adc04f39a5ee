/**
 * The local run must build what a deployed stack builds: these hold the local pipeline's names,
 * shard count and outputs to the Pulumi program's own definitions.
 */
import { expect } from "chai";
import { engines, parseConfig, projectName } from "../../../infra/config";
import { defaultEngine, pipelineEngines } from "../../../harness/local/engines";
import { deliveredStreams } from "../../../sql/contracts";
import { localOutputs } from "../../../harness/local/kdaSqlRunner";
import { defaultLocalShards, localNames } from "../../../harness/local/localStack";

describe("the local pipeline's stack shape", () => {
  const config = parseConfig(
    { "aws:region": "us-east-1" },
    { project: projectName, stack: "local" },
  );

  it("names the stream, application and tables as the Pulumi program names a stack called local", () => {
    expect(localNames).to.deep.equal({
      stream: config.names.stream,
      application: config.names.application,
      sessionsTable: config.names.sessionsTable,
      deadLetterTable: config.names.deadLetterTable,
      stateTable: config.names.stateTable,
    });
  });

  it("gives the stream the deployed default shard count", () => {
    expect(defaultLocalShards).to.equal(config.stream.shardCount);
  });

  it("delivers the same in-application streams to the Lambda as the deployed application", () => {
    expect([...localOutputs]).to.deep.equal([...deliveredStreams]);
  });

  it("runs only engines the stack config key engine accepts, defaulting to the config's", () => {
    // flink joins infra/config.ts's engines with the Pulumi side of engine flink (another branch);
    // once merged, drop this filter.
    const deployable = pipelineEngines.filter(
      (name) => name !== "flink" || (engines as readonly string[]).includes("flink"),
    );
    expect(engines).to.include.members(deployable);
    expect(defaultEngine).to.equal(config.engine);
  });
});
