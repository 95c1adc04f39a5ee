import { expect } from "chai";
import { elide, formatTable } from "../../../harness/cli/textTable";

describe("text tables", () => {
  it("pads every column to its widest cell under a rule", () => {
    expect(
      formatTable(
        ["user", "id"],
        [
          ["user1", "a"],
          ["u", "bbbb"],
        ],
      ),
    ).to.equal(["user   id", "-----  ----", "user1  a", "u      bbbb"].join("\n"));
  });

  it("keeps the head and tail of a long list with a marker saying how many rows are hidden", () => {
    const rows = Array.from({ length: 10 }, (_, i) => i);
    expect(elide(rows, 4, (hidden) => -hidden)).to.deep.equal([0, 1, 2, -6, 9]);
  });

  it("keeps everything when the limit is 0 or the list is short", () => {
    expect(elide([1, 2, 3], 0, () => 0)).to.deep.equal([1, 2, 3]);
    expect(elide([1, 2, 3], 5, () => 0)).to.deep.equal([1, 2, 3]);
  });
});
