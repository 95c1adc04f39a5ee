/**
 * The simulator's settings as both CLIs (`npm run simulate`, `npm start`) accept them, with the same
 * defaults, so one `--seed` gives the same clicks from either.
 */
import { integerOption, listOption, timeOption } from "../cli/optionValues";
import { labClickStream, type ClickStreamOptions } from "./clickGenerator";

/** Raw option strings, as `util.parseArgs` returns them. */
export interface ClickStreamArgs {
  readonly events?: string;
  readonly users?: string;
  readonly "event-names"?: string;
  readonly devices?: string;
  readonly seed?: string;
  readonly start?: string;
}

/**
 * The first click's time when `--seed` is given without `--start`: fixed, so the seed alone decides
 * every byte of the stream.
 */
export const seededStartMs = Date.parse("2026-01-01T00:00:00Z");

/** `util.parseArgs` declarations of the click-stream options. */
export const clickStreamArgSpec = {
  events: { type: "string" },
  users: { type: "string" },
  "event-names": { type: "string" },
  devices: { type: "string" },
  seed: { type: "string" },
  start: { type: "string" },
} as const;

/** `--help` lines of the click-stream options, with their defaults. */
export const clickStreamHelp = `  --events N           clicks to generate (default ${labClickStream.count})
  --users LIST         comma-separated user ids (default ${labClickStream.users.join(",")})
  --event-names LIST   comma-separated event names
                       (default ${labClickStream.eventNames.join(",")})
  --devices LIST       comma-separated device types, one picked per click (default ${labClickStream.devices.join(",")})
  --seed N             seed of the random picks (default: random, printed)
  --start TIME         first click's timestamp, epoch ms or ISO-8601 (default: now in whole
                       seconds; with --seed, ${new Date(seededStartMs).toISOString()})`;

/**
 * Resolves the options into generator settings; `now` and `randomSeed` supply the unseeded defaults.
 *
 * @example
 * resolveClickStream({ seed: "7" }).startMs // -> 1767225600000 (2026-01-01T00:00:00Z)
 */
export function resolveClickStream(
  args: ClickStreamArgs,
  now: () => number = Date.now,
  randomSeed: () => number = () => Math.floor(Math.random() * 2 ** 31),
): ClickStreamOptions {
  const seed = args.seed === undefined ? randomSeed() : integerOption("seed", args.seed);
  const startMs =
    args.start !== undefined
      ? timeOption("start", args.start)
      : args.seed !== undefined
        ? seededStartMs
        : Math.floor(now() / 1000) * 1000;
  return {
    ...labClickStream,
    seed,
    startMs,
    count:
      args.events === undefined ? labClickStream.count : integerOption("events", args.events, 1),
    users: args.users === undefined ? labClickStream.users : listOption("users", args.users),
    eventNames:
      args["event-names"] === undefined
        ? labClickStream.eventNames
        : listOption("event-names", args["event-names"]),
    devices:
      args.devices === undefined ? labClickStream.devices : listOption("devices", args.devices),
  };
}
