/**
 * The SQL engine behind the local pipeline: the harness, through the same `loadApplication` and
 * delivery encoding that `npm run replay` uses.
 */
import { loadApplication, rowToDeliveryObject } from "../emulator";
import type { Row, SqlApplication, StreamInfo } from "../emulator/types";

/** The two calls the pipeline needs from an engine. */
export interface SqlEngine {
  loadApplication(sqlText: string): SqlApplication;
  /** The row as the Lambda delivery JSON object (keys = column names, values as delivered). */
  rowToDeliveryObject(stream: StreamInfo, row: Row): Record<string, unknown>;
}

/** The harness in this repository. */
export const harnessEngine: SqlEngine = {
  loadApplication: (sqlText) => loadApplication(sqlText),
  rowToDeliveryObject: (stream, row) => rowToDeliveryObject(stream, row),
};
