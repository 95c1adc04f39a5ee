import { expect } from "chai";
import { setTimeout as sleep } from "node:timers/promises";
import type { DeliveryResult } from "../../../handlers/delivery/event";
import {
  DeliveryOutput,
  type DeliverFunction,
  type DeliveryEvent,
} from "../../../harness/local/deliveryOutput";

const arn = "arn:aws:kinesisanalytics:us-east-1:000000000000:application/local";
const b64 = (row: object) => Buffer.from(JSON.stringify(row)).toString("base64");
const decode = (data: string) =>
  JSON.parse(Buffer.from(data, "base64").toString()) as { n: number };

/** A destination that records every event and answers with `decide` per record. */
function destination(
  decide: (n: number, retryHint: number, call: number) => DeliveryResult | undefined,
) {
  const events: DeliveryEvent[] = [];
  const deliver: DeliverFunction = async (event) => {
    events.push(event);
    const call = events.length;
    return {
      records: event.records.flatMap((r) => {
        const result = decide(
          decode(r.data).n,
          r.lambdaDeliveryRecordMetadata?.retryHint ?? 0,
          call,
        );
        return result === undefined ? [] : [{ recordId: r.recordId, result }];
      }),
    };
  };
  return { events, deliver };
}

const sent = (events: DeliveryEvent[]) =>
  events.map((e) =>
    e.records.map((r) => [decode(r.data).n, r.lambdaDeliveryRecordMetadata?.retryHint ?? 0]),
  );

describe("the KDA-like delivery to a Lambda output", () => {
  it("sends the queued rows in one event of KDA's shape, each with retryHint 0", async () => {
    const { events, deliver } = destination(() => "Ok");
    const output = new DeliveryOutput({
      streamName: "DESTINATION_SQL_STREAM",
      applicationArn: arn,
      deliver,
    });
    [1, 2, 3].forEach((n) => output.enqueue(b64({ n })));

    await output.deliverDue();

    expect(events).to.have.length(1);
    expect(events[0].applicationArn).to.equal(arn);
    expect(events[0].invocationId).to.match(/^[0-9a-f-]{36}$/);
    expect(new Set(events[0].records.map((r) => r.recordId)).size).to.equal(3);
    expect(sent(events)).to.deep.equal([
      [
        [1, 0],
        [2, 0],
        [3, 0],
      ],
    ]);
    expect(output.idle).to.equal(true);
    expect(output.stats.rowsDelivered).to.equal(3);
  });

  it("splits a batch so that no event exceeds the payload limit", async () => {
    const { events, deliver } = destination(() => "Ok");
    const output = new DeliveryOutput({
      streamName: "S",
      applicationArn: arn,
      deliver,
      maxPayloadBytes: 2000,
    });
    for (let n = 0; n < 20; n++) output.enqueue(b64({ n, pad: "x".repeat(300) }));

    await output.deliverDue();

    expect(events.length).to.be.greaterThan(1);
    for (const event of events) {
      expect(Buffer.byteLength(JSON.stringify(event))).to.be.at.most(2000);
    }
    expect(events.flatMap((e) => e.records.map((r) => decode(r.data).n))).to.deep.equal(
      Array.from({ length: 20 }, (_, n) => n),
    );
  });

  it("redelivers DeliveryFailed records with retryHint + 1 and holds newer rows until they are in", async () => {
    const { events, deliver } = destination((n, retryHint) =>
      n === 2 && retryHint < 2 ? "DeliveryFailed" : "Ok",
    );
    const output = new DeliveryOutput({
      streamName: "S",
      applicationArn: arn,
      deliver,
      retryBaseMs: 0,
    });
    [1, 2, 3].forEach((n) => output.enqueue(b64({ n })));

    await output.deliverDue();
    output.enqueue(b64({ n: 4 }));
    await output.deliverDue();
    await output.deliverDue();
    await output.deliverDue();

    expect(sent(events)).to.deep.equal([
      [
        [1, 0],
        [2, 0],
        [3, 0],
      ],
      [[2, 1]],
      [[2, 2]],
      [[4, 0]],
    ]);
    expect(output.stats.redeliveries).to.equal(2);
    expect(output.stats.maxRetryHint).to.equal(2);
  });

  it("treats a record missing from the response as failed", async () => {
    const { events, deliver } = destination((n, retryHint) =>
      n === 1 && retryHint === 0 ? undefined : "Ok",
    );
    const output = new DeliveryOutput({
      streamName: "S",
      applicationArn: arn,
      deliver,
      retryBaseMs: 0,
    });
    [1, 2].forEach((n) => output.enqueue(b64({ n })));

    await output.deliverDue();
    await output.deliverDue();

    expect(sent(events)).to.deep.equal([
      [
        [1, 0],
        [2, 0],
      ],
      [[1, 1]],
    ]);
  });

  it("redelivers every record of an invocation that failed", async () => {
    let calls = 0;
    const seen: number[][] = [];
    const output = new DeliveryOutput({
      streamName: "S",
      applicationArn: arn,
      retryBaseMs: 0,
      deliver: async (event) => {
        seen.push(event.records.map((r) => r.lambdaDeliveryRecordMetadata?.retryHint ?? 0));
        if (++calls === 1) throw new Error("Task timed out after 60.00 seconds");
        return {
          records: event.records.map((r) => ({ recordId: r.recordId, result: "Ok" as const })),
        };
      },
    });
    [1, 2].forEach((n) => output.enqueue(b64({ n })));

    await output.deliverDue();
    await output.deliverDue();

    expect(seen).to.deep.equal([
      [0, 0],
      [1, 1],
    ]);
    expect(output.stats.failedInvocations).to.equal(1);
    expect(output.idle).to.equal(true);
  });

  it("waits a backoff that doubles with each consecutive failed invocation", async () => {
    const { events, deliver } = destination((_n, retryHint) =>
      retryHint < 2 ? "DeliveryFailed" : "Ok",
    );
    const output = new DeliveryOutput({
      streamName: "S",
      applicationArn: arn,
      deliver,
      retryBaseMs: 100,
    });
    output.enqueue(b64({ n: 1 }));

    await output.deliverDue(() => 0);
    await output.deliverDue(() => 99);
    const afterTooEarly = events.length;
    await output.deliverDue(() => 100);
    await output.deliverDue(() => 299);
    const afterSecondTooEarly = events.length;
    await output.deliverDue(() => 300);

    expect([afterTooEarly, afterSecondTooEarly, events.length]).to.deep.equal([1, 2, 3]);
    expect(output.idle).to.equal(true);
  });

  it("invokes on its own timer once started, until the queue is empty", async () => {
    const { events, deliver } = destination(() => "Ok");
    const output = new DeliveryOutput({
      streamName: "S",
      applicationArn: arn,
      deliver,
      intervalMs: 5,
    });
    output.start();
    [1, 2, 3].forEach((n) => output.enqueue(b64({ n })));
    while (!output.idle) await sleep(5);
    await output.stop();
    expect(events.flatMap((e) => e.records.map((r) => decode(r.data).n))).to.deep.equal([1, 2, 3]);
  });
});
