import { expect } from "chai";
import {
  compileCondition,
  compileExpression,
  compileProjection,
} from "../../../harness/emulator/alasqlAdapter";
import type { BoundExpression } from "../../../harness/emulator/bound";
import { column, pumpSql, rec, run } from "./helpers";

const bigint = { kind: "BIGINT" } as const;
const varchar = { kind: "VARCHAR", length: 20 } as const;
const boolean = { kind: "BOOLEAN" } as const;
const input = (index: number, type: BoundExpression["type"] = bigint): BoundExpression => ({
  kind: "input",
  index,
  type,
});
const lit = (
  value: string | number | boolean | null,
  type: BoundExpression["type"] = bigint,
): BoundExpression => ({
  kind: "literal",
  value,
  type,
});
const call = (fn: string, ...args: BoundExpression[]): BoundExpression => ({
  kind: "call",
  function: fn,
  args,
  type: boolean,
});

/** Evaluates `select` (an expression over "v", "s") for each record and returns the values. */
function values(type: string, select: string, records: Record<string, unknown>[]): unknown[] {
  return column(
    run(
      pumpSql(`"a" ${type}`, select),
      records.map((r, i) => rec(r, i)),
    ),
  );
}

describe("the alasql adapter", () => {
  it("compiles an expression once into a plain function of the row", () => {
    const add = compileExpression({
      kind: "call",
      function: "ADD_BIGINT",
      args: [input(0), lit(5)],
      type: bigint,
    });
    expect(add([1], 0, [])).to.equal(6);
    expect(add([37], 0, [])).to.equal(42);
  });

  it("restores SQL NULL for ||, arithmetic and comparisons, where alasql follows JavaScript", () => {
    const row = [null, "a"];
    const projection = compileProjection([
      {
        kind: "call",
        function: "CONCAT",
        args: [input(1, varchar), input(0, varchar)],
        type: varchar,
      },
      { kind: "call", function: "ADD_BIGINT", args: [input(0), lit(1)], type: bigint },
      call("EQ", input(0), input(0)),
      call("NOT", call("EQ", input(0), lit(1))),
    ]);
    expect(projection(row, 0, []).map((v) => v ?? null)).to.deep.equal([null, null, null, null]);
  });

  it("follows SQL's three-valued AND and OR truth tables", () => {
    const t = lit(true, boolean);
    const f = lit(false, boolean);
    const n = lit(null, boolean);
    const table = compileProjection([
      call("AND", t, n),
      call("AND", f, n),
      call("AND", n, n),
      call("OR", t, n),
      call("OR", f, n),
      call("OR", n, n),
      call("NOT", n),
    ]);
    expect(table([], 0, []).map((v) => v ?? null)).to.deep.equal([
      null,
      false,
      null,
      true,
      null,
      null,
      null,
    ]);
  });

  it("treats a NULL WHERE condition as not true", () => {
    const where = compileCondition(call("GT", input(0), lit(1)));
    expect([where([2], 0, []), where([0], 0, []), where([null], 0, [])]).to.deep.equal([
      true,
      false,
      false,
    ]);
  });

  it("lets a NULL CASE condition fall through to the next branch", () => {
    expect(
      values(
        "VARCHAR(9)",
        `CASE WHEN "v" > 1 THEN 'big' WHEN "v" IS NULL THEN 'none' ELSE 'small' END`,
        [{ v: 5 }, {}, { v: 0 }],
      ),
    ).to.deep.equal(["big", "none", "small"]);
  });

  it("never matches NULL in a simple CASE", () => {
    expect(
      values("VARCHAR(9)", `CASE "v" WHEN NULL THEN 'null' WHEN 1 THEN 'one' ELSE 'other' END`, [
        {},
        { v: 1 },
      ]),
    ).to.deep.equal(["other", "one"]);
  });

  it("keeps string literals exactly, whatever quotes or backslashes they hold", () => {
    expect(values("VARCHAR(20)", `'it''s \\n "q"'`, [{}])).to.deep.equal([`it's \\n "q"`]);
  });

  it("multiplies integer literals as the lab's 10 * 1000 expects", () => {
    expect(values("BIGINT", "10 * 1000", [{}])).to.deep.equal([10000]);
  });

  it("sends a BIGINT overflow to error_stream with the pump's name", () => {
    const rows = run(pumpSql(`"a" BIGINT`, `"v" * 9223372036854775807`), [rec({ v: 3 }, 0)], {
      stream: "error_stream",
    });
    expect(rows).to.have.length(1);
    expect(rows[0]).to.include({ ERROR_NAME: "Numeric_Overflow", PUMP_NAME: "P" });
  });

  it("divides integers toward zero and sends division by zero to error_stream", () => {
    expect(values("BIGINT", `"v" / 2`, [{ v: 7 }, { v: -7 }])).to.deep.equal([3, -3]);
    const rows = run(pumpSql(`"a" BIGINT`, `"v" / 0`), [rec({ v: 1 }, 0)], {
      stream: "error_stream",
    });
    expect(rows[0]).to.include({ ERROR_NAME: "Division_By_Zero", PUMP_NAME: "P" });
  });
});
