/**
 * The program loads as `pulumi preview` and `pulumi up` load it: through the Node language host's
 * command line and environment, from the directory Pulumi.yaml's `main` names, with the
 * `tsconfig` it names (test/support/languageHost.ts). The mocked tests import infra/index.ts
 * directly and never take this path: they passed while every real preview failed with "tsconfig
 * path was set to tsconfig.pulumi.json but the file was not found".
 */
import * as fs from "fs";
import * as path from "path";
import { expect } from "chai";
import { languageHostLaunch, runAsLanguageHost } from "../support/languageHost";

const root = path.join(__dirname, "..", "..");

describe("the program as the Pulumi CLI's language host starts it", function () {
  // ts-node compiles the program and esbuild bundles the handlers: several seconds on a busy machine.
  this.timeout(180_000);

  it("names a tsconfig that exists where the language host resolves it", () => {
    const launch = languageHostLaunch(root, "dev", { monitor: "m", engine: "e" }, true);
    const tsconfig = launch.env["PULUMI_NODEJS_TSCONFIG_PATH"] ?? "tsconfig.json";
    expect(fs.existsSync(path.resolve(launch.programDirectory, tsconfig)), tsconfig).to.equal(true);
  });

  // Stack scale builds flink-runner's JAR with Maven when it runs against an engine: its load is
  // proven by `npm run test:engine`, which has Java (test/engine/).
  for (const stack of ["dev", "lab"]) {
    it(`loads and registers stack ${stack}'s resources in a preview`, async () => {
      const run = await runAsLanguageHost(root, stack, true);
      const errors = run.logs.filter((log) => log.severity >= 3).map((log) => log.message);
      expect(errors, run.stderr).to.deep.equal([]);
      expect(run.exitCode, `${run.stdout}\n${run.stderr}`).to.equal(0);
      const types = new Set(run.resources.map((r) => r.type));
      expect([...types]).to.include.members([
        "pulumi:pulumi:Stack",
        "pulumi:providers:aws",
        "aws:kinesis/stream:Stream",
        "aws:dynamodb/table:Table",
      ]);
    });
  }
});
