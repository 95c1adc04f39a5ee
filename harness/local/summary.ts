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
  /**
   * Users who sent clicks but have no item in the sessions table: every click of theirs became a
   * dead letter (the lab's SQL does this to any user id over 7 characters).
   */
  readonly usersWithoutSessions?: readonly string[];
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
  /**
   * Session rows whose session_id an earlier session row already had: each is a session the table
   * lost, because the later item overwrote the earlier (every destination row is a session start).
   */
  readonly overwrittenSessions: number;
  /** Users whose clicks all became dead letters (no session at all). */
  readonly usersWithoutSessions: number;
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
 * Checks that every event was read, every session row landed as its own item (a session_id that
 * repeats means a session was overwritten), every user who clicked has a session, every error and
 * rejected row is a dead letter, and nothing is left undelivered.
 *
 * @example
 * reconcile({ ...facts, destinationSessionIds: ["a", "b"], tableSessionIds: ["a", "b"] })
 *   .reconciled // -> true (when the other counts agree too)
 * reconcile({ ...facts, destinationSessionIds: ["a", "a", "b"], tableSessionIds: ["a", "b"] })
 *   .differences // -> ['1 session row(s) reused the session_id of an earlier session, ...: "a"']
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
  const sessionRows = facts.destinationSessionIds.filter((id): id is string => id !== null);
  const overwritten = sessionRows.length - expectedSessions.size;
  if (overwritten > 0) {
    const seen = new Set<string>();
    const repeated = new Set(sessionRows.filter((id) => seen.has(id) || !seen.add(id)));
    differences.push(
      `${overwritten} session row(s) reused the session_id of an earlier session, which the table ` +
        `item then overwrote: ${sample([...repeated])}`,
    );
  }
  const usersWithoutSessions = facts.usersWithoutSessions ?? [];
  if (usersWithoutSessions.length > 0) {
    differences.push(
      `${usersWithoutSessions.length} user(s) sent clicks but have no session, every click ` +
        `dead-lettered: ${sample(usersWithoutSessions)}`,
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
    overwrittenSessions: overwritten,
    usersWithoutSessions: usersWithoutSessions.length,
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
    ["overwritten sessions", String(summary.overwrittenSessions)],
    ["users without sessions", String(summary.usersWithoutSessions)],
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
