/**
 * What the end-to-end pipeline tests compare: a lab clickstream, the sessions table the harness
 * replay predicts for it, and a sessions table reduced to comparable, sorted items.
 */
import { replayLines } from "../../harness/emulator";
import type { SessionItem } from "../../sql/contracts";
import { labClickStream, type ClickStreamOptions } from "../../harness/simulator/clickGenerator";
import { simulate } from "../../harness/simulator/simulate";
import { MemorySink } from "../../harness/simulator/sinks";
import { readSessionizeSql } from "../../sql/inputSchema";

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

/** The items' key fields only, sorted by session_id, so two tables compare with deep equality. */
export const sortedItems = (items: readonly SessionItem[]) =>
  [...items]
    .map((i) => ({ session_id: i.session_id, session_time: i.session_time, user_id: i.user_id }))
    .sort((a, b) => a.session_id.localeCompare(b.session_id));

/** The table replay predicts: one item per distinct non-null session_id, as the handler writes. */
export async function replayedTable(stream: ClickStreamOptions): Promise<SessionItem[]> {
  const sink = new MemorySink();
  await simulate({ stream, sink });
  const items = new Map<string, SessionItem>();
  const lines = sink.records.map((record) => JSON.stringify(record));
  for (const row of replayLines(readSessionizeSql(), lines)) {
    if (typeof row.session_id !== "string") continue;
    items.set(row.session_id, {
      session_id: row.session_id,
      session_time: row.session_time as string,
      user_id: row.user_id as string,
    });
  }
  return sortedItems([...items.values()]);
}
