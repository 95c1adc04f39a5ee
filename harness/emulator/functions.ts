/**
 * The SQL functions the harness supports: their signatures (checked by the planner at load) and
 * their implementations (registered with alasql by the adapter). Every function returns NULL for a
 * NULL argument unless said otherwise. TIMESTAMPs are epoch milliseconds, formatted in UTC.
 */
import type { SqlValue } from "./types";
import { SqlRowError } from "./errors";
import { bigintResult, fromBigint, toBigint } from "./integers";
import {
  BigintType,
  formatType,
  IntegerType,
  isIntegerType,
  isNumericType,
  isStringType,
  maxVarcharLength,
  RowErrorName,
  TimestampType,
  type SqlType,
} from "./sqlTypes";

type Value = SqlValue | undefined;

/** The largest distance from the epoch a TIMESTAMP can have (JavaScript's Date range). */
const maxTimestamp = 8.64e15;

const monthNames = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];
const dayNames = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

/**
 * The instant a format reads: the UTC date (a Date at the day's midnight, made once per day, so a
 * stream's consecutive rows share it) and the time of day, computed without a Date.
 */
class Instant {
  date = new Date(NaN);
  private day = NaN;
  hour = 0;
  minute = 0;
  second = 0;
  milli = 0;

  set(ms: number): void {
    if (Number.isInteger(ms) && Math.abs(ms) <= maxTimestamp) {
      const day = Math.floor(ms / dayMs);
      if (day !== this.day) {
        this.day = day;
        this.date = new Date(day * dayMs);
      }
      const time = ms - day * dayMs;
      this.hour = Math.floor(time / 3_600_000);
      this.minute = Math.floor(time / 60_000) % 60;
      this.second = Math.floor(time / 1000) % 60;
      this.milli = time % 1000;
    } else {
      // Outside Date's range or fractional: exactly as a Date reads it (NaN fields when invalid).
      const date = new Date(ms);
      this.day = NaN;
      this.date = date;
      this.hour = date.getUTCHours();
      this.minute = date.getUTCMinutes();
      this.second = date.getUTCSeconds();
      this.milli = date.getUTCMilliseconds();
    }
  }
}

type Formatter = (t: Instant) => string;

const pad = (n: number, width: number): string => {
  const text = String(n);
  return text.length >= width ? text : "0".repeat(width - text.length) + text;
};

const dayMs = 86_400_000;

/**
 * Java's week fields in the JVM's default US locale (docs/semantics.md, "Functions"): weeks start
 * on Sunday and week 1 of a year is the week holding January 1, so the last days of December can
 * belong to week 1 of the next week year (Monday 2024-12-30 is week 1 of 2025).
 */
function weekOfYear(d: Date): { weekYear: number; week: number } {
  const day = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
  const firstWeekStart = (year: number): number => {
    const january1 = Date.UTC(year, 0, 1);
    return january1 - new Date(january1).getUTCDay() * dayMs;
  };
  const year = d.getUTCFullYear();
  const next = firstWeekStart(year + 1);
  if (day >= next) return { weekYear: year + 1, week: 1 };
  return { weekYear: year, week: Math.floor((day - firstWeekStart(year)) / dayMs / 7) + 1 };
}

/** The week of the month (US rules: week 1 holds the 1st, weeks start on Sunday). */
function weekOfMonth(d: Date): number {
  const firstWeekday = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1)).getUTCDay();
  return Math.floor((d.getUTCDate() - 1 + firstWeekday) / 7) + 1;
}

/** The year of the era: Java prints 1 BC (astronomical year 0) as year 1 with era BC. */
const yearOfEra = (year: number): number => (year > 0 ? year : 1 - year);

function letterFormatter(letter: string, count: number): Formatter | null {
  const date = letterOfDate(letter, count);
  if (date !== null) return (t) => date(t.date);
  const number =
    (get: (t: Instant) => number): Formatter =>
    (t) =>
      pad(get(t), count);
  switch (letter) {
    case "a":
      return (t) => (t.hour < 12 ? "AM" : "PM");
    case "H":
      return number((t) => t.hour);
    case "k":
      return number((t) => t.hour || 24);
    case "K":
      return number((t) => t.hour % 12);
    case "h":
      return number((t) => t.hour % 12 || 12);
    case "m":
      return number((t) => t.minute);
    case "s":
      return number((t) => t.second);
    case "S":
      return number((t) => t.milli);
    case "z":
      return () => (count >= 4 ? "Coordinated Universal Time" : "UTC");
    case "Z":
      return () => "+0000";
    case "X":
      return () => "Z";
    default:
      return null;
  }
}

/** A letter of the date (era, years, months, weeks, days), from the UTC date. */
function letterOfDate(letter: string, count: number): ((d: Date) => string) | null {
  const number =
    (get: (d: Date) => number): ((d: Date) => string) =>
    (d) =>
      pad(get(d), count);
  const text = (names: readonly string[], get: (d: Date) => number): ((d: Date) => string) =>
    count >= 4 ? (d) => names[get(d)] : (d) => names[get(d)].slice(0, 3);
  switch (letter) {
    case "G":
      return (d) => (d.getUTCFullYear() > 0 ? "AD" : "BC");
    case "y":
    case "Y": {
      // `y` is the calendar year, `Y` the week year; two letters print the last two digits.
      const year =
        letter === "y"
          ? (d: Date) => yearOfEra(d.getUTCFullYear())
          : (d: Date) => yearOfEra(weekOfYear(d).weekYear);
      return count === 2 ? (d) => pad(year(d) % 100, 2) : number(year);
    }
    case "w":
      return number((d) => weekOfYear(d).week);
    case "W":
      return number(weekOfMonth);
    case "F":
      return number((d) => Math.floor((d.getUTCDate() - 1) / 7) + 1);
    case "M":
    case "L":
      return count >= 3
        ? text(monthNames, (d) => d.getUTCMonth())
        : number((d) => d.getUTCMonth() + 1);
    case "d":
      return number((d) => d.getUTCDate());
    case "D":
      return number(
        (d) => Math.floor((d.getTime() - Date.UTC(d.getUTCFullYear(), 0, 1)) / 86_400_000) + 1,
      );
    case "E":
      return text(dayNames, (d) => d.getUTCDay());
    case "u":
      return number((d) => d.getUTCDay() || 7);
    default:
      return null;
  }
}

/**
 * Compiles a Java SimpleDateFormat pattern (`'HH:mm:ss'`, `yyyy-MM-dd'T'HH`) into a formatter.
 * Throws `Invalid_Argument` naming the first letter Java would reject.
 */
export function compileDateFormat(pattern: string): (ms: number) => string {
  const parts: Formatter[] = [];
  let i = 0;
  while (i < pattern.length) {
    const ch = pattern[i];
    if (ch === "'") {
      if (pattern[i + 1] === "'") {
        parts.push(() => "'");
        i += 2;
        continue;
      }
      let literal = "";
      let k = i + 1;
      for (;;) {
        if (k >= pattern.length) {
          throw new SqlRowError(
            RowErrorName.InvalidArgument,
            `Unterminated quote in date format ${JSON.stringify(pattern)}`,
          );
        }
        if (pattern[k] === "'") {
          if (pattern[k + 1] === "'") {
            literal += "'";
            k += 2;
            continue;
          }
          break;
        }
        literal += pattern[k++];
      }
      parts.push(() => literal);
      i = k + 1;
      continue;
    }
    if (/[A-Za-z]/.test(ch)) {
      let count = 1;
      while (pattern[i + count] === ch) count++;
      const formatter = letterFormatter(ch, count);
      if (formatter === null) {
        throw new SqlRowError(
          RowErrorName.InvalidArgument,
          `Illegal pattern character "${ch}" in date format ${JSON.stringify(pattern)}; ` +
            "expected letters of G y Y M L w W d D F E u a H k K h m s S z Z X, or text in single quotes",
        );
      }
      parts.push(formatter);
      i += count;
      continue;
    }
    parts.push(() => ch);
    i++;
  }
  // One instant per compiled format: formatting is synchronous, never re-entered.
  const instant = new Instant();
  return (ms) => {
    instant.set(ms);
    let out = "";
    for (let i = 0; i < parts.length; i++) out += parts[i](instant);
    return out;
  };
}

/** A literal format as the planner compiles it. */
interface CompiledFormat {
  readonly pattern: string;
  readonly format: (ms: number) => string;
}

const formatCache = new Map<string, (ms: number) => string>();

function formatTimestampWith(pattern: string, ms: number): string {
  let formatter = formatCache.get(pattern);
  if (formatter === undefined) {
    formatter = compileDateFormat(pattern);
    // Patterns are nearly always literals; the bound only guards against computed ones.
    if (formatCache.size > 1000) formatCache.clear();
    formatCache.set(pattern, formatter);
  }
  return formatter(ms);
}

function trimmer(side: "BOTH" | "LEADING" | "TRAILING") {
  return (s: Value, chars: Value = " "): SqlValue => {
    if (s == null || chars == null) return null;
    const c = chars as string;
    if (c.length !== 1) {
      throw new SqlRowError(
        RowErrorName.InvalidArgument,
        `TRIM character must be exactly one character, got ${JSON.stringify(c)}`,
      );
    }
    let start = 0;
    let end = (s as string).length;
    const text = s as string;
    if (side !== "TRAILING") while (start < end && text[start] === c) start++;
    if (side !== "LEADING") while (end > start && text[end - 1] === c) end--;
    return text.slice(start, end);
  };
}

/** Function implementations by the name the adapter registers them under (prefixed `KDA_`). */
export const functionImplementations: Readonly<Record<string, (...args: Value[]) => SqlValue>> = {
  TO_TIMESTAMP: (ms) => {
    if (ms == null) return null;
    // A bigint is beyond 2^53, so beyond the TIMESTAMP range too.
    if (typeof ms === "bigint" || Math.abs(ms as number) > maxTimestamp) {
      throw new SqlRowError(
        RowErrorName.NumericOverflow,
        `TO_TIMESTAMP(${ms}) is outside the TIMESTAMP range of ±${maxTimestamp} ms around 1970-01-01`,
      );
    }
    return ms as number;
  },
  UNIX_TIMESTAMP: (ts) => (ts == null ? null : (ts as number)),
  TIMESTAMP_TO_CHAR: (format, ts) =>
    format == null || ts == null ? null : formatTimestampWith(format as string, ts as number),
  /** TIMESTAMP_TO_CHAR with a literal format, compiled by the planner. */
  TIMESTAMP_FORMAT: (ts, compiled) =>
    ts == null ? null : (compiled as unknown as CompiledFormat).format(ts as number),
  TIMESTAMP_FORMAT_NULL_STRING: (ts, compiled) =>
    ts == null ? "null" : (compiled as unknown as CompiledFormat).format(ts as number),
  // AWS's page says TIMESTAMP_TO_CHAR of NULL is the string 'null'; opt-in variant.
  TIMESTAMP_TO_CHAR_NULL_STRING: (format, ts) =>
    format == null
      ? null
      : ts == null
        ? "null"
        : formatTimestampWith(format as string, ts as number),
  CHAR_LENGTH: (s) => (s == null ? null : (s as string).length),
  UPPER: (s) => (s == null ? null : (s as string).toUpperCase()),
  LOWER: (s) => (s == null ? null : (s as string).toLowerCase()),
  SUBSTRING: (s, start, length) => {
    if (s == null || start == null) return null;
    const text = s as string;
    // A BIGINT position beyond 2^53 is far outside any string; its nearest double says the same.
    const from = Number(start);
    if (length === undefined) return text.slice(Math.max(from - 1, 0));
    if (length === null) return null;
    if (Number(length) < 0) {
      throw new SqlRowError(
        RowErrorName.InvalidArgument,
        `SUBSTRING length must not be negative, got ${length}`,
      );
    }
    const end = from + Number(length) - 1;
    return text.slice(Math.max(from - 1, 0), Math.max(end, 0));
  },
  TRIM_BOTH: trimmer("BOTH"),
  TRIM_LEADING: trimmer("LEADING"),
  TRIM_TRAILING: trimmer("TRAILING"),
  COALESCE: (...args) => {
    for (const a of args) if (a != null) return a;
    return null;
  },
  ABS: (n) =>
    n == null
      ? null
      : typeof n === "bigint"
        ? bigintResult(n < 0n ? -n : n, () => `ABS(${n})`)
        : Math.abs(n as number),
  // A bigint is an integer already, and FLOOR and CEIL of an integer are the integer.
  FLOOR: (n) => (n == null ? null : typeof n === "bigint" ? n : Math.floor(n as number)),
  CEIL: (n) => (n == null ? null : typeof n === "bigint" ? n : Math.ceil(n as number)),
  MOD: (a, b) => {
    if (a == null || b == null) return null;
    if (b === 0) throw new SqlRowError(RowErrorName.DivisionByZero, "Division by zero in MOD");
    if (typeof a === "number" && typeof b === "number") return a % b;
    // The first argument is an integer (the planner checks); a fractional divisor needs doubles.
    if (typeof b === "number" && !Number.isInteger(b)) return Number(a) % b;
    return fromBigint(toBigint(a as number | bigint) % toBigint(b as number | bigint));
  },
  /** FLOOR(ts TO unit) and STEP(ts BY interval): the start of the epoch-aligned period. */
  FLOOR_TIME: (ts, period) =>
    ts == null ? null : Math.floor((ts as number) / (period as number)) * (period as number),
  CEIL_TIME: (ts, period) =>
    ts == null ? null : Math.ceil((ts as number) / (period as number)) * (period as number),
};

/** A scalar function as the planner sees it. */
export interface FunctionSignature {
  readonly minArgs: number;
  readonly maxArgs: number;
  /** The result type, or a message saying what argument types are allowed. */
  readonly resultType: (args: readonly SqlType[]) => SqlType | string;
}

const anyNumeric = (t: SqlType) => t.kind === "NULL" || isNumericType(t);
const anyString = (t: SqlType) => t.kind === "NULL" || isStringType(t);
const anyTimestamp = (t: SqlType) => t.kind === "NULL" || t.kind === "TIMESTAMP";
const stringResult = (t: SqlType): SqlType => ({
  kind: "VARCHAR",
  length: "length" in t && t.length ? t.length : maxVarcharLength,
});

/** Scalar functions by upper-case SQL name. CAST, TRIM, FLOOR ... TO and STEP are special forms. */
export const functionSignatures: Readonly<Record<string, FunctionSignature>> = {
  TO_TIMESTAMP: {
    minArgs: 1,
    maxArgs: 1,
    resultType: ([t]) =>
      anyNumeric(t) && (t.kind === "NULL" || isIntegerType(t))
        ? TimestampType
        : `an integer (epoch milliseconds), got ${formatType(t)}`,
  },
  UNIX_TIMESTAMP: {
    minArgs: 1,
    maxArgs: 1,
    resultType: ([t]) => (anyTimestamp(t) ? BigintType : `a TIMESTAMP, got ${formatType(t)}`),
  },
  TIMESTAMP_TO_CHAR: {
    minArgs: 2,
    maxArgs: 2,
    resultType: ([f, t]) =>
      anyString(f) && anyTimestamp(t)
        ? { kind: "VARCHAR", length: maxVarcharLength }
        : `(format VARCHAR, TIMESTAMP), got (${formatType(f)}, ${formatType(t)})`,
  },
  CHAR_LENGTH: {
    minArgs: 1,
    maxArgs: 1,
    resultType: ([t]) => (anyString(t) ? IntegerType : `a string, got ${formatType(t)}`),
  },
  CHARACTER_LENGTH: {
    minArgs: 1,
    maxArgs: 1,
    resultType: ([t]) => (anyString(t) ? IntegerType : `a string, got ${formatType(t)}`),
  },
  UPPER: {
    minArgs: 1,
    maxArgs: 1,
    resultType: ([t]) => (anyString(t) ? stringResult(t) : `a string, got ${formatType(t)}`),
  },
  LOWER: {
    minArgs: 1,
    maxArgs: 1,
    resultType: ([t]) => (anyString(t) ? stringResult(t) : `a string, got ${formatType(t)}`),
  },
  SUBSTRING: {
    minArgs: 2,
    maxArgs: 3,
    resultType: ([s, ...rest]) =>
      anyString(s) && rest.every((t) => t.kind === "NULL" || isIntegerType(t))
        ? stringResult(s)
        : "(string, integer[, integer])",
  },
  ABS: {
    minArgs: 1,
    maxArgs: 1,
    resultType: ([t]) => (anyNumeric(t) ? t : `a number, got ${formatType(t)}`),
  },
  FLOOR: {
    minArgs: 1,
    maxArgs: 1,
    resultType: ([t]) =>
      anyNumeric(t) || t.kind === "TIMESTAMP" ? t : `a number, got ${formatType(t)}`,
  },
  CEIL: {
    minArgs: 1,
    maxArgs: 1,
    resultType: ([t]) =>
      anyNumeric(t) || t.kind === "TIMESTAMP" ? t : `a number, got ${formatType(t)}`,
  },
  MOD: {
    minArgs: 2,
    maxArgs: 2,
    resultType: ([a, b]) =>
      anyNumeric(a) && anyNumeric(b) && (a.kind === "NULL" || isIntegerType(a))
        ? a
        : "two integers",
  },
};
