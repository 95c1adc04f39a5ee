import { expect } from "chai";
import fc from "fast-check";
import { loadApplication } from "../../../harness/emulator";
import type { InputRecord, Row, SqlApplication } from "../../../harness/emulator/types";
import { readSessionizeSql } from "../../../sql/inputSchema";

const sql = readSessionizeSql();

/** Random lab-like records: a few users, gaps around the 10 s boundary, late events, bad records. */
const records = fc
  .array(
    fc.record({
      user: fc.constantFrom("user1", "user2", "user3", "u"),
      gap: fc.oneof(
        fc.integer({ min: 0, max: 20_000 }),
        fc.constantFrom(9_999, 10_000, 10_001, 90_000_000),
      ),
      skew: fc.integer({ min: -15_000, max: 0 }),
      device: fc.option(fc.constantFrom("desktop", "mobile"), { nil: undefined }),
      bad: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
    }),
    { maxLength: 60 },
  )
  .map((events) => {
    let t = Date.UTC(2022, 4, 31, 10, 0, 0);
    return events.map((e): InputRecord => {
      t += e.gap;
      const data = e.bad
        ? `{"user_id":"${e.user}","event_timestamp":"x${t}"}`
        : JSON.stringify({
            user_id: e.user,
            event_timestamp: String(t + e.skew),
            device_type: e.device,
          });
      return { data, arrivalTime: t };
    });
  });

function pushAll(app: SqlApplication, input: readonly InputRecord[]): Row[] {
  return input.flatMap((r) => app.push(r));
}

describe("snapshot and restore on random streams", () => {
  it("gives the same rows as one uninterrupted run, wherever the stream is split", () => {
    fc.assert(
      fc.property(records, fc.nat(), (input, at) => {
        const split = input.length === 0 ? 0 : at % (input.length + 1);
        const expected = pushAll(loadApplication(sql), input);
        const first = loadApplication(sql);
        const before = pushAll(first, input.slice(0, split));
        const second = loadApplication(sql);
        second.restore(JSON.parse(JSON.stringify(first.snapshot())));
        expect([...before, ...pushAll(second, input.slice(split))]).to.deep.equal(expected);
      }),
      { numRuns: 150 },
    );
  });

  it("keeps at most two rows of LAG state per user however long the stream", () => {
    fc.assert(
      fc.property(records, (input) => {
        const app = loadApplication(sql);
        pushAll(app, input);
        for (const partition of app.snapshot().partitions) {
          const state = partition.state as { buffer?: { v: unknown[] } };
          if (partition.window === "STREAM_PUMP1#0")
            expect(state.buffer!.v.length).to.be.at.most(2);
          else expect(state.buffer).to.equal(undefined);
        }
      }),
      { numRuns: 100 },
    );
  });
});
