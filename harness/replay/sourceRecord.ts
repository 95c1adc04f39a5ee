/**
 * A record as a replay source hands it over, before the SQL application sees it: what it is (a JSON
 * line, a record with or without an arrival time, or one the source could not frame) and where it
 * came from, so that an error row or a warning can point at the input (docs/cli.md, "Replay
 * inputs").
 */
import type { InputErrorName } from "../emulator";

/** Where a record came from: a line of the input file, and for a Kinesis record its sequence number (and shard, when read from a stream). */
export interface RecordOrigin {
  readonly line?: number;
  readonly shardId?: string;
  readonly sequenceNumber?: string;
}

/** One record from a source, with its size in bytes (Kinesis refuses records over 1 MiB). */
export type SourceRecord = RecordOrigin & { readonly bytes: number } & (
    | {
        /** A JSON line: an envelope `{"data", "arrivalTime"}` or a bare event (docs/semantics.md, "Replay input"). */
        readonly kind: "line";
        readonly text: string;
      }
    | {
        /** The record itself, with no arrival time: ROWTIME is its own event_timestamp, as for a bare event. */
        readonly kind: "event";
        readonly data: string | Uint8Array;
      }
    | {
        /** The record's bytes and the time Kinesis accepted it (epoch ms): its ROWTIME. */
        readonly kind: "arrived";
        readonly data: Uint8Array;
        readonly arrivalTime: number;
      }
    | {
        /** A record the source could not frame (Data that is not base64): an error_stream row. */
        readonly kind: "rejected";
        readonly raw: string;
        readonly errorName: InputErrorName;
        readonly message: string;
      }
  );

/** `line 12`, `line 40, sequence 4959...`, `shard shardId-000000000001, sequence 4959...`. */
export function describeOrigin(origin: RecordOrigin): string {
  const parts: string[] = [];
  if (origin.line !== undefined) parts.push(`line ${origin.line}`);
  if (origin.shardId !== undefined) parts.push(`shard ${origin.shardId}`);
  if (origin.sequenceNumber !== undefined) parts.push(`sequence ${origin.sequenceNumber}`);
  return parts.join(", ") || "a record";
}

/** The origin's fields alone (a `SourceRecord` carries more), for the errors file. */
export function originOf(record: RecordOrigin): RecordOrigin {
  const { line, shardId, sequenceNumber } = record;
  return {
    ...(line !== undefined && { line }),
    ...(shardId !== undefined && { shardId }),
    ...(sequenceNumber !== undefined && { sequenceNumber }),
  };
}
