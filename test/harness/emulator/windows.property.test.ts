/**
 * Every window function over ROWS and RANGE frames against a naive reference that recomputes each
 * row's frame from the whole partition history (docs/semantics.md, "Functions"): the compact
 * per-partition state must give the same values on random streams.
 */
import { expect } from "chai";
import fc from "fast-check";
import { pumpSql, run, rec } from "./helpers";

interface Event {
  readonly key: string | null;
  readonly value: number | null;
  readonly rowtime: number;
}

type Frame = { readonly rows: number } | { readonly seconds: number };

interface Call {
  readonly sql: string;
  readonly frame: Frame;
  /** The value over the frame's rows, oldest first, for the current row (last of `all`). */
  readonly naive: (frame: readonly Event[], all: readonly Event[]) => number | null;
}

const values = (rows: readonly Event[]) =>
  rows.map((r) => r.value).filter((v): v is number => v !== null);

/** The k-th row before the current one, within the frame (LAG). */
function lag(k: number, ignoreNulls: boolean) {
  return (frame: readonly Event[], all: readonly Event[]): number | null => {
    if (k === 0) return all[all.length - 1].value;
    const previous = frame.slice(0, -1).filter((r) => !ignoreNulls || r.value !== null);
    return previous.length >= k ? previous[previous.length - k].value : null;
  };
}

const naiveFunctions: Record<string, (k: number) => Call["naive"]> = {
  LAG: (k) => lag(k, false),
  "LAG IGNORE": (k) => lag(k, true),
  LAST_VALUE: () => (frame) => frame[frame.length - 1].value,
  "LAST_VALUE IGNORE": () => (frame) => values(frame).at(-1) ?? null,
  FIRST_VALUE: () => (frame) => frame[0].value,
  "FIRST_VALUE IGNORE": () => (frame) => values(frame)[0] ?? null,
  "COUNT(*)": () => (frame) => frame.length,
  COUNT: () => (frame) => values(frame).length,
  SUM: () => (frame) => (values(frame).length ? values(frame).reduce((a, b) => a + b, 0) : null),
  AVG: () => (frame) => {
    const v = values(frame);
    return v.length ? Math.trunc(v.reduce((a, b) => a + b, 0) / v.length) || 0 : null;
  },
  MIN: () => (frame) => (values(frame).length ? Math.min(...values(frame)) : null),
  MAX: () => (frame) => (values(frame).length ? Math.max(...values(frame)) : null),
};

function callSql(name: string, k: number): string {
  const [fn, ignore] = name.split(" ");
  const nulls = ignore === undefined ? "" : " IGNORE NULLS";
  if (fn === "LAG") return `LAG("v", ${k})${nulls}`;
  if (fn === "COUNT(*)") return "COUNT(*)";
  return `${fn}("v")${nulls}`;
}

const callArbitrary: fc.Arbitrary<Call> = fc
  .tuple(
    fc.constantFrom(...Object.keys(naiveFunctions)),
    fc.integer({ min: 0, max: 3 }),
    fc.oneof(
      fc.integer({ min: 0, max: 3 }).map((rows): Frame => ({ rows })),
      fc.integer({ min: 1, max: 3 }).map((seconds): Frame => ({ seconds })),
    ),
  )
  .map(([name, k, frame]) => {
    const window =
      "rows" in frame
        ? `ROWS ${frame.rows} PRECEDING`
        : `RANGE INTERVAL '${frame.seconds}' SECOND PRECEDING`;
    return {
      sql: `${callSql(name, k)} OVER (PARTITION BY "k" ${window})`,
      frame,
      naive: naiveFunctions[name](k),
    };
  });

const eventsArbitrary = fc
  .array(
    fc.tuple(
      fc.constantFrom("a", "b", null),
      fc.option(fc.integer({ min: -50, max: 50 }), { nil: null }),
      fc.constantFrom(0, 0, 400, 1000, 1001, 2500),
    ),
    { maxLength: 40 },
  )
  .map((tuples) => {
    let rowtime = 0;
    return tuples.map(([key, value, gap]): Event => ({ key, value, rowtime: (rowtime += gap) }));
  });

function naiveRows(calls: readonly Call[], events: readonly Event[]): (number | null)[][] {
  return events.map((event, i) => {
    const partition = events.slice(0, i + 1).filter((e) => e.key === event.key);
    const ordinal = partition.length - 1;
    return calls.map((call) => {
      const frame = partition.filter((e, j) =>
        "rows" in call.frame
          ? j >= ordinal - call.frame.rows
          : e.rowtime >= event.rowtime - call.frame.seconds * 1000,
      );
      return call.naive(frame, partition);
    });
  });
}

describe("window functions against a naive reference", () => {
  it("give every row the value its whole frame gives, for every function and frame", () => {
    fc.assert(
      fc.property(
        fc.array(callArbitrary, { minLength: 1, maxLength: 6 }),
        eventsArbitrary,
        (calls, events) => {
          const columns = calls.map((_, i) => `"c${i}" BIGINT`).join(", ");
          const sql = pumpSql(columns, calls.map((c) => c.sql).join(", "));
          const rows = run(
            sql,
            events.map((e) => rec({ k: e.key, v: e.value }, e.rowtime)),
          );
          expect(
            rows.map((r) => Object.values(r)),
            calls.map((c) => c.sql).join("; "),
          ).to.deep.equal(naiveRows(calls, events));
        },
      ),
      { numRuns: 400 },
    );
  });
});
