/**
 * `npm start -- --engine flink`'s pipeline (`npm run test:flink`): kinesalite, flink-runner's
 * deployed mode reading it through the Kinesis connector, dynalite. The run must reconcile as the
 * other engines' runs do, and the sessions table must hold what the harness's replay computes for
 * the same clicks. A few users and clicks: the JVM's start is most of the time.
 */
import { expect } from "chai";
import { runLocalPipeline } from "../../harness/local/pipeline";
import { labClicks, replayedTable, sortedItems } from "../support/sessionsTable";

describe("engine flink: the local pipeline (npm start -- --engine flink)", function () {
  this.timeout(10 * 60 * 1000);

  it("reconciles, and fills the sessions table with what replay computes", async () => {
    const clicks = labClicks(20261130, { count: 120, users: ["user1", "user2", "user3"] });
    const result = await runLocalPipeline({ clicks, engine: "flink", drainTimeoutMs: 120_000 });

    expect(result.summary.differences).to.deep.equal([]);
    expect(result.summary.reconciled).to.equal(true);
    expect(result.summary.recordsRead).to.equal(120);
    expect(result.summary.tableItems).to.be.greaterThan(3);
    expect(sortedItems(result.sessions)).to.deep.equal(await replayedTable(clicks));
  });
});
