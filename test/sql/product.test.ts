/**
 * The product's application (`sql/product.sql`) as data: every case in `test/sql/golden/*.case`
 * (format in `support/goldenCases.ts`), replayed with the product's input schema. The lab's SQL keeps
 * its own golden files in `test/harness/emulator/golden/`.
 */
import * as path from "path";
import { expect } from "chai";
import { replayLines, type DeliveryValue } from "../../harness/emulator";
import { productInputSchema } from "../../sql/inputSchema";
import { applyPlaceholders, loadGoldenFiles, type GoldenCase } from "../support/goldenCases";

const goldenFiles = loadGoldenFiles(path.join(__dirname, "golden"));

function replayed(goldenCase: GoldenCase): Record<string, DeliveryValue>[] {
  return [
    ...replayLines(goldenCase.sql, goldenCase.input, {
      ...goldenCase.options,
      stream: goldenCase.stream,
      inputSchema: productInputSchema,
    }),
  ];
}

describe("the product's SQL application, case by case from its golden files", () => {
  it("has golden files, each case on the product's SQL with rows to expect", () => {
    expect(goldenFiles.length).to.be.greaterThan(3);
    for (const file of goldenFiles)
      for (const c of file.cases) {
        expect(c.sqlName, c.source).to.equal("product");
        expect(c.expected, c.source).to.not.equal(undefined);
      }
  });

  for (const file of goldenFiles) {
    describe(`${file.file}: ${file.title}`, () => {
      for (const goldenCase of file.cases) {
        it(goldenCase.name, () => {
          const expected = goldenCase.expected!;
          const actual = replayed(goldenCase).map((row, index) =>
            JSON.stringify(
              index < expected.length
                ? applyPlaceholders(expected[index], row, goldenCase.input)
                : row,
            ),
          );
          expect(actual, goldenCase.source).to.deep.equal(
            expected.map((line) => JSON.stringify(JSON.parse(line))),
          );
        });
      }
    });
  }
});
