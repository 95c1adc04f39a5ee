import { expect } from "chai";
import { loadApplication, loadSessionizeApplication } from "../../../harness/emulator";
import type { InputRecord, Row, SqlApplication } from "../../../harness/emulator/types";
import { readSessionizeSql } from "../../../sql/inputSchema";

/** A small lab-like stream: three users, irregular gaps, some long pauses, a bad record. */
function labRecords(): InputRecord[] {
  const records: InputRecord[] = [];
  let t = Date.UTC(2022, 4, 31, 10, 0, 0);
  for (let i = 0; i < 60; i++) {
    t += [2000, 500, 11_000, 10_000, 3000][i % 5] + (i % 17 === 0 ? 90_000_000 : 0);
    const user = `user${(i * 7) % 3}`;
    const data =
      i === 23
        ? '{"user_id":"user1","event_timestamp":"oops"}'
        : JSON.stringify({
            user_id: user,
            event_timestamp: String(t - (i % 4 === 0 ? 4000 : 0)),
            device_type: i % 9 === 0 ? undefined : "desktop",
          });
    records.push({ data, arrivalTime: t });
  }
  return records;
}

function pushAll(app: SqlApplication, records: readonly InputRecord[]): Row[] {
  return records.flatMap((r) => app.push(r));
}

describe("snapshot and restore", () => {
  const sql = readSessionizeSql();
  const records = labRecords();
  const uninterrupted = pushAll(loadApplication(sql), records);

  it("continues identically after snapshot -> JSON -> restore into a fresh application, at every split point", () => {
    for (let split = 0; split <= records.length; split++) {
      const first = loadApplication(sql);
      const before = pushAll(first, records.slice(0, split));
      const saved = JSON.parse(JSON.stringify(first.snapshot()));
      const second = loadApplication(sql);
      second.restore(saved);
      const after = pushAll(second, records.slice(split));
      expect([...before, ...after], `split at ${split}`).to.deep.equal(uninterrupted);
    }
  });

  it("snapshots only the partitions whose key passes the filter", () => {
    const app = loadSessionizeApplication();
    pushAll(app, records);
    const snapshot = app.snapshot((key) => key[0] === "user1");
    expect(snapshot.partitions.map((p) => [p.window, p.key])).to.deep.equal([
      ["STREAM_PUMP1#0", ["user1"]],
      ["STREAM_PUMP2#0", ["user1"]],
    ]);
  });

  it("restores one user's state into a fresh process and continues that user identically", () => {
    const full = loadSessionizeApplication();
    const head = records.slice(0, 30);
    const tail = records.slice(30).filter((r) => String(r.data).includes('"user1"'));
    pushAll(full, head);
    const expected = pushAll(full, tail);

    const one = loadSessionizeApplication();
    pushAll(one, head);
    const userState = JSON.parse(JSON.stringify(one.snapshot((key) => key[0] === "user1")));
    const fresh = loadSessionizeApplication();
    fresh.restore(userState);
    expect(pushAll(fresh, tail)).to.deep.equal(expected);
  });

  it("replaces only the partitions a snapshot names and keeps the others", () => {
    const app = loadSessionizeApplication();
    app.push({ data: '{"user_id":"a","event_timestamp":1}', arrivalTime: 1 });
    app.push({ data: '{"user_id":"b","event_timestamp":2}', arrivalTime: 2 });
    const other = loadSessionizeApplication();
    other.push({ data: '{"user_id":"a","event_timestamp":100}', arrivalTime: 3 });
    app.restore(other.snapshot((key) => key[0] === "a"));
    const lag = (user: string) =>
      app.snapshot((key) => key[0] === user).partitions.find((p) => p.window === "STREAM_PUMP1#0")!
        .state;
    expect(lag("a")).to.deep.equal({ rows: 1, buffer: { p: [0], v: [100] } });
    expect(lag("b")).to.deep.equal({ rows: 1, buffer: { p: [0], v: [2] } });
  });

  it("snapshots a multi-column partition by its values", () => {
    const sql = `CREATE STREAM "OUT" ("n" BIGINT);
CREATE PUMP "P" AS INSERT INTO "OUT" SELECT STREAM COUNT(*) OVER (PARTITION BY "user_id", "device_type" ROWS 3 PRECEDING) FROM "SOURCE_SQL_STREAM_001";`;
    const app = loadApplication(sql);
    const counts = [
      '{"user_id":"a","device_type":"d"}',
      '{"user_id":"a"}',
      '{"user_id":"a","device_type":"d"}',
    ].map((data, i) => app.push({ data, arrivalTime: i })[0].values[0]);
    expect(counts).to.deep.equal([1, 1, 2]);
    expect(app.snapshot().partitions.map((p) => p.key)).to.deep.equal([
      ["a", "d"],
      ["a", null],
    ]);
  });

  it("keeps the ROWTIME clamp across a restore", () => {
    const app = loadSessionizeApplication();
    app.push({ data: '{"user_id":"u","event_timestamp":1}', arrivalTime: 5000 });
    const fresh = loadSessionizeApplication();
    fresh.restore(app.snapshot());
    const [row] = fresh.push({ data: '{"user_id":"u","event_timestamp":2}', arrivalTime: 10 });
    expect(row.rowtime).to.equal(5000);
  });

  it("rejects a snapshot naming a window the SQL does not have", () => {
    const app = loadSessionizeApplication();
    expect(() =>
      app.restore({
        version: 1,
        lastRowtime: null,
        partitions: [{ window: "NOPE#0", key: ["a"], state: { rows: 1 } }],
      }),
    ).to.throw(TypeError, /Snapshot names window "NOPE#0", which this SQL does not have/);
  });
});
