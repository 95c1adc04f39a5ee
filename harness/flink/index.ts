/**
 * Engine `flink`: the KDA SQL application translated to Flink SQL and run by flink-runner
 * (docs/flink.md). A library beside the emulator; it imports only the emulator's public index.
 */
export {
  translateToFlink,
  TranslateError,
  hiddenColumns,
  type FlinkTranslation,
  type JobSpec,
  type SpecColumn,
  type TranslateOptions,
} from "./translate";
export {
  recordsFromArrivals,
  recordsFromReplayLines,
  RecordFramer,
  type ArrivingRecord,
  type RunnerRecord,
} from "./records";
export {
  checkToolchain,
  ensureRunnerBuilt,
  runFlinkJob,
  runFlinkJobs,
  runFlinkJobsAsync,
  startDeployedJob,
  type FlinkJob,
  runnerDirectory,
  ToolchainMissingError,
  type RunnerOutput,
} from "./runner";
export { buildJobJar, runnerVersion } from "./jobJar";
export { replayOnFlink } from "./replay";
