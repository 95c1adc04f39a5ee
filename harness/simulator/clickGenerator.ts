/**
 * The lab's click generator as a pure, seeded function. The lab's bash loop picks a random user and
 * event name per click, stamps it with the current epoch second times 1000, and sleeps 2 s between
 * clicks and 15 s after every 60th click. Here the same rhythm advances a virtual clock, so the
 * stream can be produced instantly (compressed time) or paced by a caller (real time).
 */
import { seededRandomInt } from "./random";

/** One click record, fields in the lab template's order; the timestamp is an epoch-ms JSON string. */
export interface ClickRecord {
  readonly user_id: string;
  readonly event_timestamp: string;
  readonly event_name: string;
  readonly event_type: string;
  readonly device_type: string;
}

/** A generated click: its 1-based position, the record, and how long the lab would sleep after it. */
export interface GeneratedClick {
  readonly index: number;
  readonly record: ClickRecord;
  /** Milliseconds from the start of the stream to this click. */
  readonly offsetMs: number;
  readonly pauseAfterMs: number;
}

export interface ClickStreamOptions {
  readonly seed: number;
  readonly users: readonly string[];
  readonly eventNames: readonly string[];
  readonly devices: readonly string[];
  readonly eventType: string;
  readonly count: number;
  /** Epoch ms of the first click; the lab's timestamps are whole seconds. */
  readonly startMs: number;
  readonly clickIntervalMs: number;
  readonly sessionIntervalMs: number;
  /** The long pause follows every `sessionEvery`-th click. */
  readonly sessionEvery: number;
}

/** The lab's values (`USER_IDS`, `EVENTS`, the click.json template, `seq 1 3000`, the sleeps). */
export const labClickStream = {
  users: ["user1", "user2", "user3"],
  eventNames: ["checkout", "search", "category", "detail", "navigate"],
  devices: ["desktop"],
  eventType: "click",
  count: 3000,
  clickIntervalMs: 2000,
  sessionIntervalMs: 15000,
  sessionEvery: 60,
} as const;

/** Thrown when generator options are out of range; the message names the option and the value. */
export class ClickStreamOptionError extends Error {
  override readonly name = "ClickStreamOptionError";
}

/**
 * Yields `count` clicks. The same options (seed included) always yield the same clicks.
 *
 * @example
 * [...generateClicks({ ...labClickStream, seed: 1, count: 2, startMs: 1_700_000_000_000 })]
 * // -> click 1 at 1700000000000 (pause 2000), click 2 at 1700000002000
 */
export function* generateClicks(options: ClickStreamOptions): Generator<GeneratedClick> {
  validate(options);
  const next = seededRandomInt(options.seed);
  let offsetMs = 0;
  for (let index = 1; index <= options.count; index++) {
    // Same draw order as the lab: user, then event name; the device list is this tool's addition.
    const user = options.users[next(options.users.length)];
    const eventName = options.eventNames[next(options.eventNames.length)];
    const device = options.devices[next(options.devices.length)];
    const pauseAfterMs =
      index % options.sessionEvery === 0 ? options.sessionIntervalMs : options.clickIntervalMs;
    yield {
      index,
      offsetMs,
      pauseAfterMs,
      record: {
        user_id: user,
        event_timestamp: String(options.startMs + offsetMs),
        event_name: eventName,
        event_type: options.eventType,
        device_type: device,
      },
    };
    offsetMs += pauseAfterMs;
  }
}

function validate(options: ClickStreamOptions): void {
  const lists = { users: options.users, eventNames: options.eventNames, devices: options.devices };
  for (const [field, list] of Object.entries(lists)) {
    if (list.length === 0) {
      throw new ClickStreamOptionError(`${field} is empty; give at least one value`);
    }
    const blank = list.findIndex((value) => value.trim() === "");
    if (blank >= 0) {
      throw new ClickStreamOptionError(
        `${field}[${blank}] is ${JSON.stringify(list[blank])}; values must be non-empty`,
      );
    }
  }
  const integers = {
    seed: options.seed,
    count: options.count,
    startMs: options.startMs,
    clickIntervalMs: options.clickIntervalMs,
    sessionIntervalMs: options.sessionIntervalMs,
    sessionEvery: options.sessionEvery,
  };
  for (const [field, value] of Object.entries(integers)) {
    const minimum = field === "count" || field === "sessionEvery" ? 1 : 0;
    if (!Number.isSafeInteger(value) || value < minimum) {
      throw new ClickStreamOptionError(
        `${field} is ${value}; expected an integer of at least ${minimum}`,
      );
    }
  }
}
