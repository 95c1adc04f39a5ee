/**
 * A reference for `sql/sessionize.sql` in the tests: the lab's sessionization written directly in
 * JavaScript, one pass, a Map from user to the previous event timestamp. It applies the same input
 * mapping and overflow rules as `docs/semantics.md`, and exploits what a general engine cannot
 * assume: pump 2's WHERE keeps only rows that start a session, so its LAST_VALUE is always the row's
 * own session_timestamp.
 */

const dayMs = 86_400_000;
const plainInteger = /^-?[0-9]+$/;

/** DESTINATION_SQL_STREAM columns in delivery form: user_id, session_id, session_time, latest_time. */
export type DestinationRow = [string | null, string | null, string, string];

const two = (n: number): string => (n < 10 ? "0" + n : String(n));

/** `HH:mm:ss` of epoch ms in UTC, seconds truncated (also before 1970). */
function clockTime(epochMs: number): string {
  const msOfDay = ((epochMs % dayMs) + dayMs) % dayMs;
  const seconds = Math.floor(msOfDay / 1000);
  return `${two(Math.floor(seconds / 3600))}:${two(Math.floor(seconds / 60) % 60)}:${two(seconds % 60)}`;
}

/** VARCHAR(32) input column: strings truncated, JSON null or a missing field NULL. */
function varchar32(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return text.length > 32 ? text.slice(0, 32) : text;
}

/** A stateful sessionizer: feed records in arrival order, get DESTINATION rows. */
export class HandwrittenSessionizer {
  /** Previous event_timestamp per user; the NULL user id is the key `null`. */
  private readonly previous = new Map<string | null, number | null>();
  /** Records that went to error_stream (bad input or an overflowing INSERT). */
  errorRows = 0;

  /** One record; returns its DESTINATION row, or null when it emits none. */
  push(text: string): DestinationRow | null {
    let record: unknown;
    try {
      record = JSON.parse(text);
    } catch {
      this.errorRows++;
      return null;
    }
    if (typeof record !== "object" || record === null || Array.isArray(record)) {
      this.errorRows++;
      return null;
    }
    const fields = record as Record<string, unknown>;
    const raw = fields.event_timestamp;
    let timestamp: number | null;
    if (raw === undefined || raw === null) timestamp = null;
    else if (typeof raw === "number" && Number.isInteger(raw)) timestamp = raw;
    else if (typeof raw === "string" && plainInteger.test(raw)) timestamp = Number(raw);
    else {
      this.errorRows++;
      return null;
    }
    const userId = varchar32(fields.user_id);
    const deviceType = varchar32(fields.device_type);
    const previous = this.previous.has(userId) ? this.previous.get(userId)! : null;
    this.previous.set(userId, timestamp);
    if ((userId !== null && userId.length > 7) || (deviceType !== null && deviceType.length > 10)) {
      this.errorRows++;
      return null;
    }
    if (timestamp === null || (previous !== null && timestamp - previous <= 10000)) return null;
    const time = clockTime(timestamp);
    return [
      userId === null ? null : userId.padEnd(7, " "),
      userId === null || deviceType === null ? null : `${userId}_${deviceType}_${time}`,
      time,
      time,
    ];
  }
}
