/**
 * The records the failed-batches queue names (`--from-queue URL`): the queue of engine lambda holds
 * no data, only the shard and sequence range of each batch the event source mapping gave up on
 * (docs/engines.md, "Redrive"). This reads every message, leaving it in the queue for redrive,
 * reads each range again from the stream with redrive's own code (`orderedBatches`, `readRange`),
 * and hands the records over merged across ranges by `ApproximateArrivalTimestamp`, their ROWTIME,
 * as `--from-stream` does. Nothing is applied to any table and no message is deleted.
 */
import type { KinesisClient } from "@aws-sdk/client-kinesis";
import {
  FailedBatchFormatError,
  orderedBatches,
  readRange,
  type BrowsableQueue,
} from "../local/redrive";
import { mergeByArrival, type StreamRecord } from "../local/streamReader";
import type { RecordSource } from "./fileSource";
import type { SourceRecord } from "./sourceRecord";

export interface QueueSourceOptions {
  readonly queue: BrowsableQueue;
  /** Named in the description: the queue's URL. */
  readonly queueUrl: string;
  /** Reads the ranges; the streams are those the messages name, by their ARN's stream name. */
  readonly kinesis: KinesisClient;
  /** Told of each message whose records cannot be replayed (no failed batch, past retention). */
  readonly onSkipped?: (warning: string) => void;
}

/** A record source over the batches the failed-batches queue names. */
export function queueRecordSource(options: QueueSourceOptions): RecordSource {
  let summary = "";
  return {
    get description() {
      return `failed-batches queue ${options.queueUrl}${summary}`;
    },
    async *records() {
      const messages = await options.queue.browse();
      const ranges: StreamRecord[][] = [];
      let skipped = 0;
      for (const { message, batch } of orderedBatches(messages)) {
        const records =
          batch instanceof FailedBatchFormatError ? null : await readRange(options.kinesis, batch);
        if (records !== null) {
          ranges.push(records);
          continue;
        }
        skipped += 1;
        options.onSkipped?.(
          batch instanceof FailedBatchFormatError
            ? `message ${message.id} names no failed batch: ${batch.message}`
            : `message ${message.id}: the stream no longer holds ${batch.startSequenceNumber} of ${batch.shardId} (past its retention)`,
        );
      }
      summary = `: ${messages.length} message(s), ${ranges.length} range(s) read${
        skipped > 0 ? `, ${skipped} skipped` : ""
      }`;
      const records = mergeByArrival(ranges).map((record): SourceRecord => ({
        kind: "arrived",
        data: record.data,
        arrivalTime: record.arrivalTime,
        shardId: record.shardId,
        sequenceNumber: record.sequenceNumber,
        bytes: record.data.byteLength + Buffer.byteLength(record.partitionKey),
      }));
      if (records.length > 0) yield records;
    },
  };
}
