import { expect } from "chai";
import fc from "fast-check";
import * as fs from "fs";
import * as path from "path";
import { compileDateFormat } from "../../../harness/emulator/functions";
import { formatTimestamp } from "../../../harness/emulator/sqlTypes";

/**
 * The table is java.text.SimpleDateFormat's own output (UTC, US locale), printed by
 * fixtures/TimestampToCharTable.java: an independent computation of every pattern letter KDA
 * documents, around year and month boundaries where week fields change.
 */
const table = JSON.parse(
  fs.readFileSync(path.join(__dirname, "fixtures", "timestampToChar.json"), "utf8"),
) as { patterns: string[]; rows: [number, ...string[]][] };

describe("TIMESTAMP_TO_CHAR against Java's SimpleDateFormat", () => {
  for (const [p, pattern] of table.patterns.entries()) {
    it(`formats ${JSON.stringify(pattern)} as Java does at ${table.rows.length} instants`, () => {
      const format = compileDateFormat(pattern);
      const differences = table.rows
        .map(([ms, ...expected]) => ({ ms, expected: expected[p], actual: format(ms) }))
        .filter((row) => row.actual !== row.expected);
      expect(differences).to.deep.equal([]);
    });
  }

  it("puts Monday 2024-12-30 in week 1 of week year 2025, as Java's US locale does", () => {
    expect(compileDateFormat("YYYY-'W'ww")(Date.UTC(2024, 11, 30))).to.equal("2025-W01");
    expect(compileDateFormat("yyyy")(Date.UTC(2024, 11, 30))).to.equal("2024");
  });
});

/** Any instant a TIMESTAMP can hold, crowded around midnights, the epoch and the range's ends. */
const instant = fc.oneof(
  fc.integer({ min: -8.64e15, max: 8.64e15 }),
  fc
    .integer({ min: -3, max: 3 })
    .chain((day) => fc.integer({ min: -2, max: 2 }).map((ms) => day * 86_400_000 + ms)),
  fc.constantFrom(-8.64e15, 8.64e15, -62135596800000, 253402300799999, 0, -1),
);

const pad = (n: number, width: number) => String(n).padStart(width, "0");

describe("TIMESTAMP formatting without a Date per row", () => {
  it("writes the delivery text of every instant as Date's UTC fields give it", () => {
    fc.assert(
      fc.property(instant, (ms) => {
        const d = new Date(ms);
        const year = d.getUTCFullYear();
        const yyyy = year >= 0 && year < 10000 ? pad(year, 4) : String(year);
        const expected =
          `${yyyy}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)} ` +
          `${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}.${pad(d.getUTCMilliseconds(), 3)}`;
        expect(formatTimestamp(ms), String(ms)).to.equal(expected);
      }),
      { numRuns: 3000 },
    );
  });

  it("formats the time-of-day letters of every instant as Date's UTC fields give them", () => {
    const format = compileDateFormat("HH:mm:ss.SSS a hh KK kk H:m:s.S");
    fc.assert(
      fc.property(instant, (ms) => {
        const d = new Date(ms);
        const [h, m, s, S] = [
          d.getUTCHours(),
          d.getUTCMinutes(),
          d.getUTCSeconds(),
          d.getUTCMilliseconds(),
        ];
        const expected =
          `${pad(h, 2)}:${pad(m, 2)}:${pad(s, 2)}.${pad(S, 3)} ${h < 12 ? "AM" : "PM"} ` +
          `${pad(h % 12 || 12, 2)} ${pad(h % 12, 2)} ${pad(h || 24, 2)} ${h}:${m}:${s}.${S}`;
        expect(format(ms), String(ms)).to.equal(expected);
      }),
      { numRuns: 3000 },
    );
  });

  it("formats instants out of order, across days, as in order", () => {
    const format = compileDateFormat("yyyy-MM-dd HH:mm:ss.SSS");
    // From year 1 on, where Java's year of era and the delivery's year agree.
    const anno = instant.filter((ms) => ms >= -62135596800000);
    fc.assert(
      fc.property(fc.array(anno, { minLength: 2, maxLength: 20 }), (instants) => {
        expect(instants.map(format)).to.deep.equal(instants.map((ms) => formatTimestamp(ms)));
      }),
    );
  });
});
