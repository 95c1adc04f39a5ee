/**
 * The delivery format, built straight from a row's values: the compiled JSON text must be the text
 * of the delivery object, byte for byte, for every column type and value, and the replay's text
 * output must be its object output written out.
 */
import { expect } from "chai";
import fc from "fast-check";
import { createReplay, deliveryJson, rowToDeliveryObject } from "../../../harness/emulator";
import { compileRowJson } from "../../../harness/emulator/delivery";
import type { ColumnType, SqlValue, StreamInfo } from "../../../harness/emulator/types";
import { readSessionizeSql } from "../../../sql/inputSchema";
import { generateClicks } from "../../../harness/bench/clickstream";

/** A column type and values it can hold, NULL included. */
const columnArbitrary: fc.Arbitrary<{ type: ColumnType; value: fc.Arbitrary<SqlValue> }> = fc
  .constantFrom<ColumnType>(
    { kind: "CHAR", length: 6 },
    { kind: "VARCHAR", length: 20 },
    { kind: "BIGINT" },
    { kind: "INTEGER" },
    { kind: "DOUBLE" },
    { kind: "BOOLEAN" },
    { kind: "TIMESTAMP" },
  )
  .map((type) => {
    const text = fc.string({ unit: "binary", maxLength: 8 });
    const values: Record<string, fc.Arbitrary<SqlValue>> = {
      CHAR: text.map((s) => s.padEnd(6, " ")),
      VARCHAR: fc.oneof(text, fc.string({ unit: "grapheme", maxLength: 8 })),
      BIGINT: fc.oneof(
        fc.maxSafeInteger(),
        fc
          .bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })
          .filter((v) => v > 2n ** 53n || v < -(2n ** 53n)),
        fc.constant(-0),
      ),
      INTEGER: fc.integer(),
      DOUBLE: fc.double(),
      BOOLEAN: fc.boolean(),
      TIMESTAMP: fc.integer({ min: -8.64e15, max: 8.64e15 }),
    };
    return { type, value: fc.oneof(values[type.kind], fc.constant(null)) };
  });

const rowArbitrary = fc
  .array(
    fc.tuple(
      fc.oneof(fc.constantFrom("a", "user_id", "__proto__", 'q"uote'), fc.string()),
      columnArbitrary,
    ),
    { minLength: 1, maxLength: 6 },
  )
  // Distinct names; no integer-like ones ("0"), which a JavaScript object puts first whatever the
  // column order (the text keeps the column order).
  .map((columns) =>
    columns.filter(
      ([name], i) => columns.findIndex(([n]) => n === name) === i && !/^(0|[1-9]\d*)$/.test(name),
    ),
  )
  .filter((columns) => columns.length > 0)
  .chain((columns) =>
    fc.tuple(
      fc.constant<StreamInfo>({
        name: "S",
        columns: columns.map(([name, { type }]) => ({ name, type })),
      }),
      fc.tuple(...columns.map(([, { value }]) => value)),
    ),
  );

describe("the delivery format", () => {
  it("writes a row's JSON text as the delivery object's, byte for byte, whatever its values", () => {
    fc.assert(
      fc.property(rowArbitrary, fc.boolean(), ([stream, values], trimChar) => {
        const row = { stream: stream.name, rowtime: 0, values };
        const object = rowToDeliveryObject(stream, row, { trimChar });
        expect(compileRowJson(stream, { trimChar })(values)).to.equal(deliveryJson(object));
        expect(Object.keys(object)).to.deep.equal(stream.columns.map((c) => c.name));
      }),
      { numRuns: 2000 },
    );
  });

  it("writes the replay's rows as text exactly as its objects written out", () => {
    const lines = [...generateClicks({ events: 3000, users: 40, seed: 3 })];
    for (const stream of ["DESTINATION_SQL_STREAM", "INTERMEDIATE_SQL_STREAM"]) {
      const asText = createReplay(readSessionizeSql(), { stream });
      const asObjects = createReplay(readSessionizeSql(), { stream });
      const text = lines.map((line) => asText.feedText(line)).join("");
      const objects = lines.flatMap((line) => asObjects.feed(line));
      expect(objects.length, stream).to.be.greaterThan(50);
      expect(text).to.equal(objects.map((o) => deliveryJson(o) + "\n").join(""));
    }
  });
});
