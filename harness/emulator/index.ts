/**
 * The KDA SQL harness: runs a Kinesis Data Analytics SQL application (the lab's
 * `sql/sessionize.sql`) offline with KDA's semantics. See `types.ts` for the contract.
 */
export { loadApplication, loadSessionizeApplication } from "./application";
export { compileRowJson, rowToDeliveryObject } from "./delivery";
export { deliveryJson, parseJson, type DeliveryValue } from "./json";
export {
  createReplay,
  readReplayLine,
  replayLines,
  UnknownStreamError,
  type Replay,
  type ReplayLine,
  type ReplayOptions,
} from "./replay";
export { SqlLoadError } from "./errors";
export { bigintValue, InputErrorName } from "./inputMapping";
export {
  DecodedRecord,
  type ParsedRecord,
  type RecordData,
  type RecordRejection,
} from "./recordDecoder";
export type * from "./types";
// The parsed and bound application, for translators to other engines (harness/flink).
export { parseSql } from "./parser";
export { planApplication, type PlanOptions } from "./planner";
export type * as SqlAst from "./ast";
export type {
  ApplicationPlan,
  BoundExpression,
  BoundFrame,
  BoundWindow,
  PumpPlan,
  WindowFunctionName,
} from "./bound";
export type { SqlType } from "./sqlTypes";
export type { SourcePosition } from "./errors";
