/**
 * Runs golden cases' replays, in this process or, for cases with `tz:`, in one child process per zone
 * whose TZ is that zone.
 */
import { spawnSync } from "child_process";
import * as path from "path";
import { replayLines } from "../../harness/emulator";
import type { GoldenCase } from "./goldenCases";

/** What one replay needs: the SQL, the input lines and `replayLines`' options. */
export interface ReplayRequest {
  readonly sql: string;
  readonly lines: readonly string[];
  readonly options: Parameters<typeof replayLines>[2];
}

export type DeliveryRow = Record<string, unknown>;

/** A child's answer: its UTC offset on 2022-06-01 (proof the zone took effect) and each replay. */
export interface ZoneReplays {
  readonly offsetMinutes: number;
  readonly results: ({ rows: DeliveryRow[] } | { error: string })[];
}

/** Drains `replayLines`' result, whether it is a plain or an async iterable. */
export async function collectRows(
  rows: Iterable<unknown> | AsyncIterable<unknown>,
): Promise<DeliveryRow[]> {
  const collected: DeliveryRow[] = [];
  for await (const row of rows) collected.push(row as DeliveryRow);
  return collected;
}

function replayRequest(goldenCase: GoldenCase): ReplayRequest {
  return {
    sql: goldenCase.sql,
    lines: goldenCase.input,
    options: { stream: goldenCase.stream, ...goldenCase.options },
  };
}

/** Replays one case in this process. */
export function replayHere(goldenCase: GoldenCase): Promise<DeliveryRow[]> {
  const request = replayRequest(goldenCase);
  return collectRows(replayLines(request.sql, request.lines, request.options));
}

/**
 * Replays `cases` in one child process whose TZ is `timeZone` (one process for all of them, because
 * each start compiles the harness again). Results are in the order of `cases`.
 */
export function replayInZone(cases: readonly GoldenCase[], timeZone: string): ZoneReplays {
  const child = spawnSync(
    process.execPath,
    ["--require", require.resolve("tsx/cjs"), path.join(__dirname, "replayInZone.ts")],
    {
      input: JSON.stringify(cases.map(replayRequest)),
      env: { ...process.env, TZ: timeZone },
      encoding: "utf8",
    },
  );
  if (child.status !== 0) {
    throw new Error(`replay in ${timeZone} failed (exit ${child.status}):\n${child.stderr}`);
  }
  return JSON.parse(child.stdout) as ZoneReplays;
}

/** The replay CLI (`npm run replay`), run directly so the test needs no npm. */
const replayCli = path.join(__dirname, "..", "..", "harness", "cli", "replay.ts");

/**
 * Replays a case of the deployed SQL through the replay CLI: input lines on stdin, rows parsed from
 * the JSON lines it prints, so the golden input is checked as `npm run replay` reads it.
 */
export function replayThroughCli(goldenCase: GoldenCase): DeliveryRow[] {
  if (goldenCase.sqlName !== "sessionize" || Object.keys(goldenCase.options).length > 0) {
    throw new Error(`${goldenCase.source}: only option-less cases of sql/sessionize.sql run here`);
  }
  const child = spawnSync(
    process.execPath,
    ["--require", require.resolve("tsx/cjs"), replayCli, "--stream", goldenCase.stream],
    { input: goldenCase.input.join("\n") + "\n", encoding: "utf8" },
  );
  if (child.status !== 0) {
    throw new Error(`replay CLI failed (exit ${child.status}):\n${child.stderr}`);
  }
  return child.stdout
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as DeliveryRow);
}
