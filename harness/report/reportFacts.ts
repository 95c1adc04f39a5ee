/**
 * The report's facts, gathered from what the SQL itself emitted for each record: the source row
 * (user and event time, the view `LAG` has), whether the record started a session (it caused a
 * `DESTINATION_SQL_STREAM` row) and its `error_stream` rows. Nothing here re-implements the
 * sessionization: a session is what the SQL said it is, and it runs to the user's last event
 * before their next session start.
 *
 * Events are kept in flat typed arrays (about 13 bytes each), so a million events take a few
 * tens of MB; `finish` turns them into binned charts and a few users' timelines, which is all the
 * page gets, whatever the volume (docs/cli.md, "npm run report").
 */
import { destinationStreamName, errorStreamName } from "../../sql/contracts";
import { clickInputSchema } from "../../sql/inputSchema";
import type { Row, StreamInfo } from "../emulator";

/** The lab's session gap: a pause longer than this starts a session. */
export const labSessionGapMs = 10_000;

/** A `[from, to, count]` histogram bin; `to` is exclusive. */
export type Bin = readonly [number, number, number];

/** The charts' data, binned. */
export interface ReportCharts {
  /** Sessions started per `binMs`, by event time: `[binStart, count]`, empty bins included. */
  readonly sessionsOverTime: {
    readonly binMs: number;
    readonly bins: readonly (readonly [number, number])[];
  };
  /** Users by the number of sessions they started. */
  readonly sessionsPerUser: readonly Bin[];
  /** Sessions by length in ms (first to last event); the longest 1% are counted in `longer`. */
  readonly sessionLength: {
    readonly bins: readonly Bin[];
    readonly longer: number;
    readonly from: number;
  };
  /** Gaps between a user's consecutive events, in ms, around the threshold. */
  readonly gaps: {
    readonly thresholdMs: number;
    readonly bins: readonly Bin[];
    /** Gaps of at most the threshold (same session) and above it (a new session). */
    readonly within: number;
    readonly beyond: number;
    /** Negative gaps (events out of event-time order), and gaps past the last bin. */
    readonly negative: number;
    readonly longer: number;
  };
  /** error_stream rows by ERROR_NAME, and session rows without a session_id, most first. */
  readonly deadLetters: readonly (readonly [string, number])[];
}

/** One user's timeline: event times (ms, the first absolute, then deltas) and which start a session. */
export interface UserTimeline {
  readonly id: string;
  /** The user's events with a timestamp, all of them. */
  readonly events: number;
  /** Events in `times` (the first ones, when the report caps the timeline). */
  readonly shown: number;
  readonly times: readonly number[];
  /** Indexes into `times` of the events that started a session. */
  readonly starts: readonly number[];
}

/** What a record stream told the report. */
export interface ReportFacts {
  readonly records: number;
  readonly users: number;
  /** DESTINATION_SQL_STREAM rows, and distinct non-empty session ids among them. */
  readonly sessionRows: number;
  readonly distinctSessions: number;
  /** Records that started a session (caused a DESTINATION row). */
  readonly sessionStarts: number;
  readonly errorRows: number;
  readonly errorsByName: Readonly<Record<string, number>>;
  /** DESTINATION rows without a session_id (NULL or empty): the delivery refuses them as dead letters. */
  readonly rejectedRows: number;
  /** Records that entered the source stream without an event_timestamp. */
  readonly missingTimestamps: number;
  /** The earliest and latest event time, or null without any. */
  readonly firstEventMs: number | null;
  readonly lastEventMs: number | null;
  readonly charts: ReportCharts;
  readonly timelines: readonly UserTimeline[];
}

export interface TimelineChoice {
  /** Users to draw; when none are given, the `top` users with the most events. */
  readonly users?: readonly string[];
  readonly top?: number;
  /** Events drawn at most, over all users; each user gets an equal share. */
  readonly maxEvents?: number;
}

/** The dead-letter reason of a session row the delivery refuses. */
export const rejectedReason = "session_id NULL or empty";

const defaultTop = 10;
const defaultMaxTimelineEvents = 50_000;
const sessionStartFlag = 1;
const noTimestampFlag = 2;

/**
 * Collects the facts; `add` each record's rows (every stream, as `SqlApplication.push` returns
 * them, with the source stream's rows included), then `finish`.
 */
export class ReportCollector {
  private readonly userIndex = new Map<string, number>();
  private readonly userIds: string[] = [];
  private users = new Int32Array(1 << 12);
  private times = new Float64Array(1 << 12);
  private flags = new Uint8Array(1 << 12);
  private events = 0;
  private records = 0;
  private sessionRows = 0;
  private readonly sessionIds = new Set<string>();
  private readonly errorsByName: Record<string, number> = {};
  private errorRows = 0;
  private rejectedRows = 0;
  private readonly userColumn: number;
  private readonly timeColumn: number;
  private readonly sessionIdColumn: number;
  private readonly errorNameColumn: number;

  constructor(streams: ReadonlyMap<string, StreamInfo>) {
    const column = (stream: string, name: string): number => {
      const index = streams.get(stream)?.columns.findIndex((c) => c.name === name) ?? -1;
      if (index < 0) {
        throw new Error(
          `The report needs column "${name}" of ${stream}, which this SQL does not have; it reads the lab's streams (sql/sessionize.sql)`,
        );
      }
      return index;
    };
    this.userColumn = column(clickInputSchema.streamName, "user_id");
    this.timeColumn = column(clickInputSchema.streamName, "event_timestamp");
    this.sessionIdColumn = column(destinationStreamName, "session_id");
    this.errorNameColumn = column(errorStreamName, "ERROR_NAME");
  }

  /** One record's rows. */
  add(rows: readonly Row[]): void {
    this.records++;
    let source: Row | undefined;
    let startsSession = false;
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i];
      if (row.stream === clickInputSchema.streamName) {
        source = row;
      } else if (row.stream === destinationStreamName) {
        this.sessionRows++;
        startsSession = true;
        const id = row.values[this.sessionIdColumn];
        if (typeof id === "string" && id !== "") this.sessionIds.add(id);
        else this.rejectedRows++;
      } else if (row.stream === errorStreamName) {
        this.errorRows++;
        const name = String(row.values[this.errorNameColumn]);
        this.errorsByName[name] = (this.errorsByName[name] ?? 0) + 1;
      }
    }
    if (source !== undefined) this.addEvent(source, startsSession);
  }

  private addEvent(source: Row, startsSession: boolean): void {
    const user = String(source.values[this.userColumn]);
    let index = this.userIndex.get(user);
    if (index === undefined) {
      index = this.userIds.length;
      this.userIndex.set(user, index);
      this.userIds.push(user);
    }
    if (this.events === this.users.length) this.grow();
    const time = source.values[this.timeColumn];
    const n = this.events++;
    this.users[n] = index;
    this.times[n] = typeof time === "number" ? time : NaN;
    this.flags[n] =
      (startsSession ? sessionStartFlag : 0) | (typeof time === "number" ? 0 : noTimestampFlag);
  }

  private grow(): void {
    const size = this.users.length * 2;
    const users = new Int32Array(size);
    users.set(this.users);
    const times = new Float64Array(size);
    times.set(this.times);
    const flags = new Uint8Array(size);
    flags.set(this.flags);
    [this.users, this.times, this.flags] = [users, times, flags];
  }

  /** The facts, with the charts binned and the timelines of the chosen users. */
  finish(choice: TimelineChoice = {}, gapThresholdMs = labSessionGapMs): ReportFacts {
    const order = this.eventsByUser();
    const userCount = this.userIds.length;
    const sessionsOfUser = new Int32Array(userCount);
    const eventsOfUser = new Int32Array(userCount);
    const starts: number[] = [];
    const lengths: number[] = [];
    const gaps = new GapHistogram(gapThresholdMs);
    let missing = 0;
    let first = Infinity;
    let last = -Infinity;

    let previousUser = -1;
    let previousTime = NaN;
    let sessionStart = NaN;
    let sessionEnd = NaN;
    const closeSession = (): void => {
      if (!Number.isNaN(sessionStart)) lengths.push(sessionEnd - sessionStart);
      sessionStart = NaN;
    };
    for (let k = 0; k < this.events; k++) {
      const n = order[k];
      const user = this.users[n];
      if (user !== previousUser) {
        closeSession();
        previousUser = user;
        previousTime = NaN;
      }
      const time = this.times[n];
      const flags = this.flags[n];
      if (flags & noTimestampFlag) {
        missing++;
        // LAG sees the NULL: the next event of the user has no gap to measure.
        previousTime = NaN;
        continue;
      }
      eventsOfUser[user]++;
      first = Math.min(first, time);
      last = Math.max(last, time);
      if (!Number.isNaN(previousTime)) gaps.add(time - previousTime);
      previousTime = time;
      if (flags & sessionStartFlag) {
        closeSession();
        sessionsOfUser[user]++;
        starts.push(time);
        sessionStart = time;
        sessionEnd = time;
      } else if (!Number.isNaN(sessionStart)) {
        sessionEnd = Math.max(sessionEnd, time);
      }
    }
    closeSession();

    const reasons = { ...this.errorsByName };
    if (this.rejectedRows > 0) reasons[rejectedReason] = this.rejectedRows;
    const deadLetters = Object.entries(reasons).sort((a, b) => b[1] - a[1]);
    return {
      records: this.records,
      users: userCount,
      sessionRows: this.sessionRows,
      distinctSessions: this.sessionIds.size,
      sessionStarts: starts.length,
      errorRows: this.errorRows,
      errorsByName: { ...this.errorsByName },
      rejectedRows: this.rejectedRows,
      missingTimestamps: missing,
      firstEventMs: Number.isFinite(first) ? first : null,
      lastEventMs: Number.isFinite(last) ? last : null,
      charts: {
        sessionsOverTime: timeBins(starts),
        sessionsPerUser: countBins(sessionsOfUser),
        sessionLength: lengthBins(lengths),
        gaps: gaps.result(),
        deadLetters,
      },
      timelines: this.timelines(order, eventsOfUser, choice),
    };
  }

  /** Event indexes grouped by user (users in order of first appearance), arrival order kept. */
  private eventsByUser(): Int32Array {
    const userCount = this.userIds.length;
    const offsets = new Int32Array(userCount + 1);
    for (let n = 0; n < this.events; n++) offsets[this.users[n] + 1]++;
    for (let u = 0; u < userCount; u++) offsets[u + 1] += offsets[u];
    const order = new Int32Array(this.events);
    for (let n = 0; n < this.events; n++) order[offsets[this.users[n]]++] = n;
    return order;
  }

  private timelines(
    order: Int32Array,
    eventsOfUser: Int32Array,
    choice: TimelineChoice,
  ): UserTimeline[] {
    let chosen: number[];
    if (choice.users !== undefined && choice.users.length > 0) {
      chosen = choice.users.map((id) => {
        const index = this.userIndex.get(id);
        if (index === undefined) {
          throw new Error(`--users names "${id}", who has no events in this input`);
        }
        return index;
      });
    } else {
      const top = choice.top ?? defaultTop;
      chosen = [...eventsOfUser.keys()]
        .sort((a, b) => eventsOfUser[b] - eventsOfUser[a] || a - b)
        .slice(0, top);
    }
    if (chosen.length === 0) return [];
    const share = Math.max(
      1,
      Math.floor((choice.maxEvents ?? defaultMaxTimelineEvents) / chosen.length),
    );
    const wanted = new Map(
      chosen.map((user) => [user, { times: [] as number[], starts: [] as number[], last: 0 }]),
    );
    for (let k = 0; k < this.events; k++) {
      const n = order[k];
      const timeline = wanted.get(this.users[n]);
      if (timeline === undefined || this.flags[n] & noTimestampFlag) continue;
      if (timeline.times.length >= share) continue;
      const time = this.times[n];
      if (this.flags[n] & sessionStartFlag) timeline.starts.push(timeline.times.length);
      timeline.times.push(timeline.times.length === 0 ? time : time - timeline.last);
      timeline.last = time;
    }
    return chosen.map((user) => {
      const { times, starts } = wanted.get(user)!;
      return {
        id: this.userIds[user],
        events: eventsOfUser[user],
        shown: times.length,
        times,
        starts,
      };
    });
  }
}

/** Gaps binned by the second up to six times the threshold, with the counts the page states. */
class GapHistogram {
  private readonly binMs = 1000;
  private readonly counts: number[];
  private within = 0;
  private beyond = 0;
  private negative = 0;
  private longer = 0;

  constructor(private readonly thresholdMs: number) {
    this.counts = new Array(Math.max(1, Math.ceil((thresholdMs * 6) / this.binMs))).fill(0);
  }

  add(gap: number): void {
    if (gap > this.thresholdMs) this.beyond++;
    else this.within++;
    if (gap < 0) {
      this.negative++;
      return;
    }
    const bin = Math.floor(gap / this.binMs);
    if (bin < this.counts.length) this.counts[bin]++;
    else this.longer++;
  }

  result(): ReportCharts["gaps"] {
    return {
      thresholdMs: this.thresholdMs,
      bins: this.counts.map((count, i) => [i * this.binMs, (i + 1) * this.binMs, count] as const),
      within: this.within,
      beyond: this.beyond,
      negative: this.negative,
      longer: this.longer,
    };
  }
}

const second = 1000;
const minute = 60 * second;
const hour = 60 * minute;
const day = 24 * hour;
/** Bin widths a reader can take in at a glance, smallest first. */
const timeWidths = [
  second,
  5 * second,
  10 * second,
  30 * second,
  minute,
  5 * minute,
  10 * minute,
  15 * minute,
  30 * minute,
  hour,
  3 * hour,
  6 * hour,
  12 * hour,
  day,
  7 * day,
  30 * day,
  365 * day,
];

/** The narrowest width from `widths` that covers `span` in at most `maxBins` bins. */
export function binWidth(span: number, maxBins: number, widths: readonly number[]): number {
  return (
    widths.find((width) => Math.floor(span / width) + 1 <= maxBins) ?? widths[widths.length - 1]
  );
}

/** Session starts per time bin, aligned to the width, empty bins included (at most 200). */
export function timeBins(starts: readonly number[]): ReportCharts["sessionsOverTime"] {
  if (starts.length === 0) return { binMs: minute, bins: [] };
  let min = Infinity;
  let max = -Infinity;
  for (const t of starts) {
    if (t < min) min = t;
    if (t > max) max = t;
  }
  const binMs = binWidth(max - Math.floor(min / second) * second, 200, timeWidths);
  const origin = Math.floor(min / binMs) * binMs;
  const counts = new Array(Math.floor((max - origin) / binMs) + 1).fill(0);
  for (const t of starts) counts[Math.floor((t - origin) / binMs)]++;
  return { binMs, bins: counts.map((count, i) => [origin + i * binMs, count] as const) };
}

/** Users by their number of sessions: one bin per count up to 60 bins, wider bins beyond. */
export function countBins(perUser: ArrayLike<number>): Bin[] {
  if (perUser.length === 0) return [];
  let max = 0;
  for (let i = 0; i < perUser.length; i++) max = Math.max(max, perUser[i]);
  const width = binWidth(max, 60, niceSteps(1));
  const counts = new Array(Math.floor(max / width) + 1).fill(0);
  for (let i = 0; i < perUser.length; i++) counts[Math.floor(perUser[i] / width)]++;
  return counts.map((count, i) => [i * width, (i + 1) * width, count] as const);
}

/** Session lengths up to the 99th percentile in at most 60 bins; the rest counted as longer. */
export function lengthBins(lengths: readonly number[]): ReportCharts["sessionLength"] {
  if (lengths.length === 0) return { bins: [], longer: 0, from: 0 };
  const sorted = Float64Array.from(lengths).sort();
  const cap = sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))];
  const width = binWidth(cap, 60, [...timeWidths.slice(0, 1), 2 * second, ...timeWidths.slice(1)]);
  const counts = new Array(Math.floor(cap / width) + 1).fill(0);
  let longer = 0;
  for (const length of sorted) {
    const bin = Math.floor(length / width);
    if (bin < counts.length) counts[bin]++;
    else longer++;
  }
  return {
    bins: counts.map((count, i) => [i * width, (i + 1) * width, count] as const),
    longer,
    from: counts.length * width,
  };
}

/** 1, 2, 5, 10, 20, 50, ... times `unit`. */
function niceSteps(unit: number): number[] {
  const steps: number[] = [];
  for (let scale = unit; scale <= 1e12; scale *= 10) steps.push(scale, 2 * scale, 5 * scale);
  return steps;
}
