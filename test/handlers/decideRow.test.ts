import { expect } from "chai";
import {
  DEAD_LETTER_LIMITS,
  deadLetterId,
  deadLetterItem,
  RejectReason,
} from "../../handlers/delivery/deadLetter";
import { decideRow, MAX_ITEM_BYTES, type Decision } from "../../handlers/delivery/decideRow";
import {
  decodeRecordData,
  decodeStrictBase64,
  encodeRecordData,
} from "../../handlers/delivery/recordData";
import { destinationStreamName, errorStreamName } from "../../sql/contracts";
import { applicationArn, base64Json, errorStreamRow, sessionRow } from "../support/records";

/** What the KDA output Lambda makes of one record's `data`: decoded at its edge, then decided. */
function classify(data: string): Decision {
  const decoded = decodeRecordData(data);
  return "reason" in decoded ? { kind: "rejected_record", ...decoded } : decideRow(decoded);
}

describe("classifying a delivered record", () => {
  it("turns a lab row into an item of all its columns, keeping CHAR padding", () => {
    // Prepare
    const row = {
      user_id: "user1  ",
      session_id: "user1  _mobile_10:00:00",
      session_time: "10:00:00",
      latest_time: "10:00:09",
    };
    // Act
    const decided = classify(base64Json(row));
    // Assess
    expect(decided).to.deep.equal({
      kind: "session",
      item: {
        user_id: "user1  ",
        session_id: "user1  _mobile_10:00:00",
        session_time: "10:00:00",
        latest_time: "10:00:09",
      },
    });
  });

  it("turns a product row into an item of its columns, numbers kept as numbers and NULLs left out", () => {
    // Prepare
    const row = {
      session_id: "charlotte_2026-01-01T10:00:00.000Z",
      user_id: "charlotte",
      device_type: null,
      session_start: "2026-01-01T10:00:00.000Z",
      session_start_ms: 1767261600000,
    };
    // Act
    const decided = decideRow({ stream: destinationStreamName, row });
    // Assess
    expect(decided).to.deep.equal({
      kind: "session",
      item: {
        session_id: "charlotte_2026-01-01T10:00:00.000Z",
        user_id: "charlotte",
        session_start: "2026-01-01T10:00:00.000Z",
        session_start_ms: 1767261600000,
      },
    });
  });

  const rejected: readonly (readonly [string, string, RejectReason, RegExp])[] = [
    [
      "text with a space",
      "eyJ9 eyJ9",
      RejectReason.NotBase64,
      /not canonical base64 \(9 characters\)/,
    ],
    [
      "url-safe base64",
      "eyJhIjoiPz8_In0=", // {"a":"???"} in the URL-safe alphabet
      RejectReason.NotBase64,
      /base64/,
    ],
    ["base64 without its padding", "eyJhIjoxfQ", RejectReason.NotBase64, /padded/],
    [
      "bytes that are not UTF-8",
      Buffer.from([0x7b, 0xff, 0x7d]).toString("base64"),
      RejectReason.NotUtf8,
      /3 bytes that are not UTF-8/,
    ],
    [
      "text that is not JSON",
      Buffer.from("user1,mobile").toString("base64"),
      RejectReason.NotJson,
      /not JSON/,
    ],
    ["an empty record", "", RejectReason.NotJson, /not JSON/],
    [
      "a JSON array",
      base64Json([sessionRow(1)]),
      RejectReason.NotAnObject,
      /is an array; expected a JSON object/,
    ],
    ["JSON null", base64Json(null), RejectReason.NotAnObject, /is null/],
    ["a JSON string", base64Json("user1"), RejectReason.NotAnObject, /is a string/],
    [
      "a row without session_id",
      base64Json({ user_id: "user1  ", session_time: "10:00:00" }),
      RejectReason.InvalidField,
      /field session_id is missing; expected a string/,
    ],
    [
      "a numeric session_id",
      base64Json(sessionRow(1, { session_id: 42 })),
      RejectReason.InvalidField,
      /field session_id is 42 \(number\); expected a string/,
    ],
    [
      "a NULL session_id",
      base64Json(sessionRow(1, { session_id: null })),
      RejectReason.InvalidField,
      /field session_id is null; expected a string/,
    ],
    [
      "an object-valued column",
      base64Json(sessionRow(1, { session_time: { at: 10 } })),
      RejectReason.InvalidField,
      /field session_time is \{"at":10\} \(object\); expected text, a number, a boolean or null/,
    ],
    [
      "an empty session_id",
      base64Json(sessionRow(1, { session_id: "" })),
      RejectReason.InvalidField,
      /non-empty string \(it is the table's hash key\)/,
    ],
    [
      "a 500 KB user_id",
      base64Json(sessionRow(1, { user_id: "u".repeat(500_000) })),
      RejectReason.ItemTooLarge,
      new RegExp(`at most ${MAX_ITEM_BYTES} bytes`),
    ],
  ];
  for (const [what, data, reason, message] of rejected) {
    it(`rejects ${what} as ${reason} with a message saying why`, () => {
      const decided = classify(data);
      expect(decided).to.include({ kind: "rejected_record", reason });
      expect(decided.kind === "rejected_record" && decided.message).to.match(message);
    });
  }

  it("rejects a field nested deeper than JSON.stringify can follow instead of throwing", () => {
    const deep = `${"[".repeat(200_000)}${"]".repeat(200_000)}`;
    const data = Buffer.from(`{"session_id":${deep},"session_time":"t","user_id":"u"}`).toString(
      "base64",
    );
    const decided = classify(data);
    expect(decided).to.deep.equal({
      kind: "rejected_record",
      reason: RejectReason.InvalidField,
      message: "field session_id is [...] (array); expected a string",
    });
    const errorRow = Buffer.from(
      `{"ERROR_TIME":${deep},"ERROR_LEVEL":"E","ERROR_NAME":"N","MESSAGE":"M"}`,
    );
    expect(classify(errorRow.toString("base64"))).to.have.nested.property(
      "columns.ERROR_TIME",
      "[...]",
    );
  });

  it("recognises an error_stream row by its columns and keeps all seven", () => {
    const decided = classify(base64Json(errorStreamRow(3)));
    expect(decided).to.deep.equal({ kind: "error_stream", columns: errorStreamRow(3) });
  });

  it("keeps a non-string error_stream value as JSON text and a missing column as null", () => {
    const row: Record<string, unknown> = { ...errorStreamRow(1), MESSAGE: { detail: 1 } };
    delete row.DATA_ROW;
    const decided = classify(base64Json(row));
    expect(decided.kind === "error_stream" && decided.columns).to.include({
      MESSAGE: '{"detail":1}',
      DATA_ROW: null,
    });
  });

  it("accepts only base64 that re-encodes to itself", () => {
    expect(decodeStrictBase64("eyJ9")?.toString()).to.equal('{"}');
    expect(decodeStrictBase64("eyJ9\n")).to.equal(undefined);
    expect(decodeStrictBase64("e-J9")).to.equal(undefined);
  });

  it("decodes what it encodes, telling the stream by the columns", () => {
    expect(decodeRecordData(encodeRecordData(sessionRow(1)))).to.deep.equal({
      stream: destinationStreamName,
      row: sessionRow(1),
    });
    expect(decodeRecordData(encodeRecordData(errorStreamRow(1)))).to.deep.equal({
      stream: errorStreamName,
      row: errorStreamRow(1),
    });
    expect(encodeRecordData(sessionRow(1))).to.equal(base64Json(sessionRow(1)));
  });
});

describe("deciding what a typed row is", () => {
  it("takes the stream from the row, not from its columns", () => {
    // Prepare: an error_stream row without the columns KDA's records are told apart by
    const row = { ERROR_NAME: "Not_A_JSON_Object", DATA_ROW: "6f6f7073" };
    // Act
    const decided = decideRow({ stream: errorStreamName, row });
    // Assess
    expect(decided).to.deep.equal({
      kind: "error_stream",
      columns: {
        ERROR_TIME: null,
        ERROR_LEVEL: null,
        ERROR_NAME: "Not_A_JSON_Object",
        MESSAGE: null,
        DATA_ROWTIME: null,
        DATA_ROW: "6f6f7073",
        PUMP_NAME: null,
      },
    });
  });

  it("decides a number JSON cannot carry as NULL, as its KDA delivery would be", () => {
    const session = sessionRow(1, { session_time: NaN });
    expect(decideRow({ stream: destinationStreamName, row: session })).to.deep.equal(
      classify(encodeRecordData(session)),
    );
    const error = { ...errorStreamRow(1), DATA_ROW: Infinity };
    expect(decideRow({ stream: errorStreamName, row: error })).to.deep.equal(
      classify(encodeRecordData(error)),
    );
    expect(decideRow({ stream: errorStreamName, row: error })).to.have.nested.property(
      "columns.DATA_ROW",
      null,
    );
  });

  it("holds a session row with error_stream's columns to the session rules", () => {
    const decided = decideRow({ stream: destinationStreamName, row: errorStreamRow(1) });
    expect(decided).to.deep.equal({
      kind: "rejected_record",
      reason: RejectReason.InvalidField,
      message: "field session_id is missing; expected a string",
    });
  });
});

describe("the dead-letter item", () => {
  const letter = {
    kind: "rejected_record" as const,
    reason: "NotJson",
    message: "data is not JSON",
    data: "bm90IGpzb24=",
    recordId: "record-7",
    invocationId: "invocation-1",
    applicationArn,
    retryHint: 2,
    receivedAt: new Date("2026-01-01T10:00:00.000Z"),
  };

  it("is keyed by the application and the raw data, not by recordId or delivery", () => {
    const first = deadLetterItem(letter);
    const redelivered = deadLetterItem({ ...letter, recordId: "record-99", retryHint: 0 });
    expect(first.id).to.equal(redelivered.id);
    expect(first.id)
      .to.equal(deadLetterId(applicationArn, "bm90IGpzb24="))
      .and.match(/^[0-9a-f]{64}$/);
    expect(deadLetterId("arn:other", letter.data)).not.to.equal(first.id);
  });

  it("carries the raw data, reason, ids, retry hint and time of the delivery", () => {
    expect(deadLetterItem(letter)).to.deep.include({
      kind: "rejected_record",
      reason: "NotJson",
      message: "data is not JSON",
      data: "bm90IGpzb24=",
      dataLength: 12,
      recordId: "record-7",
      invocationId: "invocation-1",
      applicationArn,
      retryHint: 2,
      receivedAt: "2026-01-01T10:00:00.000Z",
      truncated: false,
    });
  });

  it("truncates huge data to stay under DynamoDB's item limit and says so", () => {
    const data = "A".repeat(1_000_000);
    const item = deadLetterItem({ ...letter, data });
    expect(item.data).to.have.length(DEAD_LETTER_LIMITS.dataBytes);
    expect(item.dataLength).to.equal(1_000_000);
    expect(item.truncated).to.equal(true);
    expect(item.id).to.equal(deadLetterId(applicationArn, data));
  });
});
