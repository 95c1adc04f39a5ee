/**
 * Runs the click generator into a sink, either as fast as the sink takes it (compressed time: the
 * timestamps still advance 2 s / 15 s, nobody sleeps) or paced like the lab (real time: each click is
 * stamped with the wall clock, whole seconds, and sent on its own).
 */
import * as timers from "node:timers/promises";
import { generateClicks, type ClickRecord, type ClickStreamOptions } from "./clickGenerator";
import type { ClickSink } from "./sinks";

export interface SimulateOptions {
  readonly stream: ClickStreamOptions;
  readonly sink: ClickSink;
  /** Sleep between clicks as the lab does and stamp clicks with the wall clock. */
  readonly realtime?: boolean;
  /** Clicks per write in compressed time (the Kinesis writer splits further into ≤500 per call). */
  readonly chunkSize?: number;
  readonly onProgress?: (sent: number, total: number) => void;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  /** Stops between writes and during a real-time pause: the run rejects with the signal's reason. */
  readonly signal?: AbortSignal;
}

export interface SimulationResult {
  readonly events: number;
  /** Epoch ms of the first and last click, or null when none was sent. */
  readonly firstTimestamp: number | null;
  readonly lastTimestamp: number | null;
}

/** Generates `options.stream.count` clicks into the sink and closes it. */
export async function simulate(options: SimulateOptions): Promise<SimulationResult> {
  const { stream, sink } = options;
  const now = options.now ?? Date.now;
  const { signal } = options;
  const sleep = options.sleep ?? ((ms: number) => timers.setTimeout(ms, undefined, { signal }));
  const chunkSize = options.chunkSize ?? 500;
  let first: number | null = null;
  let last: number | null = null;
  let sent = 0;
  let chunk: ClickRecord[] = [];

  const flush = async (): Promise<void> => {
    signal?.throwIfAborted();
    if (chunk.length === 0) return;
    await sink.write(chunk);
    sent += chunk.length;
    chunk = [];
    options.onProgress?.(sent, stream.count);
  };

  try {
    for (const click of generateClicks(stream)) {
      const record = options.realtime
        ? // The lab: EVENT_TIMESTAMP=$(($(date +%s) * 1000)).
          { ...click.record, event_timestamp: String(Math.floor(now() / 1000) * 1000) }
        : click.record;
      const timestamp = Number(record.event_timestamp);
      first ??= timestamp;
      last = timestamp;
      chunk.push(record);
      if (options.realtime) {
        await flush();
        if (click.index < stream.count) await sleep(click.pauseAfterMs);
      } else if (chunk.length >= chunkSize) {
        await flush();
      }
    }
    await flush();
  } finally {
    await sink.close();
  }
  return { events: sent, firstTimestamp: first, lastTimestamp: last };
}
