/**
 * Replay on Flink: the same input and options as the harness's `replayLines`, run through the
 * translated SQL in flink-runner, giving the same rows (docs/flink.md). The library form of
 * `npm run replay -- --engine flink` (harness/cli/replayFlink.ts), for lines in memory.
 */
import type { ReplayOptions } from "../emulator";
import { recordsFromReplayLines } from "./records";
import { runFlinkJob } from "./runner";
import { translateToFlink } from "./translate";

/** Runs `sqlText` over replay `lines` on Flink and returns one stream's rows as delivery objects. */
export function replayOnFlink(
  sqlText: string,
  lines: Iterable<string>,
  options: ReplayOptions = {},
): Record<string, unknown>[] {
  const stream = options.stream ?? "DESTINATION_SQL_STREAM";
  const { spec } = translateToFlink(sqlText, {
    inputSchema: options.inputSchema,
    overflow: options.overflow,
    timestampToCharNull: options.timestampToCharNull,
    outputs: [stream],
  });
  const output = runFlinkJob(spec, recordsFromReplayLines(lines, 0, options.rowtimeField));
  const rows = output.get(0)?.get(stream) ?? [];
  if (options.trimChar !== true) return rows;
  const charColumns = new Set(
    spec.outputs
      .flatMap((o) => o.columns)
      .filter((c) => c.kind === "CHAR")
      .map((c) => c.name),
  );
  return rows.map((row) =>
    Object.fromEntries(
      Object.entries(row).map(([k, v]) => [
        k,
        charColumns.has(k) && typeof v === "string" ? v.replace(/ +$/, "") : v,
      ]),
    ),
  );
}
