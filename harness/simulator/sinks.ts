/**
 * Where simulated clicks go: a Kinesis stream (local emulator or a deployed stack) or a JSON-lines
 * file that `npm run replay` reads back.
 */
import * as fs from "fs";
import type { ClickRecord } from "./clickGenerator";
import { KinesisWriter, type KinesisEntry } from "./kinesisWriter";

/** Receives clicks in order. */
export interface ClickSink {
  write(records: readonly ClickRecord[]): Promise<void>;
  close(): Promise<void>;
}

/**
 * The partition key rule: `user_id` (the default) keys each record by its user so one user's clicks
 * stay ordered on one shard; any other value is used as a constant key, like the lab's `1`.
 */
export const userIdPartitionKey = "user_id";

/** The partition key of one record under `rule`. */
export function partitionKeyOf(record: ClickRecord, rule: string): string {
  return rule === userIdPartitionKey ? record.user_id : rule;
}

/** The bytes of one record as it goes onto the stream: the record as compact JSON, UTF-8. */
export function encodeClick(record: ClickRecord): Uint8Array {
  return Buffer.from(JSON.stringify(record), "utf8");
}

/** Puts clicks on a Kinesis stream through a {@link KinesisWriter}. */
export class KinesisSink implements ClickSink {
  constructor(
    readonly writer: KinesisWriter,
    private readonly partitionKeyRule: string = userIdPartitionKey,
  ) {}

  async write(records: readonly ClickRecord[]): Promise<void> {
    const entries: KinesisEntry[] = records.map((record) => ({
      data: encodeClick(record),
      partitionKey: partitionKeyOf(record, this.partitionKeyRule),
    }));
    await this.writer.write(entries);
  }

  async close(): Promise<void> {}
}

/** Writes one bare click object per line: the replay input format, ROWTIME = event_timestamp. */
export class JsonLinesSink implements ClickSink {
  private readonly stream: NodeJS.WritableStream;
  private readonly ownsStream: boolean;

  /** `path` "-" writes to stdout. */
  constructor(path: string) {
    this.ownsStream = path !== "-";
    this.stream = this.ownsStream
      ? fs.createWriteStream(path, { encoding: "utf8" })
      : process.stdout;
  }

  write(records: readonly ClickRecord[]): Promise<void> {
    const text = records.map((r) => JSON.stringify(r) + "\n").join("");
    return new Promise((resolve, reject) => {
      this.stream.write(text, (error) => (error ? reject(error) : resolve()));
    });
  }

  close(): Promise<void> {
    if (!this.ownsStream) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.stream.on("error", reject);
      this.stream.end(() => resolve());
    });
  }
}

/** Collects clicks in memory (the local pipeline keeps them for the report). */
export class MemorySink implements ClickSink {
  readonly records: ClickRecord[] = [];
  async write(records: readonly ClickRecord[]): Promise<void> {
    this.records.push(...records);
  }
  async close(): Promise<void> {}
}

/** Sends every click to several sinks, in order. */
export class TeeSink implements ClickSink {
  constructor(private readonly sinks: readonly ClickSink[]) {}
  async write(records: readonly ClickRecord[]): Promise<void> {
    for (const sink of this.sinks) await sink.write(records);
  }
  async close(): Promise<void> {
    for (const sink of this.sinks) await sink.close();
  }
}
