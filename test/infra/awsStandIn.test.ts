/**
 * The `aws` provider stand-in the engine tests run the program against (test/engine/awsStandIn):
 * its rules must be the plan's (infra/plan/replacements.ts, infra/plan/arns.ts), and its plugin
 * must start the way the Pulumi engine starts a provider.
 */
import { spawn } from "node:child_process";
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import { expect } from "chai";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import * as provrpc from "@pulumi/pulumi/proto/provider_grpc_pb";
import { autoName, physicalState } from "../../infra/plan/arns";
import { getRegionToken } from "../../infra/plan/mocks";
import { replacingInputs } from "../../infra/plan/replacements";
import {
  changedPaths,
  checkInputs,
  configuredRegion,
  createResource,
  defaultsKey,
  diffResource,
  invoke,
  physicalId,
  resourceOf,
  unknownValue,
  updateResource,
  type Properties,
} from "../engine/awsStandIn/standIn";

const table = "aws:dynamodb/table:Table";
const context = { region: "us-west-2" };
const secret = (value: unknown): Properties => ({
  "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
  value,
});
const sessionsTable: Properties = {
  name: "sessions",
  hashKey: "userId",
  rangeKey: "sessionId",
  billingMode: "PAY_PER_REQUEST",
  localSecondaryIndexes: [{ name: "byStart", rangeKey: "start", projectionType: "ALL" }],
  tags: { env: "dev" },
};

/** One Diff: a type, its old and new inputs, and what the stand-in must answer. */
interface DiffCase {
  readonly title: string;
  readonly type: string;
  readonly olds: Properties;
  readonly news: Properties;
  readonly replaces: readonly string[];
  /** Every changed path and its kind, `+replace` when it forces the replacement. */
  readonly paths: Readonly<Record<string, string>>;
}

const diffCases: readonly DiffCase[] = [
  {
    title: "replaces a table whose hashKey changed",
    type: table,
    olds: sessionsTable,
    news: { ...sessionsTable, hashKey: "deviceId" },
    replaces: ["hashKey"],
    paths: { hashKey: "update+replace" },
  },
  {
    title: "updates a table whose billingMode changed",
    type: table,
    olds: sessionsTable,
    news: { ...sessionsTable, billingMode: "PROVISIONED" },
    replaces: [],
    paths: { billingMode: "update" },
  },
  {
    title: "replaces a table for a change deep inside localSecondaryIndexes",
    type: table,
    olds: sessionsTable,
    news: {
      ...sessionsTable,
      localSecondaryIndexes: [{ name: "byStart", rangeKey: "end", projectionType: "ALL" }],
    },
    replaces: ["localSecondaryIndexes"],
    paths: { "localSecondaryIndexes[0].rangeKey": "update+replace" },
  },
  {
    title: "finds no change in equal inputs, whatever the key order and the defaults list",
    type: table,
    olds: { ...sessionsTable, [defaultsKey]: [] },
    news: Object.fromEntries(Object.entries(sessionsTable).reverse()),
    replaces: [],
    paths: {},
  },
  {
    title: "counts an unknown value as a change",
    type: table,
    olds: sessionsTable,
    news: { ...sessionsTable, name: unknownValue },
    replaces: ["name"],
    paths: { name: "update+replace" },
  },
  {
    title: "compares secrets by their values",
    type: table,
    olds: { ...sessionsTable, tags: secret({ env: "dev" }) },
    news: { ...sessionsTable, tags: secret({ env: "prod" }) },
    replaces: [],
    paths: { "tags.env": "update" },
  },
  {
    title: "reports added and deleted inputs, and quotes keys that are not bare names",
    type: table,
    olds: { ...sessionsTable, ttl: { enabled: true } },
    news: { ...sessionsTable, tags: { env: "dev", "team.name": "data" } },
    replaces: [],
    paths: { ttl: "delete", 'tags["team.name"]': "add" },
  },
  {
    title: "treats a null input as an absent one",
    type: table,
    olds: { ...sessionsTable, rangeKey: null },
    news: Object.fromEntries(Object.entries(sessionsTable).filter(([key]) => key !== "rangeKey")),
    replaces: [],
    paths: {},
  },
  {
    title: "updates, never replaces, a type the replacement table does not know",
    type: "aws:kms/key:Key",
    olds: { description: "old" },
    news: { description: "new" },
    replaces: [],
    paths: { description: "update" },
  },
  {
    // pulumi-aws 7: the provider is updated; each regional resource is replaced by its own region.
    title: "updates the provider when its region changes",
    type: "pulumi:providers:aws",
    olds: { region: "us-west-2", version: "7.48.0" },
    news: { region: "eu-west-1", version: "7.48.0" },
    replaces: [],
    paths: { region: "update" },
  },
  {
    title: "replaces a regional resource whose region changes",
    type: "aws:sqs/queue:Queue",
    olds: { name: "q", region: "us-west-2" },
    news: { name: "q", region: "eu-west-1" },
    replaces: ["region"],
    paths: { region: "update+replace" },
  },
  {
    title: "has no region on a global (IAM) resource",
    type: "aws:iam/role:Role",
    olds: { name: "r", region: "us-west-2" },
    news: { name: "r", region: "eu-west-1" },
    replaces: [],
    paths: { region: "update" },
  },
];

describe("the aws provider stand-in", () => {
  describe("diffs inputs with the plan's replacement table", () => {
    for (const c of diffCases) {
      it(c.title, () => {
        const diff = diffResource(c.type, c.olds, c.news);

        const paths = Object.fromEntries(
          diff.changes.map((ch) => [ch.path, `${ch.kind}${ch.replaces ? "+replace" : ""}`]),
        );
        expect(paths).to.deep.equal(c.paths);
        expect(diff.replaces).to.deep.equal(c.replaces);
        expect(diff.diffs).to.have.members([...new Set(diff.changes.map((ch) => ch.input))]);
      });
    }

    it("replaces every type of the table for a change under every one of its forcing inputs", () => {
      for (const [type, rule] of Object.entries(replacingInputs)) {
        for (const input of rule.inputs) {
          const diff = diffResource(type, { [input]: { value: "before" } }, { [input]: "after" });
          const nested = diffResource(
            type,
            { [input]: [{ value: "before" }] },
            { [input]: [{ value: "after" }] },
          );

          expect(diff.replaces, `${type} ${input}`).to.deep.equal([input]);
          expect(nested.replaces, `${type} ${input}[0].value`).to.deep.equal([input]);
          expect(nested.changes.map((ch) => ch.replaces)).to.deep.equal([true]);
        }
      }
    });

    it("names each path in Pulumi's syntax, under the input it lies in", () => {
      const changes = changedPaths({ a: { b: [1, { c: 2 }] } }, { a: { b: [1, { c: 3 }, 4] } });

      expect(changes).to.deep.equal([
        { path: "a.b[1].c", input: "a", kind: "update" },
        { path: "a.b[2]", input: "a", kind: "add" },
      ]);
    });
  });

  describe("checks inputs as pulumi-aws does", () => {
    it("gives a regional resource its provider's region and a global one none", () => {
      const queue = checkInputs("aws:sqs/queue:Queue", "q", {}, { name: "q" }, context);
      const role = checkInputs("aws:iam/role:Role", "r", {}, { name: "r" }, context);
      const own = checkInputs("aws:sqs/queue:Queue", "q", {}, { region: "eu-west-1" }, context);

      expect(queue["region"]).to.equal(context.region);
      expect(role).to.not.have.property("region");
      expect(own["region"]).to.equal("eu-west-1");
    });

    it("keeps an IAM policy document as JSON text, unknown while anything in it is", () => {
      const document = { Version: "2012-10-17", Statement: [{ Effect: "Allow" }] };
      const known = checkInputs(
        "aws:iam/rolePolicy:RolePolicy",
        "p",
        {},
        { policy: document },
        context,
      );
      const pending = checkInputs(
        "aws:iam/rolePolicy:RolePolicy",
        "p",
        {},
        { policy: { ...document, Statement: [{ Effect: "Allow", Resource: [unknownValue] }] } },
        context,
      );

      expect(known["policy"]).to.equal(JSON.stringify(document));
      expect(pending["policy"]).to.equal(unknownValue);
    });

    it("gives an unnamed table the plan's auto-name and records it as a default", () => {
      const inputs = checkInputs(table, "sessions", {}, { hashKey: "userId" }, context);

      expect(inputs).to.deep.equal({
        hashKey: "userId",
        name: autoName("sessions"),
        region: context.region,
        [defaultsKey]: ["name"],
      });
    });

    it("keeps the auto-name chosen before, so an update never renames", () => {
      const olds = { hashKey: "userId", name: "sessions-0000000", [defaultsKey]: ["name"] };

      const inputs = checkInputs(table, "sessions", olds, { hashKey: "deviceId" }, context);

      expect(inputs["name"]).to.equal("sessions-0000000");
    });

    it("gives a new auto-name when the old name was the program's own", () => {
      const olds = { hashKey: "userId", name: "sessions", [defaultsKey]: [] };

      const inputs = checkInputs(table, "sessions", olds, { hashKey: "userId" }, context);

      expect(inputs["name"]).to.equal(autoName("sessions"));
    });

    it("leaves a name the program gave alone, with an empty defaults list", () => {
      const inputs = checkInputs(table, "sessions", {}, sessionsTable, context);

      expect(inputs).to.deep.equal({ ...sessionsTable, region: context.region, [defaultsKey]: [] });
    });

    it("completes a role's namePrefix, and leaves the name unknown while the prefix is", () => {
      const role = "aws:iam/role:Role";
      const known = checkInputs(role, "fn", {}, { namePrefix: "p-us-west-2-" }, context);
      const pending = checkInputs(role, "fn", {}, { namePrefix: unknownValue }, context);

      expect(known["name"]).to.equal(autoName("fn", "p-us-west-2-"));
      expect(pending["name"]).to.equal(unknownValue);
    });

    it("names an unnamed bucket in lower case and auto-names nothing of an unnamed type", () => {
      const bucket = checkInputs("aws:s3/bucketV2:BucketV2", "Code", {}, {}, context);
      const mapping = checkInputs(
        "aws:lambda/eventSourceMapping:EventSourceMapping",
        "m",
        {},
        { batchSize: 100 },
        context,
      );

      expect(bucket["bucket"]).to.equal(autoName("Code").toLowerCase());
      expect(mapping).to.deep.equal({ batchSize: 100, region: context.region, [defaultsKey]: [] });
    });

    it("replaces a resource reference by the resource's id", () => {
      const reference = {
        "4dabf18193072939515e22adb298388d": "5cf8f73096256a8f31e491e813e4eb8e",
        urn: "urn:pulumi:dev::p::aws:iam/role:Role::fn",
        id: "fn-role",
      };

      const inputs = checkInputs(
        "aws:iam/rolePolicy:RolePolicy",
        "p",
        {},
        { role: reference },
        {
          region: "us-west-2",
        },
      );

      expect(inputs["role"]).to.equal("fn-role");
    });
  });

  describe("creates and updates with the plan's physical state", () => {
    const inputs = { ...sessionsTable, [defaultsKey]: [] };

    it("gives a created table the plan's ARN and its name as id", () => {
      const created = createResource(table, "sessions", inputs, context, false);

      expect(created.id).to.equal("sessions");
      expect(created.outputs).to.deep.equal({
        ...sessionsTable,
        ...physicalState(table, "sessions", sessionsTable, context),
      });
      expect(created.outputs["arn"]).to.equal(
        "arn:aws:dynamodb:us-west-2:123456789012:table/sessions",
      );
    });

    it("previews a creation with an empty id and an unknown ARN, keeping the checked name", () => {
      const checked = checkInputs(table, "sessions", {}, { hashKey: "userId" }, context);

      const created = createResource(table, "sessions", checked, context, true);

      expect(created.id).to.equal("");
      expect(created.outputs["arn"]).to.equal(unknownValue);
      expect(created.outputs["name"]).to.equal(autoName("sessions"));
    });

    it("previews only the members a KDA application's state adds to an input as unknown", () => {
      const type = "aws:kinesis/analyticsApplication:AnalyticsApplication";
      const news = { name: "app", inputs: { namePrefix: "SOURCE_SQL_STREAM" } };

      const { outputs } = createResource(type, "app", news, context, true);

      expect(outputs["inputs"]).to.deep.equal({
        namePrefix: "SOURCE_SQL_STREAM",
        id: unknownValue,
      });
    });

    it("ids a resource by its physical name, else by its logical name as the mocks do", () => {
      const type = "aws:lambda/eventSourceMapping:EventSourceMapping";

      expect(physicalId(type, "mapping", { batchSize: 100 }, context)).to.equal("mapping-id");
      expect(
        physicalId(
          "aws:s3/bucketObjectv2:BucketObjectv2",
          "jar",
          { bucket: "b", key: "k" },
          context,
        ),
      ).to.equal("k");
    });

    it("keeps the old ARN in the preview of an update that does not change it", () => {
      const olds = createResource(table, "sessions", inputs, context, false).outputs;
      const news = { ...inputs, billingMode: "PROVISIONED" };

      const outputs = updateResource(table, "sessions", olds, inputs, news, context, true);

      expect(outputs["arn"]).to.equal(olds["arn"]);
      expect(outputs["billingMode"]).to.equal("PROVISIONED");
    });

    it("previews as unknown a computed output the new inputs no longer give", () => {
      const type = "aws:s3/bucketObjectv2:BucketObjectv2";
      const oldInputs = { bucket: "code", key: "job.jar" };
      const olds = createResource(type, "jar", oldInputs, context, false).outputs;
      const news = { bucket: "code", key: unknownValue };

      const outputs = updateResource(type, "jar", olds, oldInputs, news, context, true);

      expect(outputs["arn"]).to.equal(unknownValue);
      expect(outputs["versionId"]).to.equal(unknownValue);
    });

    it("keeps secrets as they are in the outputs", () => {
      const news = { ...inputs, tags: secret({ env: "dev" }) };

      const { outputs } = createResource(table, "sessions", news, context, false);

      expect(outputs["tags"]).to.deep.equal(secret({ env: "dev" }));
    });
  });

  describe("answers the provider functions as the plan's mocks do", () => {
    it("answers getRegion with the configured region", () => {
      expect(invoke(getRegionToken, "eu-west-1")).to.deep.equal({
        id: "eu-west-1",
        name: "eu-west-1",
        region: "eu-west-1",
      });
    });

    it("answers getCallerIdentity with the plan's account", () => {
      const identity = invoke("aws:index/getCallerIdentity:getCallerIdentity", "us-west-2");

      expect(identity["accountId"]).to.equal("123456789012");
      expect(identity["arn"]).to.equal("arn:aws:iam::123456789012:user/plan");
    });

    it("answers getPartition with the region's partition", () => {
      const partition = invoke("aws:index/getPartition:getPartition", "cn-north-1");

      expect(partition).to.include({ partition: "aws-cn", dnsSuffix: "amazonaws.com.cn" });
    });

    it("refuses any other function, naming it", () => {
      expect(() => invoke("aws:index/getAmi:getAmi", "us-west-2")).to.throw(
        /the aws stand-in does not answer aws:index\/getAmi:getAmi/,
      );
    });

    it("reads the region from the provider's input, else from the stack's aws:region", () => {
      expect(configuredRegion({ region: "eu-west-1" }, { "aws:region": "us-west-2" }, {})).to.equal(
        "eu-west-1",
      );
      expect(configuredRegion({}, { "aws:region": "us-west-2" }, {})).to.equal("us-west-2");
      expect(configuredRegion({ region: unknownValue }, {}, {})).to.equal(undefined);
    });
  });

  it("names a resource by its URN's type and logical name", () => {
    const urn = "urn:pulumi:dev::p::sessionizer:index:Pipeline$aws:dynamodb/table:Table::sessions";

    expect(resourceOf(urn)).to.deep.equal({ type: table, name: "sessions" });
  });

  describe("its plugin", function () {
    // Starting Node with tsx and loading @pulumi/pulumi takes a few seconds on a cold machine.
    this.timeout(60_000);

    it("starts as the engine starts it: prints only its port, then answers GetPluginInfo", async () => {
      const plugin = path.join(__dirname, "../engine/awsStandIn/pulumi-resource-aws");
      const child = spawn(plugin, ["127.0.0.1:1"], { stdio: ["ignore", "pipe", "inherit"] });
      try {
        const stdout = await new Promise<string>((resolve, reject) => {
          let text = "";
          child.stdout.setEncoding("utf8");
          child.stdout.on("data", (chunk: string) => {
            text += chunk;
            if (text.includes("\n")) resolve(text);
          });
          child.once("error", reject);
          child.once("exit", (code) => reject(new Error(`the plugin exited with ${code}`)));
        });
        expect(stdout).to.match(/^\d+\n$/);

        const client = new provrpc.ResourceProviderClient(
          `127.0.0.1:${stdout.trim()}`,
          grpc.credentials.createInsecure(),
        );
        try {
          const version = await new Promise<string>((resolve, reject) =>
            client.getPluginInfo(new Empty(), (error, info) =>
              error ? reject(error) : resolve(info.getVersion()),
            ),
          );
          expect(version).to.equal("7.48.0");
        } finally {
          client.close();
        }
      } finally {
        child.kill();
      }
    });
  });
});
