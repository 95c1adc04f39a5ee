/**
 * A seeded clickstream in the lab's shape for the sessionizer tests: users clicking every couple of
 * seconds with pauses that start new sessions (and gaps of exactly 10 000 ms, which do not), plus
 * the bad records a stream carries: text that is not JSON, a value that fails the schema and a
 * user id too long for the SQL's VARCHAR(7).
 */
import { seededRandom } from "../../harness/simulator/random";

export interface Click {
  /** The record's bytes as text (JSON for good records). */
  readonly data: string;
  /** The Kinesis partition key (the user, as the lab's producer sets it). */
  readonly partitionKey: string;
}

const devices = ["mobile", "desktop", "tablet"] as const;
const events = ["click", "view", "scroll", "purchase"] as const;

/**
 * `count` good clicks from `users` users starting at `start` (epoch ms), in event-time order, with
 * the bad records mixed in at fixed positions.
 */
export function clickstream(options: {
  readonly seed: number;
  readonly count: number;
  readonly users: number;
  readonly start?: number;
}): Click[] {
  const next = seededRandom(options.seed);
  const start = options.start ?? Date.UTC(2026, 0, 1, 10);
  const clocks = Array.from({ length: options.users }, () => start + Math.floor(next() * 5000));
  const clicks: { at: number; click: Click }[] = [];
  for (let n = 0; n < options.count; n++) {
    const u = Math.floor(next() * options.users);
    const user = `user${u + 1}`;
    const roll = next();
    // Mostly 2 s clicks; sometimes a pause (new session), sometimes exactly 10 s (same session).
    clocks[u] += roll < 0.12 ? 11_000 + Math.floor(next() * 20_000) : roll < 0.15 ? 10_000 : 2_000;
    const record = {
      user_id: user,
      event_timestamp: clocks[u],
      event_name: events[Math.floor(next() * events.length)],
      event_type: "click",
      device_type: devices[u % devices.length],
    };
    clicks.push({ at: clocks[u], click: { data: JSON.stringify(record), partitionKey: user } });
  }
  clicks.sort((a, b) => a.at - b.at);
  const ordered = clicks.map((c) => c.click);
  const bad: Click[] = [
    { data: "this is not json", partitionKey: "user1" },
    { data: JSON.stringify({ user_id: "user2", event_timestamp: "soon" }), partitionKey: "user2" },
    {
      data: JSON.stringify({
        user_id: "longuser42",
        event_timestamp: start + 1000,
        device_type: "mobile",
      }),
      partitionKey: "longuser42",
    },
  ];
  bad.forEach((click, i) => ordered.splice(Math.floor(((i + 1) * ordered.length) / 4), 0, click));
  return ordered;
}
