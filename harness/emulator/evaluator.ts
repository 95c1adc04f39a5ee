/**
 * The compiler of one pump (docs/architecture.md, "Evaluation"): at load, the pump becomes one
 * JavaScript function of an input row and its ROWTIME. Scalar expressions are alasql's compiled
 * JavaScript (`alasqlAdapter.ts`), window steps the groups' generated code (`windows.ts`), and the
 * function runs them in SQL's order: WHERE (before the windows, so filtered rows never enter one),
 * every window's argument and partition key, then every window's step, then the SELECT list, then
 * the target columns' INSERT rules (CHAR padding, overflow). No row object is built in between.
 */
import type { SqlValue, StreamInfo } from "./types";
import { compileScalarTexts, linkScalarTexts } from "./alasqlAdapter";
import type { BoundExpression, BoundWindow, PumpPlan } from "./bound";
import { storeFunctionFor, type StoreFunction } from "./sqlTypes";
import { WindowGroup, windowHelpers, type PartitionKeys } from "./windows";
import type { ColumnType } from "./types";

/** Groups the windows of a pump by their PARTITION BY expressions, in slot order. */
function groupWindows(windows: readonly BoundWindow[], keys: PartitionKeys): WindowGroup[] {
  const groups = new Map<string, { window: BoundWindow; slot: number }[]>();
  windows.forEach((window, slot) => {
    const key = JSON.stringify(window.partitionBy, (_key, v: unknown) =>
      typeof v === "bigint" ? `${v}n` : v,
    );
    const list = groups.get(key) ?? [];
    list.push({ window, slot });
    groups.set(key, list);
  });
  return [...groups.values()].map((list) => new WindowGroup(list, keys));
}

/**
 * The INSERT rule of a target column as a JavaScript expression of `u` (the computed value), with
 * the common case inline and the rest left to the column's store function `s<index>`.
 */
function storeCode(type: ColumnType, index: number): string {
  const store = `s${index}(u)`;
  switch (type.kind) {
    case "VARCHAR":
      return `u == null ? null : u.length <= ${type.length ?? 65535} ? u : ${store}`;
    case "CHAR":
      return `u == null ? null : u.length === ${type.length} ? u : ${store}`;
    case "BIGINT":
      return `u == null ? null : Number.isSafeInteger(u) ? u : ${store}`;
    case "DOUBLE":
    case "DECIMAL":
      return `u == null ? null : typeof u === "number" ? u : ${store}`;
    case "TIMESTAMP":
    case "BOOLEAN":
      return `u === undefined ? null : u`;
    default:
      return store;
  }
}

/** One pump, compiled. */
export class PumpRuntime {
  readonly name: string;
  readonly source: StreamInfo;
  readonly target: StreamInfo;
  readonly groups: readonly WindowGroup[];
  /**
   * The row this pump inserts for one input row, or null when WHERE rejects it. Throws
   * `SqlRowError` when the row fails: a value that cannot be computed (division by zero, a bad
   * CAST) or does not fit its column. With `reuseRows` the returned array is the same on every
   * call: its values are valid until the next.
   */
  readonly evaluate: (values: readonly SqlValue[], rowtime: number) => SqlValue[] | null;

  constructor(
    plan: PumpPlan,
    overflow: "error" | "truncate",
    keys: PartitionKeys,
    reuseRows: boolean,
  ) {
    this.name = plan.name;
    this.source = plan.source;
    this.target = plan.target;
    const groups = groupWindows(plan.windows, keys);
    this.groups = groups;

    // Every scalar expression of the pump, compiled by alasql in one go.
    const expressions: BoundExpression[] = [];
    const add = (expression: BoundExpression): number => expressions.push(expression) - 1;
    const where =
      plan.where === null
        ? -1
        : add({ kind: "call", function: "IS_TRUE", args: [plan.where], type: { kind: "BOOLEAN" } });
    const argumentsAt = plan.windows.map((w) => (w.argument === null ? -1 : add(w.argument)));
    const defaultsAt = plan.windows.map((w) =>
      w.defaultValue === null ? -1 : add(w.defaultValue),
    );
    const keysAt = groups.map((group) => group.partitionBy.map(add));
    const projectionAt = plan.projection.map(add);
    const compiled = compileScalarTexts(expressions, (slot) => `w${slot}`);
    const text = (at: number) => compiled.texts[at];
    // alasql's CASE gives undefined for no match; SQL's value is NULL.
    const value = (at: number) => `((u = ${text(at)}) === undefined ? null : u)`;

    const slots = plan.windows.map((_, slot) => slot);
    const width = plan.target.columns.length;
    const lines: string[] = [
      `var y, u, S, i, n, t;`,
      ...(slots.length > 0
        ? [`var ${slots.map((slot) => `w${slot}, a${slot}, d${slot}`).join(", ")};`]
        : []),
      ...(where >= 0 ? [`if (${text(where)} !== true) return null;`] : []),
      // Every window's inputs first: a row whose argument cannot be computed enters no window.
      ...slots.map(
        (slot) =>
          `a${slot} = ${argumentsAt[slot] < 0 ? "1" : value(argumentsAt[slot])};` +
          ` d${slot} = ${defaultsAt[slot] < 0 ? "null" : value(defaultsAt[slot])};`,
      ),
      ...groups.map((_group, g) => {
        const key =
          keysAt[g].length === 0
            ? "null"
            : keysAt[g].length === 1
              ? value(keysAt[g][0])
              : `G${g}.mapKey([${keysAt[g].map(value).join(", ")}])`;
        return `var k${g} = ${key};`;
      }),
      ...groups.map((_, g) => `var i${g} = G${g}.partition(k${g});`),
      // Then every window takes the row; a SUM past the BIGINT range fails after all of them.
      ...groups.map((group, g) => `S = C${g}; i = i${g};\n${group.stepCode()}`),
      ...groups.map((group) => group.checkCode()),
      // The whole SELECT list before any INSERT rule, so that an error in computing a value is
      // reported before an overflow in storing one.
      ...projectionAt.map((at, column) => `var v${column} = ${text(at)};`),
      `var o = ${reuseRows ? "O" : `new Array(${width})`};`,
      ...plan.target.columns.map(
        (column, index) => `u = v${index}; o[${index}] = ${storeCode(column.type, index)};`,
      ),
      "return o;",
    ];
    const extra: Record<string, unknown> = { H: windowHelpers, O: new Array(width).fill(null) };
    groups.forEach((group, g) => {
      extra[`G${g}`] = group;
      extra[`C${g}`] = group.columns;
    });
    plan.target.columns.forEach((column, index) => {
      extra[`s${index}`] = storeFunctionFor(column.type, column.name, overflow) as StoreFunction;
    });
    this.evaluate = linkScalarTexts(
      compiled,
      `function ${pumpFunctionName(plan.name)}(c, rt) {\n${lines.join("\n")}\n}`,
      extra,
    ) as PumpRuntime["evaluate"];
  }
}

/** A JavaScript identifier naming the pump, for stack traces and profiles. */
function pumpFunctionName(name: string): string {
  return `pump_${name.replace(/[^A-Za-z0-9_$]/g, "_")}`;
}
