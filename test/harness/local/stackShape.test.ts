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

  it("runs exactly the engines the stack config key engine accepts, defaulting to the config's", () => {
    expect([...pipelineEngines].sort()).to.deep.equal([...engines].sort());
    expect(defaultEngine).to.equal(config.engine);
  });
});
