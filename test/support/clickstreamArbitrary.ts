/**
 * fast-check arbitraries for random clickstreams aimed at the corners of `sql/sessionize.sql`: gaps
 * around 10 s (exactly 10000 and 10001 ms), negative gaps, user ids that overflow VARCHAR(7) and the
 * VARCHAR(32) input column, device types that overflow VARCHAR(10), NULL and missing fields, string
 * and numeric timestamps, escaped strings, late and equal arrival times, and bad records (not JSON,
 * not an object, timestamps that are not integers).
 *
 * Inputs where the rulebook is silent or DuckDB's JSON reader differs from RFC 8259 are left out on
 * purpose: duplicate keys, trailing commas, NaN/Infinity, non-string user ids and device types,
 * `1.0`-style and exponent numbers, integers beyond 2^53.
 */
import fc from "fast-check";

/** One record as both engines receive it. */
export interface ClickRecord {
  readonly data: string;
  readonly arrivalTime: number;
}

/** `undefined` leaves the field out of the record; `null` writes JSON null. */
type FieldValue = string | number | boolean | null | undefined | object;

const userIds: readonly (string | null | undefined)[] = [
  "user1",
  "user2",
  "user3",
  "u",
  "",
  "seven77", // exactly VARCHAR(7)
  "eight888", // one character too long for INTERMEDIATE_SQL_STREAM
  "eight88", // what "eight888" truncates to
  "Ünïcödé", // 7 non-ASCII characters
  'q"uote\\', // JSON escapes, 7 characters
  "a-user-id-longer-than-thirty-two-characters-1", // truncated on input, then overflows
  "a-user-id-longer-than-thirty-two-characters-2", // the same 32-character prefix
  null,
  undefined,
];

/**
 * Values longer than their INTERMEDIATE_SQL_STREAM column only by trailing blanks: the rulebook
 * (`docs/semantics.md`) sends any value longer than the column to error_stream (standard SQL would
 * drop the blanks).
 */
const trailingBlankUserIds = ["user1   "] as const;
const trailingBlankDeviceTypes = ["smartwatch  "] as const;

const deviceTypes: readonly (string | null | undefined)[] = [
  "desktop",
  "mobile",
  "tablet",
  "smartwatch", // exactly VARCHAR(10)
  "smart-fridge", // overflows VARCHAR(10)
  "",
  null,
  undefined,
];

/** Event-time gaps to the user's previous event, clustered around the 10 s session boundary. */
const gapArbitrary = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(9999, 10000, 10001, 0, -1, 1, 20000, -10001) },
  { weight: 3, arbitrary: fc.integer({ min: 1500, max: 2500 }) },
  { weight: 2, arbitrary: fc.integer({ min: -30000, max: 60000 }) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 3 * 86400000 }) },
);

/** How the record carries its event_timestamp. */
const timestampFormArbitrary = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom("string", "number") },
  { weight: 1, arbitrary: fc.constantFrom("missing", "null") },
  {
    weight: 1,
    arbitrary: fc.constantFrom<FieldValue>(
      "1.5",
      1.5,
      "12a",
      " 12",
      "+12",
      "",
      "0x10",
      true,
      {},
      [],
      "--1",
    ),
  },
);

/** Records that never reach SOURCE_SQL_STREAM_001 because they are not JSON objects. */
const notAnObjectArbitrary = fc.constantFrom(
  "not json",
  "",
  "   ",
  '{"user_id":"user1","event_timestamp":',
  "[1,2]",
  "42",
  '"user1"',
  "null",
  "true",
  "{'user_id':'user1'}",
  '{"user_id":"user1"} trailing',
);

/** Arrival-time steps: equal arrivals, ordinary ones, late records (clamped), and day-long jumps. */
const arrivalStepArbitrary = fc.oneof(
  { weight: 3, arbitrary: fc.constant(0) },
  { weight: 5, arbitrary: fc.integer({ min: 1, max: 15000 }) },
  { weight: 1, arbitrary: fc.integer({ min: -60000, max: -1 }) },
  { weight: 1, arbitrary: fc.integer({ min: 86_000_000, max: 87_000_000 }) },
);

/** What the generated streams contain beyond the default. */
export interface ClickstreamShape {
  /** Most records in one stream (default 60). */
  readonly maxLength?: number;
  /** Also user ids and device types that overflow their column only by trailing blanks. */
  readonly trailingBlankOverflow?: boolean;
}

function stepArbitrary(shape: ClickstreamShape) {
  const blanks = shape.trailingBlankOverflow === true;
  return fc.record({
    user: fc.constantFrom(...userIds, ...(blanks ? trailingBlankUserIds : [])),
    gap: gapArbitrary,
    timestamp: timestampFormArbitrary,
    device: fc.constantFrom(...deviceTypes, ...(blanks ? trailingBlankDeviceTypes : [])),
    withNameAndType: fc.boolean(),
    escapeStrings: fc.boolean(),
    notAnObject: fc.oneof(
      { weight: 15, arbitrary: fc.constant(undefined) },
      { weight: 1, arbitrary: notAnObjectArbitrary },
    ),
    arrivalStep: arrivalStepArbitrary,
  });
}

type Step = ReturnType<typeof stepArbitrary> extends fc.Arbitrary<infer T> ? T : never;

/** JSON text of a string with every character as a `\u` escape: the same value, other bytes. */
function escapedJsonString(text: string): string {
  const units = Array.from(text, (ch) => "\\u" + ch.charCodeAt(0).toString(16).padStart(4, "0"));
  return `"${units.join("")}"`;
}

function jsonValue(value: FieldValue, escapeStrings: boolean): string {
  return typeof value === "string" && escapeStrings
    ? escapedJsonString(value)
    : JSON.stringify(value);
}

function recordText(fields: readonly [string, FieldValue][], escapeStrings: boolean): string {
  const members = fields
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) => `"${name}":${jsonValue(value, escapeStrings)}`);
  return `{${members.join(",")}}`;
}

/** Turns generated steps into records: per-user event times follow the gaps, arrivals the steps. */
function buildStream(
  startMs: number,
  arrivalStartMs: number,
  steps: readonly Step[],
): ClickRecord[] {
  const lastEventTime = new Map<string | null | undefined, number>();
  let arrivalTime = arrivalStartMs;
  return steps.map((step) => {
    arrivalTime += step.arrivalStep;
    if (step.notAnObject !== undefined) return { data: step.notAnObject, arrivalTime };
    const eventTime = (lastEventTime.get(step.user) ?? startMs) + step.gap;
    lastEventTime.set(step.user, eventTime);
    const timestamp: FieldValue =
      step.timestamp === "string"
        ? String(eventTime)
        : step.timestamp === "number"
          ? eventTime
          : step.timestamp === "missing"
            ? undefined
            : step.timestamp === "null"
              ? null
              : step.timestamp;
    const data = recordText(
      [
        ["user_id", step.user],
        ["event_timestamp", timestamp],
        ["event_name", step.withNameAndType ? "search" : undefined],
        ["event_type", step.withNameAndType ? "click" : undefined],
        ["device_type", step.device],
      ],
      step.escapeStrings,
    );
    return { data, arrivalTime };
  });
}

/**
 * One clickstream of up to `maxLength` records. Event times start in 2022, at the epoch, just before
 * it (negative epoch ms) or a second before midnight, so `HH:mm:ss` wraps.
 */
export function clickstreamArbitrary(shape: ClickstreamShape = {}): fc.Arbitrary<ClickRecord[]> {
  return fc
    .tuple(
      fc.constantFrom(1654000000000, 0, -5000, 86399000),
      fc.constantFrom(1654000000000, 1700000000000),
      fc.array(stepArbitrary(shape), { maxLength: shape.maxLength ?? 60, size: "max" }),
    )
    .map(([startMs, arrivalStartMs, steps]) => buildStream(startMs, arrivalStartMs, steps));
}

/** A readable dump of a stream for failure messages: one `arrivalTime data` line per record. */
export function describeStream(records: readonly ClickRecord[]): string {
  return records
    .map((record, seq) => `  #${seq} arrival ${record.arrivalTime}: ${JSON.stringify(record.data)}`)
    .join("\n");
}
