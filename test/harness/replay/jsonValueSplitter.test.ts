import { expect } from "chai";
import fc from "fast-check";
import { JsonValueSplitter } from "../../../harness/replay/jsonValueSplitter";

function values(...chunks: string[]): [string, number][] {
  const found: [string, number][] = [];
  const splitter = new JsonValueSplitter((text, line) => found.push([text, line]));
  for (const chunk of chunks) splitter.write(chunk);
  splitter.end();
  return found;
}

describe("the concatenated-JSON splitter", () => {
  it("splits records written back to back, as Firehose writes them to S3", () => {
    expect(values('{"a":1}{"a":2}{"a":[3,{"b":4}]}')).to.deep.equal([
      ['{"a":1}', 1],
      ['{"a":2}', 1],
      ['{"a":[3,{"b":4}]}', 1],
    ]);
  });

  it("splits one record per line and pretty-printed records, with the line each starts on", () => {
    expect(values('{"a":1}\n{"a":2}\n{\n  "a": 3\n}\n\n[1,\n2]')).to.deep.equal([
      ['{"a":1}', 1],
      ['{"a":2}', 2],
      ['{\n  "a": 3\n}', 3],
      ["[1,\n2]", 7],
    ]);
  });

  it("is not fooled by brackets, quotes and backslashes inside strings", () => {
    const tricky = '{"s":"}{\\"]\\\\","t":"\\\\"}';
    expect(JSON.parse(tricky)).to.deep.equal({ s: '}{"]\\', t: "\\" });
    expect(values(tricky + tricky)).to.deep.equal([
      [tricky, 1],
      [tricky, 1],
    ]);
  });

  it("hands over stray text and an unterminated record as values of their own, for rejection", () => {
    expect(values('junk{"a":1}oops\n{"a":2}{"a":')).to.deep.equal([
      ["junk", 1],
      ['{"a":1}', 1],
      ["oops", 1],
      ['{"a":2}', 2],
      ['{"a":', 2],
    ]);
  });

  it("skips a byte-order mark before a record", () => {
    expect(values('\ufeff{"a":1}\ufeff{"a":2}')).to.deep.equal([
      ['{"a":1}', 1],
      ['{"a":2}', 1],
    ]);
  });

  it("gives the same values wherever the text is cut into chunks", () => {
    const text = '{"a":"x}"}\n{\n"b":[1,{"c":"\\""}]}junk\n{"d":1}';
    const whole = values(text);
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 0, max: text.length }), { maxLength: 5 }),
        (cuts) => {
          const sorted = [0, ...[...cuts].sort((a, b) => a - b), text.length];
          const chunks = sorted.slice(1).map((end, i) => text.slice(sorted[i], end));
          expect(values(...chunks)).to.deep.equal(whole);
        },
      ),
    );
  });
});
