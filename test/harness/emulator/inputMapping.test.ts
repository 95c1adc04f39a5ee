import { expect } from "chai";
import type { InputSchema } from "../../../sql/inputSchema";
import { clickInputSchema } from "../../../sql/inputSchema";
import {
  compileInputMapping,
  hexDataRow,
  InputRejection,
  integerFromText,
  parseJsonPath,
} from "../../../harness/emulator/inputMapping";

const schema = (mapping: string): InputSchema => ({
  ...clickInputSchema,
  columns: [{ name: "x", sqlType: "VARCHAR(9)", type: { kind: "VARCHAR", length: 9 }, mapping }],
});

describe("the input mapping", () => {
  it("maps the lab's record to the source row in column order", () => {
    const map = compileInputMapping(clickInputSchema);
    const record = {
      device_type: "desktop",
      user_id: "user1",
      event_timestamp: "1654000000000",
      extra: 1,
    };
    expect(map(record)).to.deep.equal(["user1", 1654000000000, null, null, "desktop"]);
  });

  it("reads nested and bracketed JSONPaths", () => {
    expect(parseJsonPath(`$.a.b["c d"]['e']`)).to.deep.equal(["a", "b", "c d", "e"]);
    expect(compileInputMapping(schema("$.a.b"))({ a: { b: "deep" } })).to.deep.equal(["deep"]);
    expect(compileInputMapping(schema("$.a.b"))({ a: "flat" })).to.deep.equal([null]);
  });

  it("never reads a field from Object.prototype", () => {
    expect(compileInputMapping(schema("$.toString"))({})).to.deep.equal([null]);
    expect(compileInputMapping(schema("$.toString"))({ toString: "own" })).to.deep.equal(["own"]);
  });

  it("rejects a record that is not an object with Not_A_JSON_Object", () => {
    const map = compileInputMapping(clickInputSchema);
    for (const record of [null, 5, "text", [1]]) {
      expect(() => map(record))
        .to.throw(InputRejection)
        .with.property("errorName", "Not_A_JSON_Object");
    }
  });

  it("reads plain integer text only: digits with an optional leading minus", () => {
    expect(["1654000000000", "-5", "007"].map(integerFromText)).to.deep.equal([
      1654000000000, -5, 7,
    ]);
    expect(["", "-", "1e3", "1.0", " 1", "+1", "0x10"].map(integerFromText)).to.deep.equal([
      null,
      null,
      null,
      null,
      null,
      null,
      null,
    ]);
  });

  it("hex-encodes the raw record for DATA_ROW, cut to the column's 49152 characters", () => {
    expect(hexDataRow("{}")).to.equal("7b7d");
    expect(hexDataRow("x".repeat(30000))).to.have.length(49152);
  });

  it("rejects an unsupported JSONPath when the schema is compiled", () => {
    expect(() => compileInputMapping(schema("$..x"))).to.throw(/Unsupported JSONPath "\$\.\.x"/);
  });
});
