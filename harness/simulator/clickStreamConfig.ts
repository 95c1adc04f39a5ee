/**
 * The simulator's settings as both CLIs (`npm run simulate`, `npm start`) take them, with the same
 * defaults, so one `--seed` gives the same clicks from either. The CLIs parse the text of their
 * options (`harness/cli/clickStreamOptions.ts`); this module only fills in what was left out.
 */
import { labClickStream, type ClickStreamOptions } from "./clickGenerator";

/** The click-stream settings a command line may give; each left out gets its default. */
export interface ClickStreamSettings {
  readonly events?: number;
  readonly users?: readonly string[];
  readonly eventNames?: readonly string[];
  readonly devices?: readonly string[];
  readonly seed?: number;
  /** Epoch ms of the first click. */
  readonly start?: number;
}

/**
 * The first click's time when `--seed` is given without `--start`: fixed, so the seed alone decides
 * every byte of the stream.
 */
export const seededStartMs = Date.parse("2026-01-01T00:00:00Z");

/**
 * Resolves the settings into generator options; `now` and `randomSeed` supply the unseeded
 * defaults (the current whole second, a random seed).
 *
 * @example
 * resolveClickStream({ seed: 7 }).startMs // -> 1767225600000 (2026-01-01T00:00:00Z)
 */
export function resolveClickStream(
  settings: ClickStreamSettings,
  now: () => number = Date.now,
  randomSeed: () => number = () => Math.floor(Math.random() * 2 ** 31),
): ClickStreamOptions {
  const startMs =
    settings.start ??
    (settings.seed !== undefined ? seededStartMs : Math.floor(now() / 1000) * 1000);
  return {
    ...labClickStream,
    seed: settings.seed ?? randomSeed(),
    startMs,
    count: settings.events ?? labClickStream.count,
    users: settings.users ?? labClickStream.users,
    eventNames: settings.eventNames ?? labClickStream.eventNames,
    devices: settings.devices ?? labClickStream.devices,
  };
}
