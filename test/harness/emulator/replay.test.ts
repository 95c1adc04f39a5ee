import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { loadSessionizeApplication, replayLines } from "../../../harness/emulator";
import { readSessionizeSql } from "../../../sql/inputSchema";

const root = path.join(__dirname, "..", "..", "..");
const t0 = Date.UTC(2022, 4, 31, 10, 0, 0);
const event = (user: string, offset: number, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    user_id: user,
    event_timestamp: String(t0 + offset),
    device_type: "desktop",
    ...extra,
  });

function replay(lines: string[], stream?: string): Record<string, unknown>[] {
  return [...replayLines(readSessionizeSql(), lines, stream ? { stream } : {})];
}

describe("replay", () => {
  it("yields DESTINATION_SQL_STREAM rows of bare events as delivery objects", () => {
    expect(
      replay([event("user1", 0), event("user1", 2000), "", "   ", event("user1", 20_000)]),
    ).to.deep.equal([
      {
        user_id: "user1  ",
        session_id: "user1_desktop_10:00:00",
        session_time: "10:00:00",
        latest_time: "10:00:00",
      },
      {
        user_id: "user1  ",
        session_id: "user1_desktop_10:00:20",
        session_time: "10:00:20",
        latest_time: "10:00:20",
      },
    ]);
  });

  it("takes ROWTIME from an envelope's arrivalTime and decodes base64 data", () => {
    const data = Buffer.from(event("user2", 0)).toString("base64");
    const lines = [
      JSON.stringify({ data, arrivalTime: 42 }),
      JSON.stringify({ data: JSON.parse(event("user3", 0)), arrivalTime: 43 }),
    ];
    const rows = replay(lines, "INTERMEDIATE_SQL_STREAM");
    expect(rows.map((r) => r.user_id)).to.deep.equal(["user2", "user3"]);
  });

  it("gives a bare event without a usable event_timestamp the previous ROWTIME", () => {
    const lines = [event("user1", 5000), JSON.stringify({ user_id: "user1" })];
    const rows = replay(lines, "SOURCE_SQL_STREAM_001");
    expect(rows.map((r) => r.event_timestamp)).to.deep.equal([t0 + 5000, null]);
  });

  it("turns a line that is not a record into an error_stream row and goes on", () => {
    const rows = replay(
      ["not json", "[1]", JSON.stringify({ data: 5, arrivalTime: 1 }), event("user1", 0)],
      "error_stream",
    );
    expect(rows.map((r) => r.ERROR_NAME)).to.deep.equal([
      "Parse_Error",
      "Not_A_JSON_Object",
      "Not_A_JSON_Object",
    ]);
  });

  it("ignores a byte-order mark before a line's record, on the fast and the general path", () => {
    const bom = "\ufeff";
    const flat = `{"user_id":"user1","event_timestamp":"${t0}","event_name":null,"event_type":null,"device_type":"desktop"}`;
    const rows = replay([bom + flat, bom + event("user2", 0), bom], "INTERMEDIATE_SQL_STREAM");
    expect(rows.map((r) => r.user_id)).to.deep.equal(["user1", "user2"]);
    expect(replay([bom + event("user3", 0)], "error_stream")).to.deep.equal([]);
  });

  it("ignores a byte-order mark before a record pushed as text or bytes", () => {
    const app = loadSessionizeApplication();
    const data = "\ufeff" + event("user1", 0);
    for (const record of [data, Buffer.from(data, "utf8")]) {
      expect(app.decode(record).values?.[0]).to.equal("user1");
    }
  });

  it("names the known streams when asked for an unknown one", () => {
    expect(() => replay([], "NOPE")).to.throw(
      /Unknown stream "NOPE"; expected one of "SOURCE_SQL_STREAM_001"/,
    );
  });

  describe("the replay CLI", () => {
    const cli = path.join(root, "harness", "cli", "replay.ts");
    // One node process with tsx's require hook, as mocha runs, rather than the tsx launcher's two.
    const tsxHook = require.resolve("tsx/cjs", { paths: [root] });
    const runCli = (args: string[], input = "") =>
      spawnSync(process.execPath, ["--require", tsxHook, cli, ...args], {
        input,
        encoding: "utf8",
        cwd: os.tmpdir(),
      });

    it("prints every option and its default with --help", () => {
      const result = runCli(["--help"]);
      expect(result.status).to.equal(0);
      for (const option of [
        "--sql FILE",
        "--stream NAME",
        "--input FILE|-",
        "--overflow MODE",
        "--trim-char",
        "--help",
      ]) {
        expect(result.stdout).to.contain(option);
      }
      expect(result.stdout).to.contain("default: DESTINATION_SQL_STREAM");
    });

    it("reads stdin and writes one JSON object per row, whatever the working directory", () => {
      const result = runCli(
        ["--stream", "INTERMEDIATE_SQL_STREAM"],
        [event("user1", 0), event("user2", 1)].join("\n"),
      );
      expect(result.status).to.equal(0);
      const rows = result.stdout
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l));
      expect(rows.map((r) => r.user_id)).to.deep.equal(["user1", "user2"]);
    });

    it("reads --input FILE and trims CHAR with --trim-char", () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "replay-"));
      const file = path.join(dir, "in.jsonl");
      fs.writeFileSync(file, event("user1", 0) + "\n");
      const result = runCli(["--input", file, "--trim-char"]);
      fs.rmSync(dir, { recursive: true });
      expect(JSON.parse(result.stdout).user_id).to.equal("user1");
    });

    it("exits with 2 and the usage on an unknown option", () => {
      const result = runCli(["--nope"]);
      expect(result.status).to.equal(2);
      expect(result.stderr).to.match(/^Unknown option "--nope"/);
      expect(result.stdout).to.equal("");
    });

    it("exits with 2 and the known streams for an unknown --stream", () => {
      const result = runCli(["--stream", "NOPE"]);
      expect(result.status).to.equal(2);
      expect(result.stderr).to.match(
        /^Unknown stream "NOPE"; expected one of "SOURCE_SQL_STREAM_001"/,
      );
    });

    it("exits with 1 naming the file when --input cannot be read", () => {
      const result = runCli(["--input", path.join(os.tmpdir(), "no-such-replay-input.jsonl")]);
      expect(result.status).to.equal(1);
      expect(result.stderr).to.match(/^Cannot read --input .*no-such-replay-input\.jsonl: ENOENT/);
    });

    it("exits with 1 and the load error for SQL it cannot run", () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "replay-"));
      const sql = path.join(dir, "bad.sql");
      fs.writeFileSync(sql, 'CREATE PUMP "P" AS INSERT INTO "X" SELECT STREAM * FROM "S" JOIN "T"');
      const result = runCli(["--sql", sql]);
      fs.rmSync(dir, { recursive: true });
      expect(result.status).to.equal(1);
      expect(result.stderr.trim()).to.equal(`${sql}:1:61: Unsupported construct JOIN`);
    });
  });
});
