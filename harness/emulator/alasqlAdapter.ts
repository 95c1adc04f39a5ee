/**
 * The one door to alasql. Scalar expressions (projection, WHERE, window arguments and partition
 * keys) are written out as alasql SQL text, parsed by alasql and compiled by alasql's own
 * expression compiler (`toJS`) into a plain JavaScript function, once per pump, at load.
 *
 * alasql's operators follow JavaScript, not SQL: `'a' || NULL` is `'a'`, `NULL + 1` is `1`,
 * `NULL = NULL` is true and `NOT NULL` is true. So every operator, every function and CAST is
 * emitted as a call to a registered NULL-aware function (`KDA_CONCAT(a, b)`, `KDA_EQ(a, b)`),
 * leaving alasql CASE, column references and calls; CASE only takes a branch whose condition is
 * exactly TRUE, as SQL does with an UNKNOWN condition, because our conditions return
 * true/false/null. Literals travel as constants (`k[i]`), never as SQL text, so no quoting rules
 * of alasql's dialect can change them.
 */
import alasql from "alasql";
import type { SqlValue } from "./types";
import type { BoundExpression } from "./bound";
import { castValue, type SqlType } from "./sqlTypes";
import type { ColumnType } from "./types";
import { functionImplementations } from "./functions";
import { operators } from "./operators";

/** A compiled scalar expression: input row values, the row's ROWTIME, window values. */
export type CompiledExpression = (
  values: readonly SqlValue[],
  rowtime: number,
  windows: readonly SqlValue[],
) => SqlValue;

/** A compiled projection: the same inputs, one output value per expression. */
export type CompiledProjection = (
  values: readonly SqlValue[],
  rowtime: number,
  windows: readonly SqlValue[],
) => SqlValue[];

const prefix = "KDA_";

interface AlasqlInternals {
  fn: Record<string, unknown>;
  parse(sql: string): {
    statements: { columns: { toJS(context: string, tableid: string, defcols: null): string }[] }[];
  };
}
const engine = alasql as unknown as AlasqlInternals;

let registered = false;

/** Registers the NULL-aware operators and functions as alasql user functions (once). */
function registerFunctions(): void {
  if (registered) return;
  const all = { ...operators, ...functionImplementations };
  for (const [name, implementation] of Object.entries(all)) {
    engine.fn[prefix + name] = implementation;
  }
  engine.fn[prefix + "CAST"] = (value: SqlValue | undefined, from: SqlType, to: ColumnType) =>
    castValue(value ?? null, from, to);
  registered = true;
}

/**
 * A call whose arguments are all literals (the lab's `10 * 1000`) is computed once here; every
 * function is pure. One that fails is left to fail on each row, as SQL reports it.
 */
function foldConstant(
  expression: Extract<BoundExpression, { kind: "call" }>,
): BoundExpression | undefined {
  if (!expression.args.every((a) => a.kind === "literal" || a.kind === "constant"))
    return undefined;
  const implementation = engine.fn[prefix + expression.function] as
    ((...args: unknown[]) => SqlValue) | undefined;
  if (implementation === undefined) return undefined;
  try {
    const value = implementation(...expression.args.map((a) => (a as { value: unknown }).value));
    return { kind: "literal", value: value ?? null, type: expression.type };
  } catch {
    return undefined;
  }
}

/** Writes a bound expression as alasql SQL; constants go to `constants`. */
function toAlasqlSql(expression: BoundExpression, constants: unknown[]): string {
  switch (expression.kind) {
    case "input":
      return `c${expression.index}`;
    case "rowtime":
      return "rt";
    case "window":
      return `w${expression.slot}`;
    case "literal":
      if (expression.value === null) return "NULL";
      constants.push(expression.value);
      return `k${constants.length - 1}`;
    case "constant":
      constants.push(expression.value);
      return `k${constants.length - 1}`;
    case "call": {
      const folded = foldConstant(expression);
      if (folded !== undefined) return toAlasqlSql(folded, constants);
      return `${prefix}${expression.function}(${expression.args.map((a) => toAlasqlSql(a, constants)).join(", ")})`;
    }
    case "case": {
      const whens = expression.whens
        .map(
          (w) =>
            `WHEN ${prefix}IS_TRUE(${toAlasqlSql(w.when, constants)}) THEN ${toAlasqlSql(w.then, constants)}`,
        )
        .join(" ");
      const otherwise =
        expression.otherwise === null ? "NULL" : toAlasqlSql(expression.otherwise, constants);
      return `CASE ${whens} ELSE ${otherwise} END`;
    }
  }
}

/**
 * Scalar expressions as JavaScript, compiled by alasql once: `texts[i]` is the i-th expression,
 * reading the row's values as `c[<column>]`, its ROWTIME as `rt`, window values as `windowRef`
 * writes them and literals as `k[<j>]` from `constants`; operators and functions are called as
 * `f_<NAME>`, bound by `bind`. The text expects `p` and `params` declared (alasql's CASE passes
 * them along; they carry nothing here).
 */
export interface ScalarTexts {
  readonly texts: readonly string[];
  readonly constants: readonly unknown[];
  /** The names of the `f_<NAME>` functions the texts call, and the functions, in one order. */
  readonly functionNames: readonly string[];
  readonly functions: readonly unknown[];
}

/** Compiles expressions with alasql's parser and its expression compiler (`toJS`). */
export function compileScalarTexts(
  expressions: readonly BoundExpression[],
  windowRef: (slot: number) => string,
): ScalarTexts {
  registerFunctions();
  if (expressions.length === 0)
    return { texts: [], constants: [], functionNames: [], functions: [] };
  const constants: unknown[] = [];
  const sqlTexts = expressions.map((e) => toAlasqlSql(e, constants));
  const ast = engine.parse(`SELECT ${sqlTexts.map((s, i) => `${s} AS r${i}`).join(", ")} FROM t`);
  const js = ast.statements[0].columns.map((column) =>
    column
      .toJS("p", "", null)
      .replace(/p\['c(\d+)'\]/g, "c[$1]")
      .replace(/p\['w(\d+)'\]/g, (_match, slot: string) => windowRef(Number(slot)))
      .replace(/p\['k(\d+)'\]/g, "k[$1]")
      .replace(/p\['rt'\]/g, "rt"),
  );
  if (js.some((text) => /p\['/.test(text))) {
    throw new Error(`alasql compiled an unexpected column reference: ${js.join("; ")}`);
  }
  // alasql calls user functions as `alasql.fn["KDA_X"](...)`, a lookup in a large dictionary on
  // every call; binding each function to a local lets V8 inline it.
  const used = new Set<string>();
  const texts = js.map((text) =>
    text.replace(/alasql\.fn\["KDA_(\w+)"\]/g, (_match, name: string) => {
      used.add(name);
      return `f_${name}`;
    }),
  );
  const functionNames = [...used];
  return {
    texts,
    constants,
    functionNames,
    functions: functionNames.map((name) => engine.fn[prefix + name]),
  };
}

/**
 * Creates a function from JavaScript source that uses scalar texts: `body` is the source of the
 * function to return, with `k`, `alasql`, the `f_<NAME>` functions, `p`, `params` and the names
 * of `extra` in scope.
 */
export function linkScalarTexts(
  compiled: ScalarTexts,
  body: string,
  extra: Readonly<Record<string, unknown>> = {},
): unknown {
  const names = Object.keys(extra);
  const factory = new Function(
    "alasql",
    "k",
    ...compiled.functionNames.map((n) => `f_${n}`),
    ...names,
    `"use strict"; var p, params; return ${body};`,
  ) as (...args: unknown[]) => unknown;
  return factory(
    alasql,
    compiled.constants,
    ...compiled.functions,
    ...names.map((name) => extra[name]),
  );
}

function compile(
  expressions: readonly BoundExpression[],
  asArray: boolean,
): (...args: unknown[]) => unknown {
  const compiled = compileScalarTexts(expressions, (slot) => `w[${slot}]`);
  const body = asArray ? `[${compiled.texts.join(", ")}]` : compiled.texts[0];
  return linkScalarTexts(
    compiled,
    `function kdaExpression(c, rt, w) { var y; return ${body}; }`,
  ) as (...args: unknown[]) => unknown;
}

/** Compiles one scalar expression. */
export function compileExpression(expression: BoundExpression): CompiledExpression {
  const compiled = compile([expression], false);
  return compiled as CompiledExpression;
}

/** Compiles a SELECT list into one function returning the row's values, `undefined` as NULL. */
export function compileProjection(expressions: readonly BoundExpression[]): CompiledProjection {
  return compile(expressions, true) as CompiledProjection;
}

/** Compiles a WHERE condition: true only when the condition is TRUE (not FALSE, not NULL). */
export function compileCondition(expression: BoundExpression): CompiledExpression {
  return compile(
    [{ kind: "call", function: "IS_TRUE", args: [expression], type: { kind: "BOOLEAN" } }],
    false,
  ) as CompiledExpression;
}
