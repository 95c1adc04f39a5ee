import { expect } from "chai";
import fc from "fast-check";
import { LineSplitter } from "../../../harness/replay/lineSplitter";

/** Splits `bytes` fed in chunks cut at `cuts`; returns [text, line, bytes] per line. */
function split(bytes: Buffer, cuts: readonly number[] = []): [string, number, number][] {
  const lines: [string, number, number][] = [];
  const splitter = new LineSplitter((text, line, length) => lines.push([text, line, length]));
  let start = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    splitter.write(bytes.subarray(start, cut));
    start = cut;
  }
  splitter.write(bytes.subarray(start));
  splitter.end();
  return lines;
}

const texts = (input: string | Buffer) =>
  split(typeof input === "string" ? Buffer.from(input) : input).map(([text]) => text);

describe("the JSON-lines splitter", () => {
  it("ends a line at \\n only, and drops a \\r just before it", () => {
    expect(texts('{"a":1}\r\n{"a":2}\n{"a":3}')).to.deep.equal(['{"a":1}', '{"a":2}', '{"a":3}']);
  });

  it("keeps a lone \\r inside the line, where JSON reads it as whitespace", () => {
    const lines = texts('{"a":\r1}\n');
    expect(lines).to.deep.equal(['{"a":\r1}']);
    expect(JSON.parse(lines[0])).to.deep.equal({ a: 1 });
  });

  it("drops a UTF-8 byte-order mark at the start of the file and of a line", () => {
    const bom = Buffer.from([0xef, 0xbb, 0xbf]);
    const input = Buffer.concat([bom, Buffer.from('{"a":1}\n'), bom, Buffer.from('{"a":2}\n')]);
    expect(texts(input)).to.deep.equal(['{"a":1}', '{"a":2}']);
  });

  it("numbers lines from 1, blank ones included, and gives each line's length in bytes", () => {
    expect(split(Buffer.from('{"é":1}\n\n  \nx'))).to.deep.equal([
      ['{"é":1}', 1, 8],
      ["", 2, 0],
      ["  ", 3, 2],
      ["x", 4, 1],
    ]);
  });

  it("gives the same lines wherever the chunks are cut, inside a multi-byte character too", () => {
    const input = Buffer.from('{"u":"ü€𝄞"}\r\n\ufeff{"v":"\r"}\n\nlast');
    const whole = split(input);
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 0, max: input.length }), { maxLength: 6 }),
        (cuts) => {
          expect(split(input, cuts)).to.deep.equal(whole);
        },
      ),
    );
  });
});
