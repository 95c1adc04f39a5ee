/**
 * The click-stream options of `npm start` and `npm run simulate`, declared once so both CLIs take
 * the same flags with the same defaults.
 */
import type { Option } from "commander";
import { labClickStream } from "../simulator/clickGenerator";
import { seededStartMs } from "../simulator/clickStreamConfig";
import { commaList, flag, integer, pointInTime, valueOption } from "./command";

/** `--events`, `--users`, `--event-names`, `--devices`, `--seed`, `--start`, `--realtime`. */
export function clickStreamOptions(realtime: { description: string; default: string }): Option[] {
  return [
    valueOption("--events <N>", "clicks to generate", integer(1), {
      text: String(labClickStream.count),
    }),
    valueOption("--users <LIST>", "comma-separated user ids", commaList, {
      text: labClickStream.users.join(","),
    }),
    valueOption("--event-names <LIST>", "comma-separated event names", commaList, {
      text: labClickStream.eventNames.join(","),
    }),
    valueOption(
      "--devices <LIST>",
      "comma-separated device types, one picked per click",
      commaList,
      { text: labClickStream.devices.join(",") },
    ),
    valueOption("--seed <N>", "seed of the random picks", integer(0), { text: "random, printed" }),
    valueOption("--start <TIME>", "first click's timestamp, epoch ms or ISO-8601", pointInTime, {
      text: `now in whole seconds; with --seed, ${new Date(seededStartMs).toISOString()}`,
    }),
    flag("--realtime", realtime.description, realtime.default),
  ];
}
