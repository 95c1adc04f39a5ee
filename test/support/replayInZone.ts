/**
 * Child-process half of the golden cases that must run in another time zone. Node reads TZ when it
 * first needs it, so the runner starts this script with TZ set rather than changing its own zone.
 * Reads a JSON array of replay requests on stdin; writes a {@link ZoneReplays} as JSON on stdout.
 */
import * as fs from "fs";
import { replayLines } from "../../harness/emulator";
import { collectRows, type ReplayRequest, type ZoneReplays } from "./replay";

async function main(): Promise<void> {
  const requests = JSON.parse(fs.readFileSync(0, "utf8")) as ReplayRequest[];
  const results: ZoneReplays["results"] = [];
  for (const request of requests) {
    try {
      results.push({
        rows: await collectRows(replayLines(request.sql, request.lines, request.options)),
      });
    } catch (error) {
      results.push({
        error: error instanceof Error ? (error.stack ?? error.message) : String(error),
      });
    }
  }
  const offsetMinutes = new Date(Date.UTC(2022, 5, 1)).getTimezoneOffset();
  const answer: ZoneReplays = { offsetMinutes, results };
  process.stdout.write(JSON.stringify(answer));
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
