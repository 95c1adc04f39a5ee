import { expect } from "chai";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { runUnderMocks } from "../../infra/plan/mocks";
import { urnsBefore } from "./fixtures/urnsBefore";
import { runStack } from "./mockedStack";
import { createUrn, runUrns } from "../../infra/plan/urns";

/** `pulumi.createUrn`'s answer, for comparison with infra/plan/urns.ts. */
const sdkUrn = (name: string, type: string, parent: string | undefined): Promise<string> =>
  new Promise((resolve) =>
    pulumi.createUrn(name, type, parent, "p", "s").apply((urn) => resolve(urn)),
  );

describe("URNs computed as the Pulumi engine does (infra/plan/urns.ts)", () => {
  it("leaves the stack out of a child's type and keeps every component above it", async () => {
    const scope = { project: "p", stack: "s" };
    const stack = createUrn("p-s", "pulumi:pulumi:Stack", undefined, scope);
    const pipeline = createUrn("x", "p:m:Pipeline", stack, scope);
    const engine = createUrn("x", "p:m:Engine", pipeline, scope);
    const table = createUrn("x-t", "aws:dynamodb/table:Table", engine, scope);
    expect(table).to.equal(
      "urn:pulumi:s::p::p:m:Pipeline$p:m:Engine$aws:dynamodb/table:Table::x-t",
    );
    for (const [name, type, parent, urn] of [
      ["x", "p:m:Pipeline", stack, pipeline],
      ["x", "p:m:Engine", pipeline, engine],
      ["x-t", "aws:dynamodb/table:Table", engine, table],
    ] as const)
      expect(await sdkUrn(name, type, parent)).to.equal(urn);
  });

  it("resolves aliases given as {parent}, {name}, {parent: rootStackResource} or a URN, and inherits a parent's aliases", async () => {
    const run = await runUnderMocks({
      project: "p",
      stack: "s",
      config: { "aws:region": "us-west-2" },
      preview: true,
      program: () => {
        const outer = new pulumi.ComponentResource("p:m:Outer", "o");
        const inner = new pulumi.ComponentResource(
          "p:m:Inner",
          "o-inner",
          {},
          {
            parent: outer,
            aliases: [{ parent: pulumi.rootStackResource, name: "old" }],
          },
        );
        new aws.sns.Topic("o-inner-t", {}, { parent: inner });
        new aws.sns.Topic("moved", {}, { parent: inner, aliases: [{ parent: outer }] });
        new aws.sns.Topic("renamed", {}, { parent: outer, aliases: [{ name: "before" }] });
        new aws.sns.Topic("given", {}, { aliases: ["urn:pulumi:s::p::aws:sns/topic:Topic::was"] });
        return {};
      },
    });
    const urns = runUrns(run);
    const topic = "aws:sns/topic:Topic";
    // Its own alias, then the parent's alias applied to its name and to its own alias's name.
    expect(urns.aliasesOf(`${topic}::moved`)).to.deep.equal([
      `urn:pulumi:s::p::p:m:Outer$${topic}::moved`,
      `urn:pulumi:s::p::p:m:Inner$${topic}::moved`,
      `urn:pulumi:s::p::p:m:Inner$${topic}::moved`,
    ]);
    expect(urns.aliasesOf(`${topic}::o-inner-t`)).to.deep.equal([
      `urn:pulumi:s::p::p:m:Inner$${topic}::old-t`,
    ]);
    expect(urns.aliasesOf(`${topic}::renamed`)).to.deep.equal([
      `urn:pulumi:s::p::p:m:Outer$${topic}::before`,
    ]);
    expect(urns.aliasesOf(`${topic}::given`)).to.deep.equal([
      "urn:pulumi:s::p::aws:sns/topic:Topic::was",
    ]);
    expect(urns.urnOf(`${topic}::moved`)).to.equal(
      `urn:pulumi:s::p::p:m:Outer$p:m:Inner$${topic}::moved`,
    );
  });
});

/**
 * Resources added after the fixture's commit, each on purpose: the explicit AWS provider that
 * carries the default tags and the alarm on event source mapping deliveries that failed (issue 15);
 * the alarms on the handlers' own metrics and the alarm topic the dev stack now creates (issue 10).
 * New, not moved, so they have no old URN.
 */
const addedSince: readonly string[] = [
  "pulumi:providers:aws::aws",
  "aws:cloudwatch/metricAlarm:MetricAlarm::sessionizer-destination-delivery-failures",
  "aws:sns/topic:Topic::sessionizer-alarms",
  "aws:cloudwatch/metricAlarm:MetricAlarm::sessionizer-dead-letters-written",
  "aws:cloudwatch/metricAlarm:MetricAlarm::sessionizer-table-errors",
  "aws:cloudwatch/metricAlarm:MetricAlarm::sessionizer-concurrent-batches",
];

describe(`a deployed stack survives the engines' move (URNs of ${urnsBefore.commit} in test/infra/fixtures/urnsBefore.ts)`, () => {
  for (const old of urnsBefore.cases) {
    const engine = old.config["clickstream-sessionizer:engine"];
    describe(`stack ${old.stack} with engine ${engine}`, () => {
      let urnsNow: ReturnType<typeof runUrns>;
      before(async () => {
        // As `pulumi preview` runs it: `pulumi up` refuses engine kda-sql.
        urnsNow = runUrns(await runStack(old.stack, old.config, { preview: true }));
      });

      it("reaches every old URN: unchanged, or as an alias of exactly one resource", () => {
        const current = new Set(urnsNow.keys.map(urnsNow.urnOf));
        const problems: string[] = [];
        for (const urn of old.urns) {
          const aliasedBy = urnsNow.keys.filter((k) => urnsNow.aliasesOf(k).includes(urn));
          const reached = (current.has(urn) ? 1 : 0) + aliasedBy.length;
          if (reached !== 1)
            problems.push(
              `${urn}: ${current.has(urn) ? "kept and " : ""}aliased by [${aliasedBy}]`,
            );
        }
        expect(problems, "old URNs not reached exactly once").to.deep.equal([]);
      });

      it("creates no cloud resource but those added since on purpose: every other resource without an old URN is a component", () => {
        const known = new Set<string>(old.urns);
        const fresh = urnsNow.keys.filter(
          (k) => !known.has(urnsNow.urnOf(k)) && !urnsNow.aliasesOf(k).some((a) => known.has(a)),
        );
        for (const key of fresh.filter((k) => !addedSince.includes(k)))
          expect(key).to.match(/^clickstream-sessionizer:/);
      });
    });
  }
});
