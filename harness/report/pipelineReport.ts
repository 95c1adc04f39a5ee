/**
 * The report of a local pipeline run (`npm start`): the totals are the run's reconciled summary
 * (what reached the tables), the charts come from the clicks sent, run once more through the same
 * SQL (the run's application, with its input schema) by the emulator with each click's own
 * timestamp as ROWTIME. For the lab's SQL that gives the
 * sessions the engine found (the end-to-end tests hold replay and pipeline to the same sessions),
 * and it gives them for either engine without asking which one ran.
 */
import { clickInputSchema, readSessionizeSql, type InputSchema } from "../../sql/inputSchema";
import { loadApplication } from "../emulator";
import type { Summary } from "../local/summary";
import { RecordFeeder } from "../replay/recordFeeder";
import type { ClickRecord } from "../simulator/clickGenerator";
import { ReportCollector, type ReportFacts, type TimelineChoice } from "./reportFacts";
import type { ReportPage, Total } from "./renderReport";

/** The facts of clicks replayed through the SQL, each at its own event time. */
export function clickFacts(
  clicks: readonly ClickRecord[],
  choice: TimelineChoice = {},
  sqlText: string = readSessionizeSql(),
  inputSchema: InputSchema = clickInputSchema,
): ReportFacts {
  const app = loadApplication(sqlText, { includeSourceRows: true, inputSchema });
  const feeder = new RecordFeeder(app, "event_timestamp", inputSchema);
  const collector = new ReportCollector(app.streams);
  for (const click of clicks) {
    const data = JSON.stringify(click);
    const fed = feeder.feed({ kind: "event", data, bytes: Buffer.byteLength(data) });
    if (fed !== null) collector.add(fed.rows);
  }
  return collector.finish(choice);
}

/** The page of a pipeline run: its summary as the totals, the clicks' facts as the charts. */
export function pipelineReportPage(
  summary: Summary,
  facts: ReportFacts,
  engine: string,
  generatedAt: Date = new Date(),
): ReportPage {
  const totals: Total[] = [
    { key: "events", label: "events sent", value: summary.events, note: `seed ${summary.seed}` },
    { key: "users", label: "users", value: facts.users },
    {
      key: "sessionRows",
      label: "session rows",
      value: summary.sessionRows,
      note: "on DESTINATION_SQL_STREAM",
    },
    { key: "distinctSessions", label: "distinct session ids", value: summary.distinctSessions },
    { key: "tableItems", label: "sessions table items", value: summary.tableItems },
    {
      key: "overwrittenSessions",
      label: "overwritten sessions",
      value: summary.overwrittenSessions,
      note: "session rows whose item overwrote an earlier session's",
    },
    {
      key: "usersWithoutSessions",
      label: "users without sessions",
      value: summary.usersWithoutSessions,
      note: "users whose every click was dead-lettered",
    },
    {
      key: "deadLetters",
      label: "dead letters",
      value: summary.deadLetters,
      note: `expected ${summary.expectedDeadLetters}: ${summary.errorRows} error rows, ${summary.rejectedRows} rejected rows`,
    },
    {
      key: "missingTimestamps",
      label: "events without event_timestamp",
      value: facts.missingTimestamps,
    },
    { key: "redeliveries", label: "records redelivered", value: summary.redeliveries },
    {
      key: "reconciled",
      label: "reconciled",
      value: summary.reconciled ? "yes" : "NO",
      ...(summary.differences.length > 0 && { note: summary.differences.join("; ") }),
    },
  ];
  return {
    title: "Local pipeline run",
    source: `npm start, engine ${engine}, ${(summary.elapsedMs / 1000).toFixed(1)} s`,
    generatedAt,
    totals,
    facts,
  };
}
