/**
 * The delivery core: one function from typed rows (`{ stream, row }` and an id) to DynamoDB
 * writes, answering each row `Ok` or `DeliveryFailed`. Session rows go to the sessions table,
 * `error_stream` rows and rows that can never be stored to the dead-letter table. Both engines
 * end here: the KDA output Lambda (`handlers/deliver-sessions.ts`) after decoding KDA's event at
 * its edge, and the sessionizer Lambda (`handlers/sessionize-stream.ts`) with the rows its SQL
 * application produced, handed over as they are.
 */
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  deadLetterTableShape,
  handlerMetrics,
  sessionsTableShape,
  type SessionItem,
  type TableShape,
} from "../../sql/contracts";
import { documentClient } from "../shared/documentClient";
import type { MetricsSink } from "../shared/metrics";
import {
  DeadLetterKind,
  deadLetterId,
  deadLetterItem,
  RejectReason,
  type DeadLetter,
} from "./deadLetter";
import { decideRow, type Decision } from "./decideRow";
import { DeliveryResult } from "./event";
import { encodeRecordData } from "./recordData";
import { TableConfigurationError, verifyTable } from "./tableCheck";
import type { DeliveryInput } from "./typedRow";
import {
  TimeBudget,
  writeItems,
  type PendingWrite,
  type WriteItemsOptions,
  type WriteOutcome,
} from "./writeItems";

/** The subset of Powertools' `Logger` the delivery uses; a `Logger` instance satisfies it. */
export interface DeliveryLogger {
  debug(message: string, attributes: Record<string, unknown>): void;
  info(message: string, attributes: Record<string, unknown>): void;
  warn(message: string, attributes: Record<string, unknown>): void;
  error(message: string, attributes: Record<string, unknown>): void;
}

/** Knobs with defaults fit for the Lambda (60 s timeout, KDA batches of up to ~6 MB). */
export interface DeliveryTuning {
  /** BatchWriteItem calls in flight per table. */
  readonly concurrency: number;
  /** Time kept back from retries to answer before Lambda's timeout. */
  readonly reserveMs: number;
  readonly backoffBaseMs: number;
  readonly backoffCapMs: number;
}

export const DEFAULT_TUNING: DeliveryTuning = {
  concurrency: 8,
  reserveMs: 1_000,
  backoffBaseMs: 25,
  backoffCapMs: 1_000,
};

export interface DeliveryDeps {
  readonly client: DynamoDBClient;
  readonly sessionsTable: string;
  readonly deadLetterTable: string;
  /** Milliseconds left in the invocation (Lambda's `context.getRemainingTimeInMillis`). */
  readonly remainingTimeMs: () => number;
  readonly invocationId: string;
  /** Scopes dead-letter ids, so two applications sharing one table never collide. */
  readonly applicationArn?: string;
  readonly logger: DeliveryLogger;
  /** Where the `DeadLetters` and `TableErrors` counts go (the handlers' EMF metrics). */
  readonly metrics?: MetricsSink;
  readonly tuning?: Partial<DeliveryTuning>;
}

/** The dead-letter fields that come from the delivery rather than from the decision. */
type LetterContext =
  "data" | "recordId" | "invocationId" | "applicationArn" | "retryHint" | "receivedAt";

/** Where each row is headed once decided. */
type Plan =
  | { readonly target: "sessions"; readonly key: string; readonly item: SessionItem }
  | { readonly target: "deadLetters"; readonly key: string; readonly letter: DeadLetter };

/**
 * Delivers rows and answers each id. Never throws for bad data: a row ends `Ok` once its session
 * item is written, or once it is written to the dead-letter table when it can never be stored
 * (undecodable, missing or ill-typed fields, too large, refused by DynamoDB) or is an
 * `error_stream` row; it ends `DeliveryFailed` when DynamoDB could not be reached, throttled past
 * the time left, or failed otherwise transiently, so it is delivered again. Rows with the same
 * `session_id` collapse to one write of the last one. A repeated id is `Ok` only if all its rows are.
 *
 * @example
 * await deliverRows([
 *   { id: "r1", stream: "DESTINATION_SQL_STREAM", row: { user_id: "user1  ", session_id: "user1  _mobile_10:00:00", session_time: "10:00:00" } },
 *   { id: "r2", stream: "error_stream", row: { ERROR_NAME: "Not_A_JSON_Object", ... } },
 * ], deps)
 * // -> Map { "r1" => "Ok" (in the sessions table), "r2" => "Ok" (in the dead-letter table) }
 */
export async function deliverRows(
  rows: readonly DeliveryInput[],
  deps: DeliveryDeps,
): Promise<Map<string, DeliveryResult>> {
  const started = Date.now();
  const tuning = { ...DEFAULT_TUNING, ...deps.tuning };
  const budget = new TimeBudget(deps.remainingTimeMs, tuning.reserveMs);
  const writeOptions = {
    client: documentClient(deps.client),
    budget,
    concurrency: tuning.concurrency,
    backoff: { baseMs: tuning.backoffBaseMs, capMs: tuning.backoffCapMs },
  };
  const applicationArn = deps.applicationArn ?? "";
  const receivedAt = new Date(started);
  const letterFor = (
    input: DeliveryInput,
    fields: Omit<DeadLetter, LetterContext>,
  ): DeadLetter => ({
    ...fields,
    data: recordData(input),
    recordId: input.id,
    invocationId: deps.invocationId,
    applicationArn,
    retryHint: input.retryHint ?? 0,
    receivedAt,
  });

  const plans: Plan[] = rows.map((input) => {
    const decided: Decision =
      "rejected" in input ? { kind: "rejected_record", ...input.rejected } : decideRow(input);
    if (decided.kind === "session") {
      return { target: "sessions", key: decided.item.session_id, item: decided.item };
    }
    const letter =
      decided.kind === "error_stream"
        ? letterFor(input, {
            kind: DeadLetterKind.ErrorStream,
            reason: decided.columns.ERROR_NAME ?? "ErrorStreamRow",
            message: decided.columns.MESSAGE ?? "",
            errorStream: decided.columns,
          })
        : letterFor(input, {
            kind: DeadLetterKind.RejectedRecord,
            reason: decided.reason,
            message: decided.message,
          });
    return { target: "deadLetters", key: deadLetterId(applicationArn, letter.data), letter };
  });

  // Last wins: the write of a key is the item of its last row, as if the rows were put in order.
  const lastSession = new Map<string, SessionItem>();
  const lastLetter = new Map<string, DeadLetter>();
  for (const plan of plans) {
    if (plan.target === "sessions") lastSession.set(plan.key, plan.item);
    else lastLetter.set(plan.key, plan.letter);
  }
  const sessionWrites = [...lastSession].map(([key, item]) => ({ key, item }));
  const letterWrites = (letters: Iterable<[string, DeadLetter]>): PendingWrite[] =>
    [...letters].map(([key, letter]) => ({ key, item: deadLetterItem(letter) }));

  const sessionsTable = { name: deps.sessionsTable, shape: sessionsTableShape };
  const deadLetterTable = { name: deps.deadLetterTable, shape: deadLetterTableShape };
  const [sessions, letters] = await Promise.all([
    writeChecked(sessionWrites, sessionsTable, writeOptions, deps),
    writeChecked(letterWrites(lastLetter), deadLetterTable, writeOptions, deps),
  ]);

  // Items DynamoDB refuses for good join the dead letters; only the row that carried the winning
  // item goes there, and rows it had overwritten are failed so KDA brings them back on their own.
  // A refusal is the item's own fault only if the table is still the one expected: a table
  // recreated with another key since it was checked refuses every item (configuration error).
  const refusedLetters = new Map<string, DeadLetter>();
  const refusedWinner = new Map<number, string>();
  const tableStillRight =
    sessions.refused.size === 0 || (await checkTable(sessionsTable, deps, { recheck: true }));
  plans.forEach((plan, index) => {
    if (!tableStillRight) return;
    if (plan.target !== "sessions" || !sessions.refused.has(plan.key)) return;
    if (lastSession.get(plan.key) !== plan.item) return;
    const letter = letterFor(rows[index], {
      kind: DeadLetterKind.RejectedRecord,
      reason: RejectReason.RejectedByDynamoDB,
      message: sessions.refused.get(plan.key) ?? "",
    });
    const key = deadLetterId(applicationArn, letter.data);
    refusedWinner.set(index, key);
    refusedLetters.set(key, letter);
  });
  const refusedOutcome = await writeChecked(
    letterWrites(refusedLetters),
    deadLetterTable,
    writeOptions,
    deps,
  );
  const deadLetters = letters.written.size + refusedOutcome.written.size;
  if (deadLetters > 0) deps.metrics?.count(handlerMetrics.deadLetters, deadLetters);

  const rowResults = plans.map((plan, index): DeliveryResult => {
    const refusedKey = refusedWinner.get(index);
    const ok =
      refusedKey !== undefined
        ? refusedOutcome.written.has(refusedKey)
        : plan.target === "sessions"
          ? sessions.written.has(plan.key)
          : letters.written.has(plan.key);
    return ok ? DeliveryResult.Ok : DeliveryResult.DeliveryFailed;
  });

  const results = new Map<string, DeliveryResult>();
  rows.forEach((row, index) => {
    if (results.get(row.id) !== DeliveryResult.DeliveryFailed)
      results.set(row.id, rowResults[index]);
  });

  logSummary(deps, {
    rows,
    plans,
    rowResults,
    results,
    outcomes: [sessions, letters, refusedOutcome],
    sessionsWritten: sessions.written.size,
    elapsedMs: Date.now() - started,
  });
  return results;
}

/** A table the delivery writes, with the key its contract gives it. */
interface TargetTable {
  readonly name: string;
  readonly shape: TableShape;
}

/**
 * Whether `table` can take rows (`verifyTable`): false, with an ERROR line and a `TableErrors`
 * metric, when it is misconfigured; false, with a WARN line, when DynamoDB could not be asked.
 */
async function checkTable(
  table: TargetTable,
  deps: DeliveryDeps,
  options: { readonly recheck?: boolean } = {},
): Promise<boolean> {
  try {
    await verifyTable(deps.client, table.name, table.shape, options);
    return true;
  } catch (error) {
    if (error instanceof TableConfigurationError) {
      reportTableError(deps, table.name, error.reason);
    } else {
      deps.logger.warn("could not check a table; its rows will be redelivered", {
        table: table.name,
        error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      });
    }
    return false;
  }
}

function reportTableError(deps: DeliveryDeps, table: string, cause: string): void {
  deps.logger.error("table cannot take the rows; they will be redelivered", { table, cause });
  deps.metrics?.count(handlerMetrics.tableErrors, 1);
}

/**
 * `writeItems` into a table checked first: nothing is written to a table that is not the one
 * expected, and a table-level error met while writing is reported like a failed check.
 */
async function writeChecked(
  writes: readonly PendingWrite[],
  table: TargetTable,
  options: Omit<WriteItemsOptions, "table" | "keyAttribute">,
  deps: DeliveryDeps,
): Promise<WriteOutcome> {
  const nothing: WriteOutcome = { written: new Set(), refused: new Map(), calls: 0, retries: 0 };
  if (writes.length === 0) return nothing;
  if (!(await checkTable(table, deps))) return nothing;
  const outcome = await writeItems(writes, {
    ...options,
    table: table.name,
    keyAttribute: table.shape.hashKey.name,
  });
  if (outcome.tableError !== undefined) reportTableError(deps, table.name, outcome.tableError);
  return outcome;
}

/**
 * The `data` a row's dead letter holds and is keyed by: what KDA delivered, or for a row handed
 * over in process, what KDA would have delivered for it.
 */
function recordData(input: DeliveryInput): string {
  if ("rejected" in input) return input.data;
  return input.data ?? encodeRecordData(input.row);
}

interface Summary {
  readonly rows: readonly DeliveryInput[];
  readonly plans: readonly Plan[];
  readonly rowResults: readonly DeliveryResult[];
  readonly results: ReadonlyMap<string, DeliveryResult>;
  readonly outcomes: readonly WriteOutcome[];
  readonly sessionsWritten: number;
  readonly elapsedMs: number;
}

/** One info line per invocation with counts per outcome; payloads only at debug level. */
function logSummary(deps: DeliveryDeps, summary: Summary): void {
  const count = (result: DeliveryResult): number =>
    [...summary.results.values()].filter((value) => value === result).length;
  const deadLettered: Record<string, number> = {};
  const reasons: Record<string, number> = {};
  summary.plans.forEach((plan, index) => {
    if (plan.target !== "deadLetters") return;
    const { letter } = plan;
    deps.logger.debug("dead letter", {
      result: summary.rowResults[index],
      recordId: letter.recordId,
      kind: letter.kind,
      reason: letter.reason,
      message: letter.message,
      data: letter.data,
    });
    if (summary.rowResults[index] !== DeliveryResult.Ok) return;
    deadLettered[letter.kind] = (deadLettered[letter.kind] ?? 0) + 1;
    reasons[letter.reason] = (reasons[letter.reason] ?? 0) + 1;
  });
  const sessionRows = summary.plans.filter((plan) => plan.target === "sessions").length;
  const counts = {
    invocationId: deps.invocationId,
    records: summary.rows.length,
    ok: count(DeliveryResult.Ok),
    deliveryFailed: count(DeliveryResult.DeliveryFailed),
    sessionRows,
    sessionsWritten: summary.sessionsWritten,
    deadLettered,
    reasons,
    batchWriteCalls: summary.outcomes.reduce((sum, outcome) => sum + outcome.calls, 0),
    retries: summary.outcomes.reduce((sum, outcome) => sum + outcome.retries, 0),
    elapsedMs: summary.elapsedMs,
  };
  if (counts.deliveryFailed > 0) {
    const lastError = summary.outcomes.find((outcome) => outcome.lastError)?.lastError;
    deps.logger.warn("delivery finished with records to be redelivered", { ...counts, lastError });
  } else {
    deps.logger.info("delivery finished", counts);
  }
}
