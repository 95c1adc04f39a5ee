/**
 * The end-of-run summary of the local pipeline and its reconciliation: what went in must be
 * accounted for in the tables. Pure functions of the facts collected during the run.
 */

import {
  destinationStreamName as destinationStream,
  errorStreamName as errorStream,
} from "../../sql/contracts";

/** Everything observed during a run. */
export interface RunFacts {
  readonly seed: number;
  readonly events: number;
  readonly recordsRead: number;
  readonly rowsByStream: Readonly<Record<string, number>>;
  /**
   * `session_id` of every DESTINATION_SQL_STREAM row, in emission order; null where the handler
   * must reject the row (NULL or empty).
   */
  readonly destinationSessionIds: readonly (string | null)[];
  /**
   * The delivered `data` (base64) of every row that must become a dead letter: error_stream rows
   * and destination rows without a session_id.
   */
  readonly deadLetterData: readonly string[];
  readonly tableSessionIds: readonly string[];
  readonly deadLetters: number;
  readonly invocations: number;
  readonly failedInvocations: number;
  readonly redeliveries: number;
  /** Rows still waiting for delivery when the run ended. */
  readonly undelivered: number;
  readonly elapsedMs: number;
}

/** The summary printed at the end (and, with `--json`, as one JSON object). */
export interface Summary extends Pick<
  RunFacts,
  | "seed"
  | "events"
  | "recordsRead"
  | "deadLetters"
  | "invocations"
  | "failedInvocations"
  | "redeliveries"
  | "undelivered"
  | "elapsedMs"
> {
  readonly rows: Readonly<Record<string, number>>;
  /** Rows emitted on DESTINATION_SQL_STREAM. */
  readonly sessionRows: number;
  /** Distinct non-null session_id values among those rows: the items the table must hold. */
  readonly distinctSessions: number;
  readonly tableItems: number;
  readonly errorRows: number;
  /** Destination rows the handler must reject (session_id NULL). */
  readonly rejectedRows: number;
  /** Distinct dead-letter records expected (the handler keys them by content). */
  readonly expectedDeadLetters: number;
  readonly reconciled: boolean;
  /** One line per check that failed, saying what differs. */
  readonly differences: readonly string[];
}

/**
 * Checks that every event was read, every session row landed as exactly one item per distinct
 * session_id, every error and rejected row is a dead letter, and nothing is left undelivered.
 *
 * @example
 * reconcile({ ...facts, destinationSessionIds: ["a", "a", "b"], tableSessionIds: ["a", "b"] })
 *   .reconciled // -> true (when the other counts agree too)
 */
export function reconcile(facts: RunFacts): Summary {
  const expectedSessions = new Set(
    facts.destinationSessionIds.filter((id): id is string => id !== null),
  );
  const tableSessions = new Set(facts.tableSessionIds);
  const expectedDeadLetters = new Set(facts.deadLetterData).size;
  const differences: string[] = [];

  if (facts.recordsRead !== facts.events) {
    differences.push(
      `records read from the stream: ${facts.recordsRead}, events sent: ${facts.events}`,
    );
  }
  const missing = [...expectedSessions].filter((id) => !tableSessions.has(id));
  const unexpected = [...tableSessions].filter((id) => !expectedSessions.has(id));
  if (
    facts.tableSessionIds.length !== expectedSessions.size ||
    missing.length + unexpected.length > 0
  ) {
    differences.push(
      `table items: ${facts.tableSessionIds.length}, distinct session ids emitted: ${expectedSessions.size}` +
        (missing.length > 0 ? `; missing from the table: ${sample(missing)}` : "") +
        (unexpected.length > 0 ? `; in the table but never emitted: ${sample(unexpected)}` : ""),
    );
  }
  if (facts.deadLetters !== expectedDeadLetters) {
    differences.push(
      `dead letters: ${facts.deadLetters}, expected ${expectedDeadLetters} (error rows and rejected rows, distinct)`,
    );
  }
  if (facts.undelivered > 0) {
    differences.push(`${facts.undelivered} row(s) were still undelivered when the run ended`);
  }

  const errorRows = facts.rowsByStream[errorStream] ?? 0;
  return {
    seed: facts.seed,
    events: facts.events,
    recordsRead: facts.recordsRead,
    rows: facts.rowsByStream,
    sessionRows: facts.rowsByStream[destinationStream] ?? 0,
    distinctSessions: expectedSessions.size,
    tableItems: facts.tableSessionIds.length,
    errorRows,
    rejectedRows: facts.destinationSessionIds.filter((id) => id === null).length,
    expectedDeadLetters,
    deadLetters: facts.deadLetters,
    invocations: facts.invocations,
    failedInvocations: facts.failedInvocations,
    redeliveries: facts.redeliveries,
    undelivered: facts.undelivered,
    elapsedMs: facts.elapsedMs,
    reconciled: differences.length === 0,
    differences,
  };
}

function sample(ids: readonly string[]): string {
  const shown = ids.slice(0, 5).map((id) => JSON.stringify(id));
  return ids.length > 5 ? `${shown.join(", ")} and ${ids.length - 5} more` : shown.join(", ");
}

/** The summary as aligned text lines. */
export function formatSummary(summary: Summary): string {
  const streams = Object.entries(summary.rows)
    .map(([stream, count]) => `${stream} ${count}`)
    .join(", ");
  const lines: [string, string][] = [
    ["events sent", `${summary.events} (seed ${summary.seed})`],
    ["records read", String(summary.recordsRead)],
    ["rows per stream", streams || "none"],
    [
      "session rows",
      `${summary.sessionRows} on ${destinationStream}, ${summary.distinctSessions} distinct session ids`,
    ],
    ["sessions table items", String(summary.tableItems)],
    [
      "dead letters",
      `${summary.deadLetters} (expected ${summary.expectedDeadLetters}: ${summary.errorRows} error rows, ${summary.rejectedRows} rejected rows)`,
    ],
    [
      "deliveries",
      `${summary.invocations} invocations, ${summary.failedInvocations} with failures, ${summary.redeliveries} records redelivered`,
    ],
    ["elapsed", `${(summary.elapsedMs / 1000).toFixed(1)} s`],
    [
      "reconciled",
      summary.reconciled ? "yes" : `NO\n${summary.differences.map((d) => `  - ${d}`).join("\n")}`,
    ],
  ];
  const width = Math.max(...lines.map(([label]) => label.length));
  return lines.map(([label, value]) => `${label.padEnd(width)}  ${value}`).join("\n");
}
