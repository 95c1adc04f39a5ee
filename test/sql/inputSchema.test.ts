import { expect } from "chai";
import { clickInputSchema, readSessionizeSql } from "../../sql/inputSchema";

describe("the input schema", () => {
  it("maps each of the lab's five fields from the record's top level", () => {
    const mappings = clickInputSchema.columns.map((c) => [c.name, c.mapping]);
    expect(mappings).to.deep.equal([
      ["user_id", "$.user_id"],
      ["event_timestamp", "$.event_timestamp"],
      ["event_name", "$.event_name"],
      ["event_type", "$.event_type"],
      ["device_type", "$.device_type"],
    ]);
  });

  it("types event_timestamp as BIGINT so the SQL can subtract epoch milliseconds", () => {
    const eventTimestamp = clickInputSchema.columns.find((c) => c.name === "event_timestamp");
    expect(eventTimestamp?.sqlType).to.equal("BIGINT");
  });

  it("reads the deployed SQL from sql/ whatever the working directory", () => {
    const cwd = process.cwd();
    try {
      process.chdir("/");
      expect(readSessionizeSql()).to.contain('WHERE "session_timestamp" IS NOT NULL;');
    } finally {
      process.chdir(cwd);
    }
  });
});
