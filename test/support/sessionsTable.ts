/**
 * What the end-to-end pipeline tests compare: a lab clickstream, the sessions table the harness
 * replay predicts for it, and a sessions table reduced to comparable, sorted items.
 */
import { replayLines } from "../../harness/emulator";
import {
  readApplicationSql,
  sqlApplications,
  type SqlApplicationName,
} from "../../sql/applications";
import type { SessionItem } from "../../sql/contracts";
import { labClickStream, type ClickStreamOptions } from "../../harness/simulator/clickGenerator";
import { simulate } from "../../harness/simulator/simulate";
import { MemorySink } from "../../harness/simulator/sinks";
import { itemOfRow } from "./sessionizer";

/** 400 lab clicks from 2026-01-01 09:00 UTC with `seed`, then `overrides`. */
export const labClicks = (
  seed: number,
  overrides: Partial<ClickStreamOptions> = {},
): ClickStreamOptions => ({
  ...labClickStream,
  seed,
  count: 400,
  startMs: Date.parse("2026-01-01T09:00:00Z"),
  ...overrides,
});

/** The items sorted by session_id, so two tables compare with deep equality. */
export const sortedItems = (items: readonly SessionItem[]): SessionItem[] =>
  [...items].sort((a, b) => a.session_id.localeCompare(b.session_id));

/**
 * The table replay of `app` (default the product's) predicts: one item per distinct non-null
 * session_id, the row's columns, as the handler writes them.
 */
export async function replayedTable(
  stream: ClickStreamOptions,
  app: SqlApplicationName = "product",
): Promise<SessionItem[]> {
  const sink = new MemorySink();
  await simulate({ stream, sink });
  const items = new Map<string, SessionItem>();
  const lines = sink.records.map((record) => JSON.stringify(record));
  const rows = replayLines(readApplicationSql(app), lines, {
    inputSchema: sqlApplications[app].inputSchema,
  });
  for (const row of rows) {
    if (typeof row.session_id !== "string") continue;
    items.set(row.session_id, itemOfRow(row));
  }
  return sortedItems([...items.values()]);
}
