/**
 * The benchmark's seeded clickstream: many users clicking about every 2 s with an occasional pause of
 * more than 10 s (a new session), merged in time order like one Kinesis shard would deliver them.
 * Records are the lab's JSON with epoch-ms string timestamps:
 * `{"user_id":"u42","event_timestamp":"1654000000000","event_name":"search","event_type":"click","device_type":"mobile"}`.
 */
import * as fs from "fs";
import { seededRandom } from "../simulator/random";

/** Knobs of the generated clickstream. */
export interface ClickstreamOptions {
  readonly events: number;
  readonly users: number;
  readonly seed: number;
  /** Epoch ms of the first click. */
  readonly startMs?: number;
}

/** 2022-05-31T12:26:40Z, the era of the lab. */
export const defaultStartMs = 1654000000000;

const eventNames = ["checkout", "search", "category", "detail", "navigate"] as const;
const deviceTypes = ["desktop", "mobile", "tablet"] as const;

/**
 * Arrival time (epoch ms) of the record at `index` in a benchmark file: records arrive 1 ms apart.
 * Every peer derives it from the line number, so none has to parse a record to learn it.
 */
export function benchArrivalTime(index: number, startMs = defaultStartMs): number {
  return startMs + index;
}

/**
 * Min-heap of users by the time of their next click, stored in two parallel typed arrays so ten
 * thousand users cost kilobytes, not objects.
 */
class NextClickHeap {
  private readonly times: Float64Array;
  private readonly users: Int32Array;
  private size = 0;

  constructor(capacity: number) {
    this.times = new Float64Array(capacity);
    this.users = new Int32Array(capacity);
  }

  push(time: number, user: number): void {
    let i = this.size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.times[parent] <= time) break;
      this.times[i] = this.times[parent];
      this.users[i] = this.users[parent];
      i = parent;
    }
    this.times[i] = time;
    this.users[i] = user;
  }

  /** Removes the earliest entry; read it with `topTime` / `topUser` first. */
  pop(): void {
    const time = this.times[--this.size];
    const user = this.users[this.size];
    let i = 0;
    while (true) {
      let child = 2 * i + 1;
      if (child >= this.size) break;
      if (child + 1 < this.size && this.times[child + 1] < this.times[child]) child++;
      if (this.times[child] >= time) break;
      this.times[i] = this.times[child];
      this.users[i] = this.users[child];
      i = child;
    }
    this.times[i] = time;
    this.users[i] = user;
  }

  get topTime(): number {
    return this.times[0];
  }

  get topUser(): number {
    return this.users[0];
  }
}

/**
 * Yields `events` JSON lines (without newline) in event-time order. The same options always yield the
 * same lines. Gaps: 1.5 to 2.5 s, and with probability 4 % a pause of 10 to 30 s.
 */
export function* generateClicks(options: ClickstreamOptions): Generator<string> {
  const random = seededRandom(options.seed);
  const startMs = options.startMs ?? defaultStartMs;
  const heap = new NextClickHeap(options.users);
  for (let user = 0; user < options.users; user++) {
    heap.push(startMs + Math.floor(random() * 2500), user);
  }
  for (let i = 0; i < options.events; i++) {
    const time = heap.topTime;
    const user = heap.topUser;
    heap.pop();
    const pause = random() < 0.04;
    const gap = pause ? 10000 + Math.floor(random() * 20000) : 1500 + Math.floor(random() * 1000);
    heap.push(time + gap, user);
    const eventName = eventNames[Math.floor(random() * eventNames.length)];
    yield (
      `{"user_id":"u${user}","event_timestamp":"${time}","event_name":"${eventName}",` +
      `"event_type":"click","device_type":"${deviceTypes[user % deviceTypes.length]}"}`
    );
  }
}

/** Writes the generated clicks as JSON lines to `file`; resolves when the file is complete. */
export async function writeClicksFile(file: string, options: ClickstreamOptions): Promise<void> {
  const out = fs.createWriteStream(file);
  const chunk: string[] = [];
  const flush = async (): Promise<void> => {
    if (!out.write(chunk.join("")))
      await new Promise<void>((resolve) => out.once("drain", () => resolve()));
    chunk.length = 0;
  };
  for (const line of generateClicks(options)) {
    chunk.push(line, "\n");
    if (chunk.length >= 20000) await flush();
  }
  await flush();
  await new Promise<void>((resolve, reject) =>
    out.end((error?: Error | null) => (error ? reject(error) : resolve())),
  );
}

/**
 * Byte ranges of the first `limit` lines of a JSON-lines file, read only as far as needed: a prefix
 * of a large file costs a prefix of its reading. Empty lines are skipped.
 */
export function readLineBytes(file: string, limit = Infinity): Uint8Array[] {
  const lines: Uint8Array[] = [];
  const descriptor = fs.openSync(file, "r");
  try {
    const size = fs.fstatSync(descriptor).size;
    const chunkSize = Number.isFinite(limit) ? 1 << 20 : size;
    let pending = Buffer.alloc(0);
    let position = 0;
    while (lines.length < limit && position < size) {
      const chunk = Buffer.allocUnsafe(Math.min(chunkSize, size - position));
      position += fs.readSync(descriptor, chunk, 0, chunk.length, position);
      const buffer = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      let start = 0;
      for (let end = buffer.indexOf(10); end >= 0 && lines.length < limit;) {
        if (end > start) lines.push(buffer.subarray(start, end));
        start = end + 1;
        end = buffer.indexOf(10, start);
      }
      pending = buffer.subarray(start);
    }
    if (pending.length > 0 && lines.length < limit) lines.push(pending);
  } finally {
    fs.closeSync(descriptor);
  }
  return lines;
}

/** The first `limit` lines of a JSON-lines file as strings (see `readLineBytes`). */
export function readLines(file: string, limit = Infinity): string[] {
  if (!Number.isFinite(limit))
    return fs
      .readFileSync(file, "utf8")
      .split("\n")
      .filter((line) => line);
  return readLineBytes(file, limit).map((line) =>
    Buffer.from(line.buffer, line.byteOffset, line.byteLength).toString("utf8"),
  );
}
