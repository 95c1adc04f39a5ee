/**
 * The KDA SQL harness: runs a Kinesis Data Analytics SQL application (the lab's
 * `sql/sessionize.sql`) offline with KDA's semantics. See `types.ts` for the contract.
 */
export { loadApplication, loadSessionizeApplication } from "./application";
export { rowToDeliveryObject } from "./delivery";
export { deliveryJson, parseJson, type DeliveryValue } from "./json";
export {
  createReplay,
  replayLines,
  UnknownStreamError,
  type Replay,
  type ReplayOptions,
} from "./replay";
export { SqlLoadError } from "./errors";
export { InputErrorName } from "./inputMapping";
export {
  DecodedRecord,
  type ParsedRecord,
  type RecordData,
  type RecordRejection,
} from "./recordDecoder";
export type * from "./types";
