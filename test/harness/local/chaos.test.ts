import { expect } from "chai";
import { chaoticDelivery, type ChaosStats } from "../../../harness/local/chaos";
import type { DeliverFunction, DeliveryEvent } from "../../../harness/local/deliveryOutput";

const event = (n: number): DeliveryEvent => ({
  invocationId: `i${n}`,
  applicationArn: "arn",
  records: [0, 1, 2].map((r) => ({
    recordId: `${n}-${r}`,
    lambdaDeliveryRecordMetadata: { retryHint: 0 },
    data: "e30=",
  })),
});

/** Runs 200 invocations through chaos; returns what each one came back as. */
async function outcomes(
  seed: number,
): Promise<{ outcomes: string[]; stats: ChaosStats; ran: number }> {
  let ran = 0;
  const deliver: DeliverFunction = async (e) => {
    ran++;
    return { records: e.records.map((r) => ({ recordId: r.recordId, result: "Ok" as const })) };
  };
  const stats: ChaosStats = { refusedInvocations: 0, lostResponses: 0, droppedAnswers: 0 };
  const chaotic = chaoticDelivery(deliver, seed, stats);
  const list: string[] = [];
  for (let n = 0; n < 200; n++) {
    list.push(
      await chaotic(event(n)).then(
        (response) => `answered ${response.records.length}`,
        (error: Error) => error.message,
      ),
    );
  }
  return { outcomes: list, stats, ran };
}

describe("delivery chaos", () => {
  it("opens with one refused invocation, one lost response and one dropped answer", async () => {
    const { outcomes: list } = await outcomes(1);
    expect(list.slice(0, 3)).to.deep.equal([
      "Rate Exceeded (injected throttle)",
      "Task timed out (injected, after the function ran)",
      "answered 2",
    ]);
  });

  it("injects the same failures for the same seed", async () => {
    expect((await outcomes(3)).outcomes).to.deep.equal((await outcomes(3)).outcomes);
  });

  it("refuses some invocations, loses some responses after the function ran, and drops some answers", async () => {
    const { stats, ran, outcomes: list } = await outcomes(5);
    expect(stats.refusedInvocations).to.be.greaterThan(0);
    expect(stats.lostResponses).to.be.greaterThan(0);
    expect(stats.droppedAnswers).to.be.greaterThan(0);
    expect(ran).to.equal(200 - stats.refusedInvocations);
    expect(list.filter((o) => o === "answered 2")).to.have.length(stats.droppedAnswers);
  });
});
