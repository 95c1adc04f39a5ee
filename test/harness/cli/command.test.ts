import { expect } from "chai";
import { clickStreamOptions } from "../../../harness/cli/clickStreamOptions";
import {
  UsageError,
  createCommand,
  flag,
  helpText,
  oneOf,
  parseCommand,
  repeatableOption,
  valueOption,
} from "../../../harness/cli/command";
import type { ClickStreamSettings } from "../../../harness/simulator/clickStreamConfig";

interface Parsed extends ClickStreamSettings {
  readonly realtime: boolean;
  readonly engine: string;
  readonly only: string[];
}

/** A command with the click-stream options and one of each other kind. */
function command() {
  const subject = createCommand("npm run example --", "An example.");
  for (const option of clickStreamOptions({ description: "pace like the lab", default: "no" })) {
    subject.addOption(option);
  }
  return subject
    .addOption(valueOption("--engine <NAME>", "what runs", oneOf(["a", "b"]), { value: "a" }))
    .addOption(repeatableOption("--only <PEER>", "just this one", oneOf(["x", "y"]), "all"))
    .addOption(flag("--json", "print JSON"));
}

const parse = (...argv: string[]) => parseCommand<Parsed>(command(), argv);
const usageError = (...argv: string[]): string => {
  try {
    parse(...argv);
  } catch (error) {
    expect(error).to.be.instanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error(`${argv.join(" ")} parsed`);
};

describe("the CLI conventions", () => {
  it("takes a value after = or as the next argument alike", () => {
    expect(parse("--events=12", "--engine", "b")).to.include({ events: 12, engine: "b" });
    expect(parse("--events", "12", "--engine=b")).to.include({ events: 12, engine: "b" });
  });

  it("parses lists, times, repeated options and switches into values", () => {
    const parsed = parse(
      "--users",
      "a, b",
      "--start",
      "2026-01-01T00:00:01Z",
      "--only",
      "x",
      "--only=y",
      "--realtime",
    );
    expect(parsed).to.deep.include({
      users: ["a", "b"],
      start: Date.parse("2026-01-01T00:00:01Z"),
      only: ["x", "y"],
      realtime: true,
      json: false,
    });
  });

  it("says help for -h and for --help", () => {
    expect(parse("-h").help).to.equal(true);
    expect(parse("--help").help).to.equal(true);
    expect(parse().help).to.equal(false);
  });

  it("lists every option with its default in the help text", () => {
    const text = helpText(command());
    const lines = text.split("\n").filter((line) => /^ {2}(-\w, )?--/.test(line));
    expect(lines.map((line) => line.trim().split(/\s+/)[0])).to.deep.equal([
      "--events",
      "--users",
      "--event-names",
      "--devices",
      "--seed",
      "--start",
      "--realtime",
      "--engine",
      "--only",
      "--json",
      "-h,",
    ]);
    for (const option of ["--events N", "--users LIST", "--engine NAME", "--only PEER"]) {
      expect(text).to.contain(option);
    }
    // Each option's description ends with its default, help's aside.
    const entries = text.split(/\n(?= {2}-)/).slice(1, -1);
    expect(entries).to.have.length(10);
    for (const entry of entries) expect(entry.replace(/\s+/g, " ")).to.match(/\(default: [^)]+\)/);
    expect(text).to.contain("(default: 3000)");
    expect(text).to.contain("(default: random, printed)");
  });

  it("rejects a bad --events value naming the option and the value", () => {
    expect(usageError("--events", "many")).to.equal(
      '--events is "many"; expected an integer of at least 1',
    );
    expect(usageError("--events=0")).to.equal('--events is "0"; expected an integer of at least 1');
  });

  it("rejects an empty entry in --users and a value outside a fixed set", () => {
    expect(usageError("--users", "a,,b")).to.equal(
      '--users is "a,,b"; expected a comma-separated list of non-empty values',
    );
    expect(usageError("--engine", "c")).to.equal('--engine is "c"; expected a or b');
    expect(usageError("--only", "z")).to.equal('--only is "z"; expected x or y');
  });

  it("rejects an unknown option naming it and every option allowed, with a likely one", () => {
    expect(usageError("--sed", "3")).to.equal(
      'Unknown option "--sed"; expected --events N, --users LIST, --event-names LIST, ' +
        "--devices LIST, --seed N, --start TIME, --realtime, --engine NAME, --only PEER, --json " +
        "or --help; did you mean --seed?",
    );
  });

  it("rejects a missing value, a value given to a switch and a stray argument", () => {
    expect(usageError("--seed")).to.equal("--seed needs a value; expected --seed N");
    expect(usageError("--json=yes")).to.equal('--json takes no value; got "--json=yes"');
    expect(usageError("stray")).to.match(/^Unknown argument "stray"; expected --events N, /);
  });
});
