import { expect } from "chai";
import fc from "fast-check";
import { generateClicks } from "../../../harness/bench/clickstream";
import { compileInputMapping, InputRejection } from "../../../harness/emulator/inputMapping";
import { compileRecordScanner } from "../../../harness/emulator/recordScanner";
import { parseJson } from "../../../harness/emulator";
import type { SqlValue } from "../../../harness/emulator/types";
import type { InputSchema } from "../../../sql/inputSchema";
import { clickInputSchema } from "../../../sql/inputSchema";

/** What mapping a record's text gives: the row, or the rejection's name and message. */
type Outcome = { row: SqlValue[] } | { errorName: string; message: string };

function outcomeOf(map: () => SqlValue[]): Outcome {
  try {
    return { row: map() };
  } catch (error) {
    if (!(error instanceof InputRejection)) throw error;
    return { errorName: error.errorName, message: error.message };
  }
}

/** A schema with every column type, so coercions and their rejections are compared too. */
const mixedSchema: InputSchema = {
  ...clickInputSchema,
  columns: [
    { name: "s", sqlType: "VARCHAR(4)", type: { kind: "VARCHAR", length: 4 }, mapping: "$.s" },
    { name: "b", sqlType: "BIGINT", type: { kind: "BIGINT" }, mapping: "$.b" },
    { name: "i", sqlType: "INTEGER", type: { kind: "INTEGER" }, mapping: "$['i']" },
    { name: "c", sqlType: "CHAR(3)", type: { kind: "CHAR", length: 3 }, mapping: "$.c" },
    { name: "t", sqlType: "TIMESTAMP", type: { kind: "TIMESTAMP" }, mapping: "$.t" },
  ],
};

/**
 * Checks one text against both paths: when the scanner accepts it, its outcome must be the general
 * path's (`parseJson`, then the mapper). Returns whether the scanner accepted it.
 */
function scannerAgrees(schema: InputSchema, text: string): boolean {
  const scan = compileRecordScanner(schema)!;
  const general = compileInputMapping(schema);
  let declined = false;
  const scanned = outcomeOf(() => {
    const row = scan(text);
    if (row === undefined) declined = true;
    return row ?? [];
  });
  if (declined) return false;
  // Whatever the scanner accepts is JSON, so the general path's parse cannot fail here.
  expect(scanned, JSON.stringify(text)).to.deep.equal(outcomeOf(() => general(parseJson(text))));
  return true;
}

const whitespace = fc.constantFrom("", "", " ", "  ", "\t", "\n", "\r\n", "\u00a0", "\v", "\f");

/** Value texts around every corner of the scanner's subset, valid JSON and not. */
const valueText = fc.oneof(
  fc.jsonValue().map((value) => JSON.stringify(value)),
  fc.string({ unit: "binary", maxLength: 8 }).map((s) => JSON.stringify(s)),
  fc.string({ unit: "binary", maxLength: 8 }).map((s) => `"${s}"`),
  fc.bigInt({ min: -(10n ** 18n), max: 10n ** 18n }).map(String),
  fc.bigInt({ min: -(2n ** 65n), max: 2n ** 65n }).map(String),
  fc.integer({ min: -2147483649, max: 2147483648 }).map(String),
  fc.double().map(String),
  fc.constantFrom(
    "0",
    "-0",
    "01",
    "-",
    "-01",
    "1.5",
    "1e3",
    "1E3",
    "2147483648",
    "999999999999999",
    "9999999999999999",
    "9007199254740993",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775808",
    "-9223372036854775809",
    '"9223372036854775807"',
    '"-9223372036854775809"',
    "00000000000000001",
    "1654000000000",
    '"1654000000000"',
    '"-5"',
    '"2022-05-31 10:00:00"',
    '"2022-05-31 10:00:00.123"',
    '"abcdef"',
    '"ab"',
    '""',
    '"\\u0041"',
    '"a\\"b"',
    "true",
    "false",
    "null",
    "tru",
    "nul",
    "truex",
    "NaN",
    "[]",
    "{}",
    '{"a":1}',
  ),
);

/** Values the scanner accepts, so that most ordered records take the fast path. */
const scannableValueText = fc.oneof(
  fc.string({ unit: "grapheme", maxLength: 8 }).map((s) => JSON.stringify(s)),
  fc.integer({ min: -2147483649, max: 2147483648 }).map(String),
  fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n }).map(String),
  fc.constantFrom("0", "-0", "1654000000000", '"1654000000000"', '"2022-05-31 10:00:00"', "null"),
);

/** Field names: the schema's (often, and sometimes repeated) and others. */
const keyText = fc.oneof(
  fc.constantFrom(...mixedSchema.columns.map((c) => JSON.stringify(c.name))),
  fc.constantFrom('"x"', '"S"', '"s "', '"\\u0073"', "s", '"s', '""', '"__proto__"'),
);

const memberText = fc
  .tuple(whitespace, keyText, whitespace, valueText, whitespace)
  .map(([a, key, b, value, c]) => `${a}${key}${b}:${b}${value}${c}`);

/** Members in the schema's order, as the lab writes them, so the scanner accepts most of them. */
const orderedRecordText = fc
  .tuple(
    fc.tuple(
      ...mixedSchema.columns.map(() =>
        fc.oneof({ arbitrary: scannableValueText, weight: 6 }, { arbitrary: valueText, weight: 1 }),
      ),
    ),
    fc.oneof(fc.constant(""), whitespace),
    fc.oneof(fc.constant(""), whitespace),
    fc.boolean(),
  )
  .map(
    ([values, before, after, spaced]) =>
      `${before}{${mixedSchema.columns
        .map((c, k) => `${spaced ? " " : ""}"${c.name}":${spaced ? " " : ""}${values[k]}`)
        .join(",")}}${after}`,
  );

const recordText = fc.oneof(
  orderedRecordText,
  fc
    .array(memberText, { maxLength: 7 })
    .chain((members) =>
      fc
        .tuple(whitespace, whitespace, fc.constantFrom(",", ", ", ",,"))
        .map(([a, b, comma]) => `${a}{${members.join(comma)}}${b}`),
    ),
  fc.jsonValue().map((value) => JSON.stringify(value)),
  fc.string({ unit: "binary", maxLength: 40 }),
);

/** A record text with one character inserted or deleted somewhere: mostly broken JSON. */
const mutatedRecordText = fc
  .tuple(
    orderedRecordText,
    fc.nat(),
    fc.constantFrom(...'"\\{}[],: \t\n0-a\u0000\u00e9\ud800'),
    fc.boolean(),
  )
  .map(([text, at, character, insert]) => {
    const i = at % (text.length + 1);
    return insert
      ? text.slice(0, i) + character + text.slice(i)
      : text.slice(0, i) + text.slice(i + 1);
  });

describe("the flat-record scanner", () => {
  it("maps arbitrary JSON-ish text exactly as parseJson and the mapper do, whenever it accepts it", () => {
    let accepted = 0;
    fc.assert(
      fc.property(fc.oneof(recordText, mutatedRecordText), (text) => {
        if (scannerAgrees(mixedSchema, text)) accepted++;
      }),
      { numRuns: 3000 },
    );
    // The property says nothing if the scanner declines everything; about a sixth is accepted.
    expect(accepted).to.be.greaterThan(150);
  });

  it("maps the lab's records, as the simulator and the benchmark write them, on the fast path", () => {
    const labTemplate = (user: string, name: string, ms: number): string =>
      `{ "user_id": "${user}", "event_timestamp": "${ms}", "event_name": "${name}", "event_type": "click", "device_type": "desktop" }`;
    const texts = [
      labTemplate("user1", "checkout", 1654000000000),
      labTemplate("user3", "navigate", 1654000012345),
      ...generateClicks({ events: 500, users: 20, seed: 7 }),
    ];
    for (const text of texts) expect(scannerAgrees(clickInputSchema, text), text).to.equal(true);
  });

  it("declines records with escapes, nested values, fractions or the fields out of order", () => {
    const scan = compileRecordScanner(clickInputSchema)!;
    for (const text of [
      '{"user_id":"us\\u0065r1","event_timestamp":1,"event_name":null,"event_type":null,"device_type":null}',
      '{"user_id":{"a":1},"event_timestamp":1,"event_name":null,"event_type":null,"device_type":null}',
      '{"user_id":"u","event_timestamp":1.0,"event_name":null,"event_type":null,"device_type":null}',
      '{"event_timestamp":1,"user_id":"u","event_name":null,"event_type":null,"device_type":null}',
      '{"user_id":"u"}',
    ]) {
      expect(scan(text), text).to.equal(undefined);
    }
  });

  it("is not compiled for nested JSONPaths, which need the general path", () => {
    const nested: InputSchema = {
      ...clickInputSchema,
      columns: [{ ...mixedSchema.columns[0], mapping: "$.a.s" }],
    };
    expect(compileRecordScanner(nested)).to.equal(null);
  });
});
