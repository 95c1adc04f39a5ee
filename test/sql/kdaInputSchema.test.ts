import { expect } from "chai";
import { clickInputSchema, productInputSchema, type InputSchema } from "../../sql/inputSchema";
import { inputSchemaFromKda, InputSchemaError } from "../../sql/kdaInputSchema";

/** The schema as the KDA API and `describe-application` print it. */
function kdaJson(schema: InputSchema): Record<string, unknown> {
  return {
    RecordFormat: {
      RecordFormatType: "JSON",
      MappingParameters: { JSONMappingParameters: { RecordRowPath: "$" } },
    },
    RecordEncoding: "UTF-8",
    RecordColumns: schema.columns.map((c) => ({
      Name: c.name,
      SqlType: c.sqlType,
      Mapping: c.mapping,
    })),
  };
}

describe("a KDA input schema file", () => {
  for (const schema of [clickInputSchema, productInputSchema]) {
    it(`reads the InputSchema of ${schema === clickInputSchema ? "the lab" : "the product"} back to the same schema`, () => {
      expect(inputSchemaFromKda(kdaJson(schema), "schema.json")).to.deep.equal(schema);
    });
  }

  it("takes the whole output of describe-application, with the input's name prefix", () => {
    const described = {
      ApplicationDetail: {
        ApplicationName: "sessionizer",
        InputDescriptions: [{ NamePrefix: "CLICKS", InputSchema: kdaJson(clickInputSchema) }],
      },
    };
    const schema = inputSchemaFromKda(described, "app.json");
    expect(schema.streamName).to.equal("CLICKS_001");
    expect(schema.columns).to.deep.equal(clickInputSchema.columns);
  });

  it("defaults a column's mapping to its top-level field and normalises the type's spelling", () => {
    const schema = inputSchemaFromKda(
      {
        RecordColumns: [
          { Name: "n", SqlType: "int" },
          { Name: "s", SqlType: "varchar( 8 )" },
        ],
      },
      "s.json",
    );
    expect(schema.columns.map((c) => [c.mapping, c.sqlType, c.type.kind])).to.deep.equal([
      ["$.n", "INT", "INTEGER"],
      ["$.s", "VARCHAR( 8 )", "VARCHAR"],
    ]);
  });

  const refused: [string, unknown, RegExp][] = [
    [
      "a type the emulator cannot map",
      { RecordColumns: [{ Name: "x", SqlType: "DOUBLE" }] },
      /RecordColumns\[0\]\.SqlType is "DOUBLE"; expected VARCHAR\(n\), CHAR\(n\), BIGINT, INTEGER or TIMESTAMP/,
    ],
    [
      "a VARCHAR without a length",
      { RecordColumns: [{ Name: "x", SqlType: "VARCHAR" }] },
      /VARCHAR needs a length of at least 1/,
    ],
    [
      "a column without a name",
      { RecordColumns: [{ SqlType: "BIGINT" }] },
      /RecordColumns\[0\]\.Name is undefined; expected a non-empty string/,
    ],
    [
      "CSV records",
      {
        RecordFormat: { RecordFormatType: "CSV" },
        RecordColumns: [{ Name: "x", SqlType: "BIGINT" }],
      },
      /RecordFormatType is "CSV"; only JSON is supported/,
    ],
    [
      "a row path into the record",
      {
        RecordFormat: {
          RecordFormatType: "JSON",
          MappingParameters: { JSONMappingParameters: { RecordRowPath: "$.rows[0:]" } },
        },
        RecordColumns: [{ Name: "x", SqlType: "BIGINT" }],
      },
      /RecordRowPath is "\$\.rows\[0:\]"; only "\$"/,
    ],
    ["no columns", { RecordColumns: [] }, /RecordColumns is empty/],
    ["something else", { Records: [] }, /schema\.json: expected KDA's InputSchema/],
  ];
  for (const [what, json, message] of refused) {
    it(`refuses ${what}, naming the file and the field`, () => {
      expect(() => inputSchemaFromKda(json, "schema.json"))
        .to.throw(InputSchemaError, message)
        .with.property("message")
        .that.matches(/^schema\.json: /);
    });
  }
});
