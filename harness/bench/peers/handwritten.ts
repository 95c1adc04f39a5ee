/**
 * Peer "handwritten": the single-pass JavaScript sessionizer over the benchmark file (read, split,
 * JSON.parse each line, emit DESTINATION rows). The practical upper bound for a JavaScript engine.
 * It needs no arrival times: only a 24 h window would, and it has none.
 */
import { readLines } from "../clickstream";
import { HandwrittenSessionizer } from "../../../test/oracles/handwrittenSessionizer";
import { parsePeerOptions, reportResult, requireInput, secondsSince } from "../peerProtocol";

const options = parsePeerOptions();
const started = process.hrtime.bigint();
const lines = readLines(requireInput(options), options.limit);
const sessionizer = new HandwrittenSessionizer();
let outputRows = 0;
for (let i = 0; i < lines.length; i++) {
  if (sessionizer.push(lines[i]) !== null) outputRows++;
}
reportResult({
  peer: "handwritten",
  items: lines.length,
  unit: "events",
  seconds: secondsSince(started),
  outputRows,
  note: `${sessionizer.errorRows} error rows`,
});
