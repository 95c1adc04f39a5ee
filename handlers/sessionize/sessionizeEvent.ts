/**
 * The sessionizer's core: one Kinesis event in, the SQL application run over it with durable window
 * state, its rows delivered, the partial-failure answer out. The guarantees and why they hold are
 * in `docs/engines.md` ("Guarantees of engine lambda"); in short, per shard of the event:
 *
 * 1. take the shard's lease (one batch per shard at a time; a second one is refused, logged and
 *    counted as `ConcurrentBatches`) and notice a range the event source mapping skipped;
 * 2. decode every record and learn its key (its mapped `user_id`); read the keys' items and write
 *    out the rows a committed transition left pending (a crash after its commit);
 * 3. run the records (`runBatch`): per key one transition (new state, the last sequence applied,
 *    the rows it produced); rows that depend on no key's state (records that do not map, records the
 *    application throws on) aside;
 * 4. commit each key's transition, its rows inside its item, conditioned on the version read; a
 *    lost condition (another shard carried the key) reloads the key and runs its records again;
 * 5. write the committed rows and the stateless rows to the sessions and dead-letter tables, then
 *    clear the pending rows;
 * 6. release the lease with the shard's clock, and answer the lowest sequence number not done.
 *
 * Bad data never fails a batch; only DynamoDB (or a misconfigured table) does, and then from the
 * first record that is not done, so the retry redoes only what is missing.
 */
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type {
  KinesisStreamBatchItemFailure,
  KinesisStreamBatchResponse,
  KinesisStreamEvent,
  KinesisStreamRecord,
} from "aws-lambda";
import { deadLetterTableShape, handlerMetrics, sessionsTableShape } from "../../sql/contracts";
import { deliverRows, type DeliveryLogger, type DeliveryTuning } from "../delivery/deliverRows";
import { DeliveryResult } from "../delivery/event";
import { TableConfigurationError, tableLevelErrorNames, verifyTable } from "../delivery/tableCheck";
import type { DeliveryRow } from "../delivery/typedRow";
import { forEachConcurrently } from "../shared/concurrency";
import type { MetricsSink } from "../shared/metrics";
import type { KeyedRecord, SessionizeEngine } from "./engine";
import {
  LeaseLostError,
  markKey,
  redrivePk,
  ShardBusyError,
  shardPk,
  StateConflictError,
  StateTable,
  type Gap,
  type LeasedShard,
  type PartitionState,
  type PendingRow,
  type SequenceRange,
  type ShardRef,
} from "./stateTable";
import {
  redoKey,
  runBatch,
  type AppliedTest,
  type BatchInput,
  type BatchRun,
  type Segment,
} from "./transitions";

export interface SessionizeDeps {
  readonly client: DynamoDBClient;
  readonly engine: SessionizeEngine;
  readonly sessionsTable: string;
  readonly deadLetterTable: string;
  readonly stateTable: string;
  readonly logger: DeliveryLogger;
  /** Milliseconds left in the invocation (Lambda's `context.getRemainingTimeInMillis`). */
  readonly remainingTimeMs: () => number;
  /** Unique per invocation (Lambda's request id): the owner of the shard leases it takes. */
  readonly invocationId: string;
  /** Scopes dead-letter ids (the function's ARN), as the application ARN does for KDA. */
  readonly applicationArn: string;
  readonly metrics?: MetricsSink;
  readonly tuning?: Partial<DeliveryTuning & SessionizeTuning>;
  /**
   * Called with rows once they are in their tables, for observers such as the local pipeline's
   * reconciliation. A row may be reported again (a retry writes a pending row again), always under
   * the same id.
   */
  readonly onDelivered?: (rows: readonly DeliveredRow[]) => void;
  /** The clock (epoch ms); Date.now unless a test moves time. */
  readonly now?: () => number;
}

/** Knobs of the sessionizer beyond the delivery's. */
export interface SessionizeTuning {
  /** Keys committed at once. */
  readonly commitConcurrency: number;
  /** Times a key's commit is redone after losing its condition before the key is left for a retry. */
  readonly maxConflicts: number;
  /** A key's rows are committed in segments of about this many bytes (`Segment`). */
  readonly segmentBytes: number;
}

const DEFAULT_SESSIONIZE_TUNING: SessionizeTuning = {
  commitConcurrency: 16,
  maxConflicts: 5,
  segmentBytes: 200_000,
};

/**
 * A delivered row: its id (`shardId:sequence:n`, the same on every retry), the stream it came from
 * and its delivery object, exactly as the engine handed it to `deliverRows`.
 */
export type DeliveredRow = Pick<DeliveryRow, "id" | "stream" | "row">;

/** What happened to one shard's records. */
export interface ShardOutcome {
  readonly shardId: string;
  readonly records: number;
  readonly applied: number;
  readonly skipped: number;
  /** Records the application threw on, dead-lettered as `Unprocessable_Record`. */
  readonly unprocessable: number;
  readonly rowsDelivered: number;
  /** The record Lambda must retry from, or null when the shard's batch is done. */
  readonly failedFrom: string | null;
}

/**
 * How a batch is run: `live` for the event source mapping's batches; `redrive` for the records of
 * a range the mapping skipped, read again from the stream (`harness/cli/redrive.ts`). A redriven
 * record is applied if and only if the skipped range's mark in its key's item says it was not,
 * and it arrives late: its ROWTIME is the time of the redrive.
 */
export type SessionizeMode =
  { readonly kind: "live" } | { readonly kind: "redrive"; readonly range: SequenceRange };

/**
 * `shardId-000000000000` from an eventID `shardId-000000000000:4954...`; the event source ARN
 * names the stream.
 */
export function shardOf(record: KinesisStreamRecord): ShardRef {
  const colon = record.eventID.lastIndexOf(":");
  return {
    streamArn: record.eventSourceARN,
    shardId: colon > 0 ? record.eventID.slice(0, colon) : record.eventID,
  };
}

/** Kinesis sequence numbers are decimal strings up to 128 bits: compare them as BigInt. */
export function compareSequence(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** `approximateArrivalTimestamp` (epoch seconds with a fraction) in whole milliseconds. */
export function arrivalMs(record: KinesisStreamRecord): number {
  return Math.round(record.kinesis.approximateArrivalTimestamp * 1000);
}

/** The records of an event grouped by shard, each group in sequence order. */
export function groupByShard(
  records: readonly KinesisStreamRecord[],
): { shard: ShardRef; records: KinesisStreamRecord[] }[] {
  const groups = new Map<string, { shard: ShardRef; records: KinesisStreamRecord[] }>();
  for (const record of records) {
    const shard = shardOf(record);
    const id = `${shard.streamArn}#${shard.shardId}`;
    let group = groups.get(id);
    if (group === undefined) groups.set(id, (group = { shard, records: [] }));
    group.records.push(record);
  }
  for (const group of groups.values()) {
    group.records.sort((a, b) =>
      compareSequence(a.kinesis.sequenceNumber, b.kinesis.sequenceNumber),
    );
  }
  return [...groups.values()];
}

/**
 * Runs one Kinesis event through the SQL application and answers which records Lambda must retry.
 *
 * @example
 * await sessionizeEvent({ Records: [kinesisRecord({ user_id: "user1", ... })] }, deps)
 * // -> { batchItemFailures: [] }   (one session item in the sessions table, the state stored)
 */
export async function sessionizeEvent(
  event: KinesisStreamEvent,
  deps: SessionizeDeps,
  mode: SessionizeMode = { kind: "live" },
): Promise<KinesisStreamBatchResponse> {
  const failures: KinesisStreamBatchItemFailure[] = [];
  const state = new StateTable(deps.client, deps.stateTable);
  for (const group of groupByShard(event.Records ?? [])) {
    const outcome = await sessionizeShard(group.shard, group.records, state, deps, mode);
    if (outcome.failedFrom !== null) failures.push({ itemIdentifier: outcome.failedFrom });
  }
  return { batchItemFailures: failures };
}

/** Whether a stored key state already holds a shard's record, for live batches. */
function liveApplied(shardId: string): AppliedTest {
  return (state, sequence) => {
    const applied = state.applied[shardId];
    return applied !== undefined && compareSequence(sequence, applied) <= 0;
  };
}

/**
 * Whether a stored key state already holds a record of a skipped range (`gap`), for redrives: up
 * to the range's mark when the key has one; otherwise up to `applied`, if that still lies before
 * the range's end (the key was not committed since the range was skipped); otherwise nothing.
 */
function redriveApplied(shardId: string, gap: SequenceRange): AppliedTest {
  return (state, sequence) => {
    const mark = state.marks[markKey(shardId, gap.first)];
    const applied = state.applied[shardId];
    const bound =
      mark !== undefined
        ? mark === ""
          ? null
          : mark
        : applied !== undefined && compareSequence(applied, gap.last) <= 0
          ? applied
          : null;
    return bound !== null && compareSequence(sequence, bound) <= 0;
  };
}

/** The state a key's segment commits, from the state before it. */
function stateAfter(
  before: PartitionState,
  segment: Segment,
  shardId: string,
  mode: SessionizeMode,
  gaps: readonly Gap[],
): PartitionState {
  const marks = { ...before.marks };
  let applied = before.applied;
  if (mode.kind === "live") {
    const previous = before.applied[shardId];
    // A key moving past a skipped range keeps where it stood in it, for the range's redrive.
    for (const gap of gaps) {
      const mark = markKey(shardId, gap.from);
      const passes = compareSequence(segment.lastSequence, gap.to) > 0;
      const notPastYet = previous === undefined || compareSequence(previous, gap.to) <= 0;
      if (marks[mark] === undefined && passes && notPastYet) marks[mark] = previous ?? "";
    }
    applied = { ...before.applied, [shardId]: segment.lastSequence };
  } else {
    const mark = markKey(shardId, mode.range.first);
    const stored = marks[mark];
    if (stored === undefined || stored === "" || compareSequence(segment.lastSequence, stored) > 0)
      marks[mark] = segment.lastSequence;
  }
  return {
    windows: segment.windows,
    applied,
    marks,
    pending: segment.rows.map(({ id, stream, row }) => ({ id, stream, row })),
    version: before.version + 1,
  };
}

/** One shard's records (in sequence order); never throws. */
export async function sessionizeShard(
  shard: ShardRef,
  records: readonly KinesisStreamRecord[],
  state: StateTable,
  deps: SessionizeDeps,
  mode: SessionizeMode = { kind: "live" },
): Promise<ShardOutcome> {
  const now = deps.now ?? Date.now;
  const tuning = { ...DEFAULT_SESSIONIZE_TUNING, ...deps.tuning };
  const batch = {
    first: records[0].kinesis.sequenceNumber,
    last: records[records.length - 1].kinesis.sequenceNumber,
  };
  const counts = {
    shardId: shard.shardId,
    records: records.length,
    applied: 0,
    skipped: 0,
    unprocessable: 0,
  };
  const outcome = (failedFrom: string | null, rowsDelivered = 0): ShardOutcome => ({
    ...counts,
    rowsDelivered,
    failedFrom,
  });
  const leaseKey = mode.kind === "live" ? shardPk(shard) : redrivePk(shard, mode.range.first);
  const owner = deps.invocationId;

  // 1. The lease: the concurrency guard.
  let leased: LeasedShard;
  try {
    const nowMs = now();
    leased = await state.acquireLease(
      leaseKey,
      { owner, nowMs, untilMs: nowMs + Math.max(0, deps.remainingTimeMs()) },
      batch,
    );
  } catch (error) {
    if (error instanceof ShardBusyError) {
      deps.metrics?.count(handlerMetrics.concurrentBatches, 1);
      deps.logger.error(
        "another invocation is working on this shard: refused to run two batches of one shard " +
          "at once (is the event source mapping's parallelizationFactor above 1, or a second " +
          "mapping reading the stream?); the batch will be retried",
        { ...counts, firstSequence: batch.first, lastSequence: batch.last, lease: leaseKey },
      );
    } else if (!reportStateTableUnusable(deps, error, counts)) {
      deps.logger.warn("shard batch will be retried: could not take the shard's lease", {
        ...counts,
        error: describeError(error),
      });
    }
    return outcome(batch.first);
  }

  let failedFrom: string | null = batch.first;
  let lastRowtime = leased.lastRowtime;
  let doneUpTo: string | null = null;
  let rowsDelivered = 0;
  try {
    const gaps = [...leased.gaps];
    if (mode.kind === "live") {
      const gap = skippedRange(leased, batch, now());
      if (gap !== null) {
        await state.updateGaps(leaseKey, owner, { add: gap });
        gaps.push(gap);
        deps.metrics?.count(handlerMetrics.skippedRanges, 1);
        deps.logger.error(
          "the event source mapping skipped a range of this shard (it gave up on a batch, which " +
            "is in the failed-batches queue): redrive it with `npm run redrive`",
          { shardId: shard.shardId, skippedFrom: gap.from, skippedTo: gap.to },
        );
      }
    }
    const result = await runShard(shard, records, state, deps, mode, tuning, leased, gaps);
    failedFrom = result.failedFrom;
    lastRowtime = result.lastRowtime;
    doneUpTo = result.doneUpTo;
    rowsDelivered = result.rowsDelivered;
    Object.assign(counts, result.counts);
  } catch (error) {
    if (!reportStateTableUnusable(deps, error, counts))
      deps.logger.warn("shard batch will be retried", {
        ...counts,
        failedFrom,
        error: describeError(error),
      });
  }

  // 6. Release the lease; what is not done stays in flight for the next batch to see.
  try {
    await state.releaseLease(leaseKey, owner, {
      lastRowtime,
      sequence:
        doneUpTo !== null &&
        (leased.sequence === null || compareSequence(doneUpTo, leased.sequence) > 0)
          ? doneUpTo
          : null,
      inFlight: failedFrom === null ? null : { first: failedFrom, last: batch.last },
    });
  } catch (error) {
    // The batch may be done, but the shard's item does not say so: have Lambda send the last
    // record again, which finds it all applied and releases properly.
    deps.logger.warn("could not release the shard's lease; the batch's end will be retried", {
      ...counts,
      error: describeError(error),
      leaseLost: error instanceof LeaseLostError,
    });
    return outcome(failedFrom ?? batch.last, rowsDelivered);
  }
  if (failedFrom === null) {
    deps.logger.info("shard batch sessionized", { ...counts, rowsDelivered });
  } else {
    deps.logger.warn("shard batch will be retried from the first record not done", {
      ...counts,
      failedFrom,
      rowsDelivered,
    });
  }
  return outcome(failedFrom, rowsDelivered);
}

/**
 * The range the event source mapping skipped before `batch`: the batch an earlier invocation left
 * in flight, when this batch starts after its end (a retry would start inside it).
 */
function skippedRange(leased: LeasedShard, batch: SequenceRange, at: number): Gap | null {
  const open = leased.inFlight;
  if (open === null || compareSequence(batch.first, open.last) <= 0) return null;
  if (leased.gaps.some((gap) => gap.from === open.first)) return null;
  return { from: open.first, to: open.last, at };
}

interface ShardRun {
  readonly failedFrom: string | null;
  readonly lastRowtime: number | null;
  /** The last record before `failedFrom` (every record up to it is done), or null for none. */
  readonly doneUpTo: string | null;
  readonly rowsDelivered: number;
  readonly counts: { applied: number; skipped: number; unprocessable: number };
}

/** Steps 2 to 5 under the lease; throws for what fails the whole batch (DynamoDB unreachable). */
async function runShard(
  shard: ShardRef,
  records: readonly KinesisStreamRecord[],
  state: StateTable,
  deps: SessionizeDeps,
  mode: SessionizeMode,
  tuning: SessionizeTuning,
  leased: LeasedShard,
  gaps: readonly Gap[],
): Promise<ShardRun> {
  const batch = records.map((record) => ({
    sequence: record.kinesis.sequenceNumber,
    // A redriven record arrives late: now, not when Kinesis first received it.
    arrivalMs: mode.kind === "live" ? arrivalMs(record) : (deps.now ?? Date.now)(),
  }));
  const nothingDone = (indices: Iterable<number>): ShardRun => ({
    failedFrom: lowestSequence(batch, indices),
    lastRowtime: leased.lastRowtime,
    doneUpTo: null,
    rowsDelivered: 0,
    counts: { applied: 0, skipped: 0, unprocessable: 0 },
  });

  // A misconfigured table fails the batch before anything is committed.
  if (!(await tablesReady(deps))) return nothingDone(batch.keys());

  // 2. Decode (never throws), read the keys' state, write what earlier commits left pending.
  const decoded: KeyedRecord[] = records.map((record) =>
    deps.engine.decode(Buffer.from(record.kinesis.data, "base64")),
  );
  const keys = new Set<string>();
  for (const record of decoded) if (record.key !== null) keys.add(record.key);
  const states = await state.loadPartitions(keys);
  const blocked = new Set<string>();
  const leftOver = [...states].filter(([, s]) => s.pending.length > 0);
  if (leftOver.length > 0) {
    const written = await deliver(
      leftOver.flatMap(([, s]) => s.pending),
      deps,
    );
    for (const [key, s] of leftOver) {
      if (!s.pending.every((row) => written.has(row.id))) blocked.add(key);
    }
  }

  // 3. Run the records.
  const isApplied =
    mode.kind === "live" ? liveApplied(shard.shardId) : redriveApplied(shard.shardId, mode.range);
  const input: BatchInput = {
    engine: deps.engine,
    shardId: shard.shardId,
    records: batch,
    decoded,
    lastRowtime: leased.lastRowtime,
    states,
    isApplied,
    // Batches come in order under the lease (a redrive's under its own, per range), so the lease
    // item's `sequence` tells what is done among records without a key.
    isDoneWithoutKey: (sequence) =>
      leased.sequence !== null && compareSequence(sequence, leased.sequence) <= 0,
    segmentEveryKey: mode.kind === "redrive",
    segmentBytes: tuning.segmentBytes,
  };
  const run = runBatch(input);

  // 4. Commit each key's first segment (the rest after its rows are written).
  const failedKeys = new Set<string>(blocked);
  const committed = new Map<string, Committed>();
  const statelessRows = new Map(run.stateless);
  await forEachConcurrently([...run.segments], tuning.commitConcurrency, async ([key, segs]) => {
    if (blocked.has(key)) return;
    try {
      const result = await commitFirst(key, segs, states.get(key)!, {
        state,
        deps,
        mode,
        gaps,
        input,
        run,
        tuning,
        shardId: shard.shardId,
      });
      for (const [i, rows] of result.stateless) statelessRows.set(i, rows);
      if (result.committed === null) failedKeys.add(key);
      else committed.set(key, result.committed);
    } catch (error) {
      keyFailed(key, error);
    }
  });

  // 5. Write the committed rows and the rows of no key, then finish multi-segment keys.
  const firstRows = [
    ...[...committed.values()].flatMap((c) => c.state.pending),
    ...[...statelessRows.values()].flat(),
  ];
  const written = await deliver(firstRows, deps);
  let rowsDelivered = firstRows.filter((row) => written.has(row.id)).length;
  const finishKey = async (key: string, c: Committed): Promise<boolean> => {
    if (!c.state.pending.every((row) => written.has(row.id))) return false;
    let current = c.state;
    for (const segment of c.segments.slice(1)) {
      const next = stateAfter(current, segment, shard.shardId, mode, gaps);
      try {
        await state.commit(key, current.version, next);
      } catch (error) {
        // Another invocation moved the key on after writing our rows: the retry redoes the rest.
        if (error instanceof StateConflictError) return false;
        throw error;
      }
      current = next;
      const rows = await deliver(next.pending, deps);
      rowsDelivered += next.pending.filter((row) => rows.has(row.id)).length;
      if (!next.pending.every((row) => rows.has(row.id))) return false;
    }
    // The rows are written: forgetting them is tidying, and a failure only leaves them to be
    // written again by the key's next batch, which changes nothing.
    if (current.pending.length > 0)
      await state.clearPending(key, current.version).catch(() => false);
    return true;
  };
  function keyFailed(key: string, error: unknown): void {
    failedKeys.add(key);
    deps.logger.warn("a key's transition could not be committed; its records will be retried", {
      key,
      error: describeError(error),
    });
  }
  await forEachConcurrently([...committed], tuning.commitConcurrency, async ([key, c]) => {
    try {
      if (!(await finishKey(key, c))) failedKeys.add(key);
    } catch (error) {
      keyFailed(key, error);
    }
  });
  // Keys whose left-over rows are now written but that had nothing new: forget those rows (a
  // failure only leaves them to be written again, which changes nothing).
  await forEachConcurrently(
    leftOver.filter(([key]) => !blocked.has(key) && !run.segments.has(key)),
    tuning.commitConcurrency,
    async ([key, s]) => void (await state.clearPending(key, s.version).catch(() => false)),
  );

  // Done: every record of a key whose rows are all written (or that had nothing to apply), and
  // every record whose own rows are written. A key that failed keeps all its records in the retry.
  const notDone: number[] = [];
  decoded.forEach((record, i) => {
    const ofFailedKey = record.key !== null && failedKeys.has(record.key);
    const rows = statelessRows.get(i);
    if (ofFailedKey || (rows !== undefined && !rows.every((row) => written.has(row.id)))) {
      notDone.push(i);
    }
  });
  const failedFrom = lowestSequence(batch, notDone);
  const firstFailed =
    failedFrom === null ? batch.length : batch.findIndex((r) => r.sequence === failedFrom);
  return {
    failedFrom,
    // The clock as it stood before the first record not done, so a retry gives it the same ROWTIME.
    lastRowtime: firstFailed === 0 ? leased.lastRowtime : run.rowtimes[firstFailed - 1],
    doneUpTo: firstFailed === 0 ? null : batch[firstFailed - 1].sequence,
    rowsDelivered,
    counts: {
      applied: batch.length - run.skipped.size,
      skipped: run.skipped.size,
      unprocessable: [...statelessRows.keys()].filter(
        (i) => run.failures.has(i) || !run.stateless.has(i),
      ).length,
    },
  };

  /** Delivers rows (idempotent puts) and returns the ids written; reports them to the observer. */
  async function deliver(rows: readonly PendingRow[], d: SessionizeDeps): Promise<Set<string>> {
    if (rows.length === 0) return new Set();
    const results = await deliverRows(rows, {
      client: d.client,
      sessionsTable: d.sessionsTable,
      deadLetterTable: d.deadLetterTable,
      remainingTimeMs: d.remainingTimeMs,
      invocationId: d.invocationId,
      applicationArn: d.applicationArn,
      logger: d.logger,
      metrics: d.metrics,
      tuning: d.tuning,
    });
    const ok = new Set([...results].filter(([, r]) => r === DeliveryResult.Ok).map(([id]) => id));
    const delivered = rows.filter((row) => ok.has(row.id));
    if (delivered.length > 0) d.onDelivered?.(delivered);
    return ok;
  }
}

/** A key whose first segment is committed: its state now, and all its segments. */
interface Committed {
  readonly state: PartitionState;
  readonly segments: readonly Segment[];
}

interface CommitContext {
  readonly state: StateTable;
  readonly deps: SessionizeDeps;
  readonly mode: SessionizeMode;
  readonly gaps: readonly Gap[];
  readonly input: BatchInput;
  readonly run: BatchRun;
  readonly tuning: SessionizeTuning;
  readonly shardId: string;
}

/**
 * Commits a key's first segment, redoing the key's records against the newer state when another
 * invocation committed the key meanwhile (after writing that invocation's pending rows, which must
 * not be dropped). Returns the committed state and all segments, or null when the key is left for
 * a retry; and the error rows of records that threw only in a redo.
 */
async function commitFirst(
  key: string,
  firstSegments: Segment[],
  loaded: PartitionState,
  ctx: CommitContext,
): Promise<{ committed: Committed | null; stateless: Map<number, DeliveryRow[]> }> {
  let before = loaded;
  let segments = firstSegments;
  const stateless = new Map<number, DeliveryRow[]>();
  for (let attempt = 0; ; attempt++) {
    if (segments.length === 0) return { committed: { state: before, segments }, stateless };
    const after = stateAfter(before, segments[0], ctx.shardId, ctx.mode, ctx.gaps);
    try {
      await ctx.state.commit(key, before.version, after);
      return { committed: { state: after, segments }, stateless };
    } catch (error) {
      if (!(error instanceof StateConflictError) || attempt >= ctx.tuning.maxConflicts) {
        if (error instanceof StateConflictError) {
          ctx.deps.logger.warn("a key kept changing under this batch; it will be retried", {
            key,
            attempts: attempt + 1,
          });
          return { committed: null, stateless };
        }
        throw error;
      }
    }
    // Someone else committed the key: take its state (and write its rows first, since our
    // commit would replace them), then run the key's records again on top of it.
    const reloaded = (await ctx.state.loadPartitions([key])).get(key)!;
    if (reloaded.pending.length > 0) {
      const results = await deliverRows(reloaded.pending, {
        client: ctx.deps.client,
        sessionsTable: ctx.deps.sessionsTable,
        deadLetterTable: ctx.deps.deadLetterTable,
        remainingTimeMs: ctx.deps.remainingTimeMs,
        invocationId: ctx.deps.invocationId,
        applicationArn: ctx.deps.applicationArn,
        logger: ctx.deps.logger,
        metrics: ctx.deps.metrics,
        tuning: ctx.deps.tuning,
      });
      if ([...results.values()].some((r) => r !== DeliveryResult.Ok)) {
        return { committed: null, stateless };
      }
      ctx.deps.onDelivered?.(reloaded.pending);
    }
    const redo = redoKey(ctx.input, ctx.run, key, reloaded);
    for (const [i, rows] of redo.stateless) stateless.set(i, rows);
    segments = redo.segments;
    before = reloaded;
  }
}

/**
 * Whether `error` says the state table cannot be used at all (missing, or denied by IAM or KMS):
 * a configuration error, as the sessions table's (`tablesReady`), logged as an ERROR naming the
 * table and counted in `TableErrors`, not a passing WARN. The batch is retried all the same; only
 * a change of the stack fixes it.
 */
function reportStateTableUnusable(
  deps: SessionizeDeps,
  error: unknown,
  context: Readonly<Record<string, unknown>>,
): boolean {
  const name = error instanceof Error ? error.name : "";
  if (!tableLevelErrorNames.has(name)) return false;
  deps.metrics?.count(handlerMetrics.tableErrors, 1);
  deps.logger.error("the state table cannot be used; the batch will be retried", {
    ...context,
    table: deps.stateTable,
    cause: `${name}: ${(error as Error).message}`,
  });
  return true;
}

/** Both tables checked (`verifyTable`); false, logged and counted, when one is misconfigured. */
async function tablesReady(deps: SessionizeDeps): Promise<boolean> {
  for (const [table, shape] of [
    [deps.sessionsTable, sessionsTableShape],
    [deps.deadLetterTable, deadLetterTableShape],
  ] as const) {
    try {
      await verifyTable(deps.client, table, shape);
    } catch (error) {
      if (!(error instanceof TableConfigurationError)) throw error;
      deps.metrics?.count(handlerMetrics.tableErrors, 1);
      deps.logger.error("table cannot take the rows; the batch will be retried", {
        table,
        cause: error.reason,
      });
      return false;
    }
  }
  return true;
}

/** The lowest sequence number among `indices` of `batch`, or null when there are none. */
function lowestSequence(
  batch: readonly { readonly sequence: string }[],
  indices: Iterable<number>,
): string | null {
  let lowest: string | null = null;
  for (const i of indices) {
    const sequence = batch[i].sequence;
    if (lowest === null || compareSequence(sequence, lowest) < 0) lowest = sequence;
  }
  return lowest;
}

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
