/**
 * The KDA SQL to Flink SQL translator (engine `flink`). It works from the harness's parsed and bound
 * application (`parseSql` + `planApplication` of the emulator's public index), never from the SQL
 * text, and emits Flink SQL views that give the harness's rows exactly, or refuses the construct
 * with its line:column. docs/flink.md lists every rule and every difference that remains.
 *
 * The shape of the generated job, per pump `P` reading stream `S` into stream `T`:
 * - `P$0`: S's columns renamed `$in0..`, WHERE applied first (docs/semantics.md: filtered rows never
 *   enter a window), window arguments and PARTITION BY keys computed as columns;
 * - `P$1..`: one view per distinct OVER window, each behind a barrier: `UNION ALL` with no rows of
 *   the same shape (Flink 1.19 cannot plan two stacked over-aggregations otherwise);
 * - `P$p`: the SELECT list, the INSERT rules of T's columns (CHAR padding, VARCHAR overflow) and
 *   `$err`, the first error the harness would raise for the row, as an error code array;
 * - `P$out` (rows without error, into T) and `P$errors` (rows for error_stream).
 * Every view carries the hidden columns of `hiddenColumns`; the event time `$t` is the arrival
 * ordinal, so no two rows are ever peers of an OVER window. RANGE frames other than LAG's and
 * LAST_VALUE's call flink-runner's exact aggregates (`KDA_RANGE_*`, RangeFunctions.java).
 */
import {
  parseSql,
  planApplication,
  type ApplicationPlan,
  type BoundExpression,
  type BoundWindow,
  type PumpPlan,
  type SourcePosition,
  type SqlAst,
  type SqlType,
  type StreamColumn,
} from "../emulator";
import { clickInputSchema, type InputSchema } from "../../sql/inputSchema";
import { errorStreamName } from "../../sql/contracts";

/** Options with the harness's meaning (harness/emulator/types.ts `ApplicationOptions`). */
export interface TranslateOptions {
  readonly inputSchema?: InputSchema;
  readonly overflow?: "error" | "truncate";
  readonly timestampToCharNull?: "null" | "string";
  /** Streams the job writes; default DESTINATION_SQL_STREAM. error_stream is always written. */
  readonly outputs?: readonly string[];
}

/** A construct Flink cannot run with the harness's semantics, at its place in the SQL. */
export class TranslateError extends Error {
  readonly line: number;
  readonly column: number;

  constructor(construct: string, position: SourcePosition, why: string) {
    super(
      `Cannot translate ${construct} at ${position.line}:${position.column} to Flink SQL: ${why}`,
    );
    this.name = "TranslateError";
    this.line = position.line;
    this.column = position.column;
  }
}

/** A column as the runner reads and writes it (flink-runner JobSpec.Column). */
export interface SpecColumn {
  readonly name: string;
  readonly kind: string;
  readonly length?: number;
  readonly path?: readonly string[];
  readonly mapping?: string;
}

/** What the runner executes (flink-runner `JobSpec`). */
export interface JobSpec {
  readonly version: 1;
  readonly settings: Readonly<Record<string, string>>;
  readonly source: { readonly stream: string; readonly columns: readonly SpecColumn[] };
  readonly statements: readonly string[];
  readonly outputs: readonly {
    readonly stream: string;
    readonly view: string;
    readonly columns: readonly SpecColumn[];
  }[];
  readonly pumpErrors: readonly {
    readonly pump: string;
    readonly view: string;
    readonly inputColumns: readonly SpecColumn[];
  }[];
}

/**
 * Columns every view carries after its own: ROWTIME, arrival ordinal, run, emission path, the
 * record's cut input values (`$cut`), time. `$cut` maps every input value the input mapping cut to
 * its length before the cut (NULL when none was), so an overflow of such a value in any pump the
 * record reaches names that length, as the harness does (docs/semantics.md, "Types and overflow").
 */
export const hiddenColumns = ["$rowtime", "$seq", "$run", "$path", "$cut", "$t"] as const;

/** Each hidden column's Flink type; null for the time attribute `$t`, typed where it is defined. */
const hiddenColumnTypes: { readonly [C in (typeof hiddenColumns)[number]]: string | null } = {
  $rowtime: "BIGINT",
  $seq: "BIGINT",
  $run: "INT",
  $path: "STRING",
  $cut: "MAP<STRING, INT>",
  $t: null,
};

/** The hidden columns with their types, as a view's column list takes them. */
const typedHiddenColumns = hiddenColumns.map((c): [string, string | null] => [
  c,
  hiddenColumnTypes[c],
]);

/** The BIGINT range, 64-bit as the harness computes it (docs/semantics.md, "Types and overflow"). */
const maxBigint = "9223372036854775807";
// -2^63 as an expression: the literal 9223372036854775808 is beyond BIGINT.
const minBigint = "(-9223372036854775807 - 1)";

/** [low, high] of an integer kind, as SQL that compares with an exact (DECIMAL or integer) value. */
function integerBounds(kind: string): [string, string] {
  return kind === "BIGINT" ? [minBigint, maxBigint] : ["-2147483648", "2147483647"];
}
const hidden = hiddenColumns.map((c) => quote(c)).join(", ");

/** A Flink identifier in backticks. */
export function quote(name: string): string {
  return "`" + name.replace(/`/g, "``") + "`";
}

function stringLiteral(text: string): string {
  return "'" + text.replace(/'/g, "''") + "'";
}

/** A VARCHAR literal: Flink types a bare literal CHAR(n), which CASE would blank-pad. */
function varchar(text: string): string {
  return `CAST(${stringLiteral(text)} AS STRING)`;
}

function flinkType(type: SqlType, construct: () => [string, SourcePosition]): string {
  switch (type.kind) {
    case "CHAR":
    case "VARCHAR":
      return "STRING";
    case "BIGINT":
    case "TIMESTAMP":
      return "BIGINT";
    case "INTEGER":
      return "INT";
    case "DOUBLE":
      return "DOUBLE";
    case "BOOLEAN":
      return "BOOLEAN";
    case "NULL":
      return "STRING";
    default: {
      const [what, position] = construct();
      throw new TranslateError(
        what,
        position,
        `type ${type.kind} has no exact Flink counterpart here (the harness computes it as a JavaScript number)`,
      );
    }
  }
}

function isInteger(type: SqlType): boolean {
  return type.kind === "BIGINT" || type.kind === "INTEGER" || type.kind === "SMALLINT";
}

/** A translated expression: its SQL and the SQL of the errors it can raise, in evaluation order. */
interface Sql {
  readonly sql: string;
  /** Each an `ARRAY<STRING>` error code, or NULL when that check passes. */
  readonly errors: readonly string[];
}

/** Where expressions find their inputs, and where a refusal points. */
interface Scope {
  input(index: number): string;
  window(slot: number): string;
  /** The position of the first AST node a predicate matches in this pump, else the pump's. */
  locate(match: (node: SqlAst.Expression) => boolean): SourcePosition;
}

function guarded(guard: string, errors: readonly string[]): string[] {
  return errors.map((e) => `CASE WHEN ${guard} THEN ${e} END`);
}

function overflowCheck(kind: string, result: string, a: string, op: string, b: string): string {
  const [low, max] = integerBounds(kind);
  return (
    `CASE WHEN ${result} > ${max} OR ${result} < ${low} THEN ` +
    `ARRAY['Numeric_Overflow', '${kind}', CAST(${a} AS STRING), '${op}', CAST(${b} AS STRING)] END`
  );
}

/**
 * Whether `value` is outside the range of integer `kind`. A DOUBLE compares with the doubles around
 * the range, as 2^63 itself is a double (9223372036854775807 as a double is 2^63, out of range).
 */
function outOfRange(value: string, kind: string, isDouble: boolean): string {
  if (isDouble && kind === "BIGINT") {
    return `(${value} >= 9.223372036854775808E18 OR ${value} < -9.223372036854775808E18)`;
  }
  const [low, max] = integerBounds(kind);
  return `(${value} > ${max} OR ${value} < ${low})`;
}

/** NEG and ABS of a BIGINT: only -2^63 has no 64-bit counterpart (what: the computation's text). */
function minBigintOverflow(value: string, what: string): string {
  return (
    `CASE WHEN ${value} = ${minBigint} THEN ` +
    `ARRAY['Numeric_Overflow', 'BIGINT', ${what}, '9223372036854775808'] END`
  );
}

function decimal(sql: string): string {
  return `CAST(${sql} AS DECIMAL(38, 0))`;
}

/** Pattern letters (and counts) whose DateTimeFormatter text equals SimpleDateFormat's in UTC. */
const dateLetters = new Map([
  ["y", [2, 4]],
  ["M", [1, 2]],
  ["d", [1, 2]],
  ["H", [1, 2]],
  ["h", [1, 2]],
  ["K", [1, 2]],
  ["k", [1, 2]],
  ["a", [1]],
  ["m", [1, 2]],
  ["s", [1, 2]],
  ["S", [3]],
]);

/**
 * Checks a TIMESTAMP_TO_CHAR pattern for DATE_FORMAT, which reads the same text: only letters whose
 * Java DateTimeFormatter meaning equals SimpleDateFormat's in UTC pass, and quoting is the same in
 * both. Returns what is wrong, or "".
 */
function datePattern(pattern: string): string {
  for (let i = 0; i < pattern.length;) {
    const ch = pattern[i];
    if (ch === "'") {
      const end = pattern.indexOf("'", i + 1);
      if (end < 0) return `an unterminated quote`;
      i = end + 1;
      continue;
    }
    if (/[A-Za-z]/.test(ch)) {
      let count = 1;
      while (pattern[i + count] === ch) count++;
      const allowed = dateLetters.get(ch);
      if (allowed === undefined || !allowed.includes(count)) {
        return `the pattern letters ${ch.repeat(count)}`;
      }
      i += count;
      continue;
    }
    i++;
  }
  return "";
}

class PumpTranslator {
  private readonly windowSql: string[] = [];
  /**
   * The errors the windows raise once every window took the row (a SUM past the BIGINT range), in
   * window order: the harness checks them before the SELECT list (evaluator.ts).
   */
  private readonly windowErrors: string[] = [];
  readonly statements: string[] = [];

  constructor(
    private readonly plan: PumpPlan,
    private readonly ast: SqlAst.CreatePump,
    private readonly options: Required<Omit<TranslateOptions, "inputSchema" | "outputs">>,
    private readonly pathComponent: string,
    private readonly applicationSource: string,
  ) {}

  private locate(match: (node: SqlAst.Expression) => boolean): SourcePosition {
    let found: SourcePosition | null = null;
    const visit = (node: SqlAst.Expression | null): void => {
      if (node === null || found !== null) return;
      if (match(node)) {
        found = node.position;
        return;
      }
      switch (node.kind) {
        case "unary":
          return visit(node.operand);
        case "binary":
          visit(node.left);
          return visit(node.right);
        case "isNull":
          return visit(node.operand);
        case "case":
          visit(node.operand);
          for (const w of node.whens) {
            visit(w.when);
            visit(w.then);
          }
          return visit(node.otherwise);
        case "cast":
          return visit(node.operand);
        case "call":
          node.args.forEach(visit);
          node.over?.partitionBy.forEach(visit);
          return;
        default:
          return;
      }
    };
    visit(this.ast.select.where);
    for (const item of this.ast.select.items) visit(item.expression);
    return found ?? this.ast.position;
  }

  private scope(input: (index: number) => string): Scope {
    return {
      input,
      window: (slot) => this.windowSql[slot],
      locate: (match) => this.locate(match),
    };
  }

  private refuse(
    construct: string,
    match: (node: SqlAst.Expression) => boolean,
    why: string,
  ): never {
    throw new TranslateError(construct, this.locate(match), why);
  }

  translate(): void {
    const { plan } = this;
    const p = plan.name;
    const source = plan.source;
    const inputs = source.columns.map((c, i) => `${quote(c.name)} AS ${quote(`$in${i}`)}`);
    const inScope = this.scope((i) => quote(source.columns[i].name));
    let where = "";
    if (plan.where !== null) {
      const condition = expression(plan.where, inScope);
      if (condition.errors.length > 0) {
        this.refuse("WHERE", () => false, "a condition that can fail a row is not supported");
      }
      where = ` WHERE ${condition.sql}`;
    }
    // Every column of the current view with its Flink type (null: the time attribute `$t`).
    const columns: [string, string | null][] = [
      ...source.columns.map((c, i): [string, string] => [
        `$in${i}`,
        flinkType(c.type, () => [c.name, this.ast.position]),
      ]),
      ...typedHiddenColumns,
    ];
    // Window arguments, defaults and keys as columns of the first view.
    const extra: string[] = [];
    plan.windows.forEach((w, j) => {
      const parts: [string, BoundExpression | null][] = [
        [`$a${j}`, w.argument],
        [`$d${j}`, w.defaultValue],
        ...w.partitionBy.map((k, m): [string, BoundExpression] => [`$k${j}_${m}`, k]),
      ];
      for (const [name, bound] of parts) {
        if (bound === null) continue;
        const value = expression(bound, inScope);
        if (value.errors.length > 0) {
          this.refuse(
            `the arguments of ${w.function}`,
            (n) => n.kind === "call" && n.name === w.function,
            "an argument or key that can fail a row is not supported",
          );
        }
        extra.push(`${typed(value.sql, bound.type)} AS ${quote(name)}`);
        columns.push([name, flinkType(bound.type, () => [w.function, this.windowPosition(w)])]);
      }
    });
    let view = quote(`${p}$0`);
    this.statements.push(
      `CREATE TEMPORARY VIEW ${view} AS SELECT ${[...inputs, hidden, ...extra].join(", ")} ` +
        `FROM ${quote(source.name)}${where}`,
    );

    // One view per distinct OVER window.
    const stages = new Map<string, WindowPart[]>();
    plan.windows.forEach((w, j) => {
      for (const part of this.windowParts(w, j)) {
        const list = stages.get(part[0]) ?? [];
        list.push(part);
        stages.set(part[0], list);
      }
    });
    let n = 1;
    for (const [over, parts] of stages) {
      const stage = quote(`${p}$${n}`);
      const aggregates = parts.map(
        ([, aggregate, alias]) => `${aggregate} OVER w AS ${quote(alias)}`,
      );
      this.statements.push(
        `CREATE TEMPORARY VIEW ${stage} AS SELECT *, ${aggregates.join(", ")} FROM ${view} ` +
          `WINDOW w AS (${over})`,
      );
      columns.push(...parts.map(([, , alias, type]): [string, string] => [alias, type]));
      const barrier = quote(`${p}$${n}b`);
      this.statements.push(
        `CREATE TEMPORARY VIEW ${barrier} AS SELECT * FROM ${stage} UNION ALL ${this.emptyRows(columns)}`,
      );
      view = barrier;
      n++;
    }

    // The SELECT list, then the INSERT rules of the target's columns.
    const rowScope = this.scope((i) => quote(`$in${i}`));
    const values = plan.projection.map((e) => expression(e, rowScope));
    const errors = [...this.windowErrors, ...values.flatMap((v) => v.errors)];
    const stored = plan.target.columns.map((column, i) =>
      this.store(column, values[i].sql, plan.projection[i].type),
    );
    errors.push(...stored.flatMap((s) => s.errors));
    const err =
      errors.length === 0
        ? "CAST(NULL AS ARRAY<STRING>)"
        : errors.length === 1
          ? errors[0]
          : `COALESCE(${errors.join(", ")})`;
    const inputColumns = source.columns.map((_, i) => quote(`$in${i}`));
    const projected = quote(`${p}$p`);
    this.statements.push(
      `CREATE TEMPORARY VIEW ${projected} AS SELECT ${hidden}, ${inputColumns.join(", ")}, ` +
        stored.map((s, i) => `${s.sql} AS ${quote(`$v${i}`)}`).join(", ") +
        `, ${err} AS ${quote("$err")} FROM ${view}`,
    );
    const path = `CONCAT(${quote("$path")}, '${this.pathComponent}') AS ${quote("$path")}`;
    const rowHidden = hiddenColumns.map((c) => (c === "$path" ? path : quote(c))).join(", ");
    this.statements.push(
      `CREATE TEMPORARY VIEW ${quote(`${p}$out`)} AS SELECT ${rowHidden}, ` +
        plan.target.columns.map((c, i) => `${quote(`$v${i}`)} AS ${quote(c.name)}`).join(", ") +
        ` FROM ${projected} WHERE ${quote("$err")} IS NULL`,
    );
    this.statements.push(
      `CREATE TEMPORARY VIEW ${quote(`${p}$errors`)} AS SELECT ${rowHidden}, ` +
        `${inputColumns.join(", ")}, ${quote("$err")} FROM ${projected} WHERE ${quote("$err")} IS NOT NULL`,
    );
  }

  /** The INSERT rule of one target column (harness/emulator/sqlTypes.ts `storeFunctionFor`). */
  private store(column: StreamColumn, value: string, from: SqlType): Sql {
    const type = column.type;
    const where = (): [string, SourcePosition] => [`column "${column.name}"`, this.ast.position];
    const target = flinkType(type, where);
    if (from.kind === "NULL") return { sql: `CAST(NULL AS ${target})`, errors: [] };
    switch (type.kind) {
      case "CHAR":
      case "VARCHAR": {
        const length = type.length ?? 65535;
        const tooLong = `CHAR_LENGTH(${value}) > ${length}`;
        if (this.options.overflow === "truncate") {
          const cut = `CASE WHEN ${tooLong} THEN SUBSTRING(${value}, 1, ${length}) ELSE ${value} END`;
          return { sql: type.kind === "CHAR" ? `RPAD(${cut}, ${length}, ' ')` : cut, errors: [] };
        }
        const typeText = `${type.kind}(${length})`;
        // The harness names the length before the input mapping's cut when the value equals a
        // value the mapping cut (application.ts `withOriginalLength`): `$cut` looks it up.
        const originalLength = `CAST(${quote("$cut")}[${value}] AS STRING)`;
        const error =
          `CASE WHEN ${tooLong} THEN ARRAY['Value_Too_Long', ${varchar(column.name)}, ` +
          `'${typeText}', '${length}', ${value}, ${originalLength}] END`;
        const sql =
          type.kind === "CHAR"
            ? `CASE WHEN ${tooLong} THEN ${value} ELSE RPAD(${value}, ${length}, ' ') END`
            : value;
        return { sql, errors: [error] };
      }
      case "INTEGER":
        if (from.kind === "BIGINT") {
          const error =
            `CASE WHEN ${value} > 2147483647 OR ${value} < -2147483648 THEN ARRAY['Numeric_Overflow', ` +
            `'INTEGER', ${varchar(column.name)}, CAST(${value} AS STRING)] END`;
          return { sql: `CAST(${value} AS INT)`, errors: [error] };
        }
        if (from.kind !== "INTEGER") break;
        return { sql: value, errors: [] };
      case "BIGINT":
        if (!isInteger(from)) break;
        return { sql: `CAST(${value} AS BIGINT)`, errors: [] };
      case "DOUBLE":
        return { sql: `CAST(${value} AS DOUBLE)`, errors: [] };
      default:
        return { sql: value, errors: [] };
    }
    return this.refuse(
      `INSERT of ${from.kind} into ${type.kind} column "${column.name}"`,
      () => false,
      "only integer values go into integer columns exactly",
    );
  }

  /**
   * The Flink aggregates one window function needs, as [OVER clause, aggregate, alias], and sets
   * its final value expression. Over a unique event time the default frame (no frame clause) is
   * exactly "every earlier row of the partition and this one".
   */
  private windowParts(w: BoundWindow, j: number): WindowPart[] {
    const keys = [quote("$run"), ...w.partitionBy.map((_, m) => quote(`$k${j}_${m}`))];
    const base = `PARTITION BY ${keys.join(", ")} ORDER BY ${quote("$t")}`;
    const rows = (k: number) => `${base} ROWS BETWEEN ${k} PRECEDING AND CURRENT ROW`;
    const a = quote(`$a${j}`);
    const d = w.defaultValue === null ? null : quote(`$d${j}`);
    const alias = (suffix: string) => `$w${j}${suffix}`;
    const ref = (suffix: string) => quote(alias(suffix));
    const type = flinkType(w.type, () => [w.function, this.windowPosition(w)]);
    const argumentType =
      w.argument === null
        ? "BIGINT"
        : flinkType(w.argument.type, () => [w.function, this.windowPosition(w)]);
    const isRange = w.frame.kind === "range";
    const span = w.frame.kind === "range" ? w.frame.milliseconds : w.frame.preceding;
    const fallback = d ?? `CAST(NULL AS ${type})`;
    // RANGE frames of the other functions: the runner's exact aggregates (RangeFunctions.java) over
    // the default frame, fed every earlier row of the partition in arrival order.
    const range = (fn: string, resultType: string, ...args: string[]): WindowPart[] => {
      this.windowSql[this.slotOf(w)] = ref("");
      return [
        [
          base,
          `${fn}(${[...args, quote("$rowtime"), `CAST(${span} AS BIGINT)`].join(", ")})`,
          alias(""),
          resultType,
        ],
      ];
    };
    const family = (t: SqlType): string =>
      t.kind === "CHAR" || t.kind === "VARCHAR"
        ? "STRING"
        : t.kind === "DOUBLE"
          ? "DOUBLE"
          : t.kind === "BOOLEAN"
            ? "BOOLEAN"
            : "BIGINT";
    const asFamilyOf = (sql: string, t: SqlType) =>
      family(t) === "BIGINT" ? `CAST(${sql} AS BIGINT)` : sql;
    const asFamily = (t: SqlType) => asFamilyOf(a, t);
    switch (w.function) {
      case "LAG": {
        if (w.ignoreNulls) {
          // Flink's LAG has no IGNORE NULLS: the runner's aggregate (RangeFunctions.java).
          const parts = range(
            `KDA_LAG_IGNORE_NULLS_${family(w.type)}`,
            family(w.type),
            asFamily(w.type),
            `CAST(${w.offset} AS BIGINT)`,
            isRange ? "TRUE" : "FALSE",
          );
          this.windowSql[this.slotOf(w)] =
            `CAST(COALESCE(${ref("")}, ${asFamilyOf(fallback, w.type)}) AS ${type})`;
          return parts;
        }
        const offset = w.offset;
        if (offset === 0) {
          this.windowSql[this.slotOf(w)] = a;
          return [];
        }
        if (!isRange && offset > span) {
          this.windowSql[this.slotOf(w)] = fallback;
          return [];
        }
        if (isRange) {
          this.windowSql[this.slotOf(w)] =
            `CASE WHEN ${ref("t")} >= ${quote("$rowtime")} - ${span} THEN ${ref("")} ELSE ${fallback} END`;
          return [
            [base, `LAG(${a}, ${offset})`, alias(""), argumentType],
            [base, `LAG(${quote("$rowtime")}, ${offset})`, alias("t"), "BIGINT"],
          ];
        }
        this.windowSql[this.slotOf(w)] =
          d === null
            ? ref("")
            : `CASE WHEN ${ref("n")} > ${offset} THEN ${ref("")} ELSE ${fallback} END`;
        return [
          [base, `LAG(${a}, ${offset})`, alias(""), argumentType],
          ...(d === null ? [] : [[base, "COUNT(*)", alias("n"), "BIGINT"] as WindowPart]),
        ];
      }
      case "LAST_VALUE": {
        if (!w.ignoreNulls) {
          // The current row is the last row of its own frame.
          this.windowSql[this.slotOf(w)] = a;
          return [];
        }
        if (!isRange) {
          this.windowSql[this.slotOf(w)] = ref("");
          return [[rows(span), `LAST_VALUE(${a})`, alias(""), argumentType]];
        }
        this.windowSql[this.slotOf(w)] =
          `CASE WHEN ${ref("t")} >= ${quote("$rowtime")} - ${span} THEN ${ref("")} END`;
        return [
          [base, `LAST_VALUE(${a})`, alias(""), argumentType],
          [
            base,
            `LAST_VALUE(CASE WHEN ${a} IS NOT NULL THEN ${quote("$rowtime")} END)`,
            alias("t"),
            "BIGINT",
          ],
        ];
      }
      case "FIRST_VALUE": {
        if (isRange) {
          const parts = range(
            `KDA_RANGE_FIRST_${family(w.type)}`,
            family(w.type),
            asFamily(w.type),
            w.ignoreNulls ? "TRUE" : "FALSE",
          );
          this.windowSql[this.slotOf(w)] = `CAST(${ref("")} AS ${type})`;
          return parts;
        }
        if (w.ignoreNulls) {
          this.windowSql[this.slotOf(w)] = ref("");
          return [[rows(span), `FIRST_VALUE(${a})`, alias(""), argumentType]];
        }
        // Flink's FIRST_VALUE skips NULLs: carry NULL as a value of its own.
        const [encode, decode, encodedType] = nullEncoding(a, w.type, ref(""));
        this.windowSql[this.slotOf(w)] = decode;
        return [[rows(span), `FIRST_VALUE(${encode})`, alias(""), encodedType]];
      }
      case "COUNT":
        if (isRange) {
          return range(
            "KDA_RANGE_COUNT",
            "BIGINT",
            w.argument === null ? "TRUE" : `(${a} IS NOT NULL)`,
          );
        }
        this.windowSql[this.slotOf(w)] = ref("");
        return [
          [rows(span), w.argument === null ? "COUNT(*)" : `COUNT(${a})`, alias(""), "BIGINT"],
        ];
      case "MIN":
      case "MAX":
        if (w.type.kind === "BOOLEAN") {
          this.refuse(
            `${w.function} of a BOOLEAN`,
            (n) => n.kind === "call" && n.name === w.function,
            "not supported",
          );
        }
        if (isRange) {
          const parts = range(
            `KDA_RANGE_${w.function}_${family(w.type)}`,
            family(w.type),
            asFamily(w.type),
          );
          this.windowSql[this.slotOf(w)] = `CAST(${ref("")} AS ${type})`;
          return parts;
        }
        this.windowSql[this.slotOf(w)] = ref("");
        return [[rows(span), `${w.function}(${a})`, alias(""), argumentType]];
      case "SUM":
      case "AVG": {
        const argumentType = w.argument?.type ?? w.type;
        if (!isInteger(argumentType)) {
          this.refuse(
            `${w.function} of ${argumentType.kind}`,
            (n) => n.kind === "call" && n.name === w.function,
            "the harness sums approximate numbers in another order than Flink; only integer sums are exact",
          );
        }
        // A SUM is totalled exactly as DECIMAL, as the harness totals past 2^63 in a bigint
        // (Flink's BIGINT SUM wraps around), and a total outside the BIGINT range fails the row.
        const checkedTotal = (): void => {
          const total = ref("");
          const outside = `(${total} > ${maxBigint} OR ${total} < ${minBigint})`;
          this.windowErrors.push(
            `CASE WHEN ${outside} THEN ARRAY['Numeric_Overflow', 'BIGINT', ` +
              `${varchar(`SUM over window "${w.id}"`)}, CAST(${total} AS STRING)] END`,
          );
          this.windowSql[this.slotOf(w)] =
            `CASE WHEN ${outside} THEN CAST(NULL AS BIGINT) ELSE CAST(${total} AS BIGINT) END`;
        };
        if (isRange) {
          if (w.function === "SUM") {
            const parts = range("KDA_RANGE_SUM", "DECIMAL(38, 0)", `CAST(${a} AS BIGINT)`);
            checkedTotal();
            return parts;
          }
          const parts = range("KDA_RANGE_AVG", "BIGINT", `CAST(${a} AS BIGINT)`);
          this.windowSql[this.slotOf(w)] = `CAST(${ref("")} AS ${type})`;
          return parts;
        }
        if (w.function === "SUM") {
          checkedTotal();
          return [[rows(span), `SUM(${decimal(a)})`, alias(""), "DECIMAL(38, 0)"]];
        }
        // The harness divides a total that fits a double in doubles (Math.trunc(sum / count)), a
        // larger one exactly; the total is exact here too (DECIMAL), so AVG never wraps around.
        this.windowSql[this.slotOf(w)] =
          `CASE WHEN ${ref("n")} = 0 THEN CAST(NULL AS ${type}) ` +
          `WHEN ABS(${ref("s")}) <= 9007199254740991 THEN ` +
          `CAST(CAST(${ref("s")} AS DOUBLE) / CAST(${ref("n")} AS DOUBLE) AS ${type}) ` +
          `ELSE CAST(${ref("s")} / ${decimal(ref("n"))} AS ${type}) END`;
        return [
          [rows(span), `SUM(${decimal(a)})`, alias("s"), "DECIMAL(38, 0)"],
          [rows(span), `COUNT(${a})`, alias("n"), "BIGINT"],
        ];
      }
    }
  }

  /**
   * No rows, in the shape of `columns`: the other side of the `UNION ALL` that keeps Flink 1.19 from
   * planning an over-aggregation right on top of another one ("Field names must be unique"). It
   * reads the registered source table, so it adds nothing to the views before it.
   */
  emptyRows(columns: readonly [string, string | null][]): string {
    const items = columns.map(([name, type]) =>
      type === null ? quote(name) : `CAST(NULL AS ${type}) AS ${quote(name)}`,
    );
    return `SELECT ${items.join(", ")} FROM ${quote(this.applicationSource)} WHERE FALSE`;
  }

  private slotOf(w: BoundWindow): number {
    return this.plan.windows.indexOf(w);
  }

  windowPosition(w: BoundWindow): SourcePosition {
    return this.locate((n) => n.kind === "call" && n.name === w.function);
  }
}

/** One aggregate of a window: [OVER clause, aggregate, alias, Flink type]. */
type WindowPart = [string, string, string, string];

/** [encoded, decoded, encoded type]: NULL as a value of its own, for aggregates that skip NULLs. */
function nullEncoding(value: string, type: SqlType, encodedRef: string): [string, string, string] {
  switch (type.kind) {
    case "CHAR":
    case "VARCHAR":
      return [
        `CASE WHEN ${value} IS NULL THEN 'N' ELSE CONCAT('V', ${value}) END`,
        `CASE WHEN ${encodedRef} = 'N' THEN CAST(NULL AS STRING) ELSE SUBSTRING(${encodedRef}, 2) END`,
        "STRING",
      ];
    case "BOOLEAN":
      return [
        `CASE WHEN ${value} IS NULL THEN 0 WHEN ${value} THEN 2 ELSE 1 END`,
        `CASE ${encodedRef} WHEN 2 THEN TRUE WHEN 1 THEN FALSE END`,
        "INT",
      ];
    default: {
      // Integers as their exact digits: any 64-bit value fits, and 'N' is free for NULL.
      const t = type.kind === "INTEGER" ? "INT" : "BIGINT";
      return [
        `CASE WHEN ${value} IS NULL THEN 'N' ELSE CAST(${value} AS STRING) END`,
        `CASE WHEN ${encodedRef} = 'N' THEN CAST(NULL AS ${t}) ELSE CAST(${encodedRef} AS ${t}) END`,
        "STRING",
      ];
    }
  }
}

/** A NULL literal gets a type, so Flink can hold it in a column. */
function typed(sql: string, type: SqlType): string {
  return type.kind === "NULL" ? "CAST(NULL AS STRING)" : sql;
}

/** Translates one bound expression. */
function expression(e: BoundExpression, scope: Scope): Sql {
  const ctx =
    (construct: string, match: (n: SqlAst.Expression) => boolean) =>
    (): [string, SourcePosition] => [construct, scope.locate(match)];
  switch (e.kind) {
    case "input":
      return { sql: scope.input(e.index), errors: [] };
    case "rowtime":
      return { sql: quote("$rowtime"), errors: [] };
    case "window":
      return { sql: scope.window(e.slot), errors: [] };
    case "literal": {
      const v = e.value;
      if (v === null) {
        return {
          sql:
            e.type.kind === "NULL"
              ? "NULL"
              : `CAST(NULL AS ${flinkType(
                  e.type,
                  ctx("NULL", () => false),
                )})`,
          errors: [],
        };
      }
      if (typeof v === "boolean") return { sql: v ? "TRUE" : "FALSE", errors: [] };
      if (typeof v === "string") return { sql: varchar(v), errors: [] };
      if (e.type.kind === "DECIMAL" || e.type.kind === "DOUBLE") {
        const position = scope.locate((n) => n.kind === "literal" && n.type === "decimal");
        throw new TranslateError(
          `the decimal literal ${v}`,
          position,
          "the harness computes DECIMAL as a JavaScript double; write an integer or CAST",
        );
      }
      return { sql: e.type.kind === "INTEGER" ? String(v) : `CAST(${v} AS BIGINT)`, errors: [] };
    }
    case "constant":
      throw new Error("A constant outside a function call: the planner changed");
    case "case": {
      const whens = e.whens.map((w) => ({
        when: expression(w.when, scope),
        then: expression(w.then, scope),
      }));
      const otherwise = e.otherwise === null ? null : expression(e.otherwise, scope);
      const errors: string[] = [];
      const notYet: string[] = [];
      for (const w of whens) {
        const before = notYet.length === 0 ? "TRUE" : notYet.join(" AND ");
        errors.push(...guarded(before, w.when.errors));
        errors.push(...guarded(`${before} AND (${w.when.sql}) IS TRUE`, w.then.errors));
        notYet.push(`(${w.when.sql}) IS NOT TRUE`);
      }
      if (otherwise !== null) errors.push(...guarded(notYet.join(" AND "), otherwise.errors));
      const type = flinkType(
        e.type,
        ctx("CASE", (n) => n.kind === "case"),
      );
      const branch = (s: Sql | null) =>
        s === null || s.sql === "NULL" ? `CAST(NULL AS ${type})` : s.sql;
      const sql =
        "CASE " +
        whens.map((w) => `WHEN ${w.when.sql} THEN ${branch(w.then)}`).join(" ") +
        ` ELSE ${branch(otherwise)} END`;
      return { sql, errors };
    }
    case "call":
      return call(e, scope);
  }
}

const comparisons: Record<string, string> = {
  EQ: "=",
  NE: "<>",
  LT: "<",
  LE: "<=",
  GT: ">",
  GE: ">=",
};
const arithmetic: Record<string, string> = { ADD: "+", SUB: "-", MUL: "*" };

function call(e: Extract<BoundExpression, { kind: "call" }>, scope: Scope): Sql {
  if (e.function === "TIMESTAMP_FORMAT" || e.function === "TIMESTAMP_FORMAT_NULL_STRING") {
    // The planner compiles a literal TIMESTAMP_TO_CHAR format once, into a constant that keeps its
    // pattern; the translation reads the pattern back as the call's literal format.
    const { pattern } = (e.args[1] as { value: { pattern: string } }).value;
    const format: BoundExpression = { kind: "literal", value: pattern, type: e.type };
    const original = e.function.replace("TIMESTAMP_FORMAT", "TIMESTAMP_TO_CHAR");
    return call({ ...e, function: original, args: [format, e.args[0]] }, scope);
  }
  const name = e.function;
  const refuse = (
    construct: string,
    match: (n: SqlAst.Expression) => boolean,
    why: string,
  ): never => {
    throw new TranslateError(construct, scope.locate(match), why);
  };
  const callNamed = (fn: string) => (n: SqlAst.Expression) => n.kind === "call" && n.name === fn;
  if (name === "CAST") return cast(e, scope);
  if (name === "FLOOR_TIME" || name === "CEIL_TIME") {
    const ts = expression(e.args[0], scope);
    const period = (e.args[1] as { value: unknown }).value as number;
    const fn = name === "FLOOR_TIME" ? "FLOOR" : "CEIL";
    return {
      sql: `CAST(${fn}(CAST(${ts.sql} AS DOUBLE) / ${period}) * ${period} AS BIGINT)`,
      errors: ts.errors,
    };
  }
  const args = e.args.map((a) => expression(a, scope));
  const errors = args.flatMap((a) => a.errors);
  const [a, b] = args.map((x) => x.sql);
  const nullArgument = e.args.some((x) => x.type.kind === "NULL");
  const nullOf = () =>
    `CAST(NULL AS ${flinkType(e.type, () => [name, scope.locate(() => false)])})`;
  const base = name.replace(/_(BIGINT|INTEGER|PAD)$/, "");
  if (base in arithmetic || base === "DIV") {
    if (nullArgument) return { sql: nullOf(), errors };
    const op = base === "DIV" ? "/" : arithmetic[base];
    const kind = name.endsWith("_BIGINT") ? "BIGINT" : name.endsWith("_INTEGER") ? "INTEGER" : null;
    if (base === "DIV") {
      errors.push(`CASE WHEN ${b} = 0 THEN ARRAY['Division_By_Zero', 'Division by zero'] END`);
      if (kind === null)
        return { sql: `CASE WHEN ${b} = 0 THEN NULL ELSE ${a} / ${b} END`, errors };
      if (kind === "BIGINT") {
        // Java's long division truncates toward zero exactly, as the harness's bigint division;
        // only -2^63 / -1 leaves the range.
        errors.push(
          `CASE WHEN ${b} = -1 AND ${a} = ${minBigint} THEN ` +
            `ARRAY['Numeric_Overflow', 'BIGINT', CAST(${a} AS STRING), '/', CAST(${b} AS STRING)] END`,
        );
        return {
          sql: `CASE WHEN ${b} = 0 THEN NULL ELSE CAST(${a} AS BIGINT) / CAST(${b} AS BIGINT) END`,
          errors,
        };
      }
      const quotient = `CAST(CAST(${a} AS DOUBLE) / CAST(${b} AS DOUBLE) AS DECIMAL(38, 0))`;
      errors.push(`CASE WHEN ${b} <> 0 THEN ${overflowCheck(kind, quotient, a, "/", b)} END`);
      return {
        sql: `CASE WHEN ${b} = 0 THEN NULL ELSE CAST(CAST(${a} AS DOUBLE) / CAST(${b} AS DOUBLE) AS INT) END`,
        errors,
      };
    }
    if (kind !== null) {
      errors.push(overflowCheck(kind, `(${decimal(a)} ${op} ${decimal(b)})`, a, op, b));
      const t = kind === "BIGINT" ? "BIGINT" : "INT";
      return { sql: `(CAST(${a} AS ${t}) ${op} CAST(${b} AS ${t}))`, errors };
    }
    return { sql: `(${a} ${op} ${b})`, errors };
  }
  if (base in comparisons) {
    if (nullArgument) return { sql: "CAST(NULL AS BOOLEAN)", errors };
    const trim = (x: string) => `TRIM(TRAILING ' ' FROM ${x})`;
    const padded = name.endsWith("_PAD");
    return {
      sql: `(${padded ? trim(a) : a} ${comparisons[base]} ${padded ? trim(b) : b})`,
      errors,
    };
  }
  switch (name) {
    case "NEG":
      if (nullArgument) return { sql: nullOf(), errors };
      if (e.type.kind === "BIGINT")
        errors.push(minBigintOverflow(a, `'-(' || CAST(${a} AS STRING) || ')'`));
      return { sql: `(- ${a})`, errors };
    case "CONCAT":
      return { sql: nullArgument ? nullOf() : `(${a} || ${b})`, errors };
    case "AND":
    case "OR": {
      const side = (i: number) =>
        e.args[i].type.kind === "NULL" ? "CAST(NULL AS BOOLEAN)" : args[i].sql;
      return { sql: `(${side(0)} ${name} ${side(1)})`, errors };
    }
    case "NOT":
      return { sql: nullArgument ? "CAST(NULL AS BOOLEAN)" : `(NOT ${a})`, errors };
    case "IS_NULL":
      return { sql: nullArgument ? "TRUE" : `(${a} IS NULL)`, errors };
    case "IS_NOT_NULL":
      return { sql: nullArgument ? "FALSE" : `(${a} IS NOT NULL)`, errors };
    case "TO_TIMESTAMP":
      if (nullArgument) return { sql: nullOf(), errors };
      errors.push(
        `CASE WHEN ABS(CAST(${a} AS BIGINT)) > 8640000000000000 THEN ARRAY['Numeric_Overflow', 'TO_TIMESTAMP', CAST(${a} AS STRING)] END`,
      );
      return { sql: `CAST(${a} AS BIGINT)`, errors };
    case "UNIX_TIMESTAMP":
      return { sql: nullArgument ? nullOf() : a, errors };
    case "TIMESTAMP_TO_CHAR":
    case "TIMESTAMP_TO_CHAR_NULL_STRING": {
      const format = e.args[0];
      if (format.kind !== "literal" || typeof format.value !== "string") {
        return refuse(
          "TIMESTAMP_TO_CHAR with a computed format",
          callNamed("TIMESTAMP_TO_CHAR"),
          "the format must be a string literal",
        );
      }
      const problem = datePattern(format.value);
      if (problem !== "") {
        return refuse(
          `TIMESTAMP_TO_CHAR format ${JSON.stringify(format.value)}`,
          callNamed("TIMESTAMP_TO_CHAR"),
          `${problem} have no exact DATE_FORMAT counterpart; supported: yyyy yy M MM d dd H HH h hh K KK k kk a m mm s ss SSS, quoted text and punctuation`,
        );
      }
      if (e.args[1].type.kind === "NULL") {
        return { sql: name.endsWith("STRING") ? varchar("null") : nullOf(), errors };
      }
      const formatted = `DATE_FORMAT(TO_TIMESTAMP_LTZ(${b}, 3), ${stringLiteral(format.value)})`;
      return {
        sql: name.endsWith("STRING") ? `COALESCE(${formatted}, ${varchar("null")})` : formatted,
        errors,
      };
    }
    case "CHAR_LENGTH":
      return { sql: nullArgument ? "CAST(NULL AS INT)" : `CHAR_LENGTH(${a})`, errors };
    case "UPPER":
    case "LOWER":
      return { sql: nullArgument ? nullOf() : `${name}(${a})`, errors };
    case "SUBSTRING": {
      const literalArgs = e.args
        .slice(1)
        .every((x) => x.kind === "literal" && typeof x.value === "number");
      const start = e.args[1].kind === "literal" ? (e.args[1].value as number) : 0;
      if (
        !literalArgs ||
        start < 1 ||
        (e.args[2] !== undefined && (e.args[2] as { value: number }).value < 0)
      ) {
        return refuse(
          "SUBSTRING",
          callNamed("SUBSTRING"),
          "start and length must be integer literals, start at least 1 and length not negative",
        );
      }
      return {
        sql: nullArgument ? nullOf() : `SUBSTRING(${args.map((x) => x.sql).join(", ")})`,
        errors,
      };
    }
    case "TRIM_BOTH":
    case "TRIM_LEADING":
    case "TRIM_TRAILING": {
      const side = name.slice(5);
      const chars = e.args[1];
      if (
        chars !== undefined &&
        !(chars.kind === "literal" && typeof chars.value === "string" && chars.value.length === 1)
      ) {
        return refuse(
          "TRIM",
          callNamed("TRIM"),
          "the trim character must be a one-character literal",
        );
      }
      const c = chars === undefined ? " " : (chars as { value: string }).value;
      return {
        sql: nullArgument ? nullOf() : `TRIM(${side} ${stringLiteral(c)} FROM ${a})`,
        errors,
      };
    }
    case "COALESCE": {
      const typedArgs = args.filter((_, i) => e.args[i].type.kind !== "NULL").map((x) => x.sql);
      return {
        sql: typedArgs.length === 0 ? nullOf() : `COALESCE(${typedArgs.join(", ")})`,
        errors,
      };
    }
    case "ABS":
      if (nullArgument) return { sql: nullOf(), errors };
      if (e.type.kind === "BIGINT")
        errors.push(minBigintOverflow(a, `'ABS(' || CAST(${a} AS STRING) || ')'`));
      return { sql: `ABS(${a})`, errors };
    case "FLOOR":
    case "CEIL":
      if (nullArgument) return { sql: nullOf(), errors };
      return { sql: isInteger(e.args[0].type) ? a : `${name}(${a})`, errors };
    case "MOD":
      if (nullArgument) return { sql: nullOf(), errors };
      errors.push(
        `CASE WHEN ${b} = 0 THEN ARRAY['Division_By_Zero', 'Division by zero in MOD'] END`,
      );
      return { sql: `CASE WHEN ${b} = 0 THEN NULL ELSE MOD(${a}, ${b}) END`, errors };
    default:
      return refuse(name, callNamed(name), "no exact Flink counterpart");
  }
}

function cast(e: Extract<BoundExpression, { kind: "call" }>, scope: Scope): Sql {
  const operand = expression(e.args[0], scope);
  const from = (e.args[1] as { value: SqlType }).value;
  const to = (e.args[2] as { value: StreamColumn["type"] }).value;
  const where = scope.locate((n) => n.kind === "cast");
  const refuse = (why: string): never => {
    throw new TranslateError(`CAST from ${from.kind} to ${to.kind}`, where, why);
  };
  const target = flinkType(to, () => ["CAST", where]);
  const v = operand.sql;
  if (from.kind === "NULL") return { sql: `CAST(NULL AS ${target})`, errors: operand.errors };
  if (to.kind === "CHAR" || to.kind === "VARCHAR") {
    let text: string;
    if (from.kind === "CHAR" || from.kind === "VARCHAR") text = v;
    else if (from.kind === "TIMESTAMP")
      text = `DATE_FORMAT(TO_TIMESTAMP_LTZ(${v}, 3), 'yyyy-MM-dd HH:mm:ss.SSS')`;
    else if (from.kind === "BOOLEAN")
      text = `CASE WHEN ${v} THEN 'TRUE' WHEN NOT ${v} THEN 'FALSE' END`;
    else if (isInteger(from)) text = `CAST(${v} AS STRING)`;
    else return refuse("JavaScript and Java print approximate numbers differently");
    const length = to.length ?? 65535;
    const cut = `SUBSTRING(${text}, 1, ${length})`;
    return {
      sql: to.kind === "CHAR" ? `RPAD(${cut}, ${length}, ' ')` : cut,
      errors: operand.errors,
    };
  }
  if (from.kind === "CHAR" || from.kind === "VARCHAR")
    return castText(v, operand.errors, to, refuse);
  if (isInteger(to)) {
    const kind = to.kind;
    const t = kind === "BIGINT" ? "BIGINT" : "INT";
    if (isInteger(from) && (kind === "BIGINT" || from.kind !== "BIGINT")) {
      return { sql: `CAST(${v} AS ${t})`, errors: operand.errors };
    }
    const truncated = isInteger(from) ? v : `TRUNCATE(${v}, 0)`;
    const error =
      `CASE WHEN ${outOfRange(truncated, kind, !isInteger(from))} THEN ` +
      `ARRAY['Numeric_Overflow', '${kind}', 'CAST', CAST(${truncated} AS STRING)] END`;
    return { sql: `CAST(${truncated} AS ${t})`, errors: [...operand.errors, error] };
  }
  if (to.kind === "DOUBLE" && (isInteger(from) || from.kind === "DOUBLE")) {
    return { sql: `CAST(${v} AS DOUBLE)`, errors: operand.errors };
  }
  if (to.kind === from.kind) return { sql: v, errors: operand.errors };
  return refuse("no exact Flink counterpart");
}

/**
 * CAST of text to a number or BOOLEAN, with harness/emulator/sqlTypes.ts `castValue`'s rules: number
 * text (surrounding white space allowed) read as a double, then truncated and range-checked for
 * integers; `TRUE`/`FALSE` in any case; anything else fails the row with Type_Conversion_Error.
 */
function castText(
  v: string,
  errors: readonly string[],
  to: StreamColumn["type"],
  refuse: (why: string) => never,
): Sql {
  const typeText = to.length === undefined ? to.kind : `${to.kind}(${to.length})`;
  const trimmed = `REGEXP_REPLACE(${v}, '(?U)^\\s+|\\s+$', '')`;
  const conversion = (valid: string) =>
    `CASE WHEN NOT (${valid}) THEN ARRAY['Type_Conversion_Error', ${v}, '${typeText}'] END`;
  if (to.kind === "BOOLEAN") {
    const upper = `UPPER(${trimmed})`;
    const valid = `${upper} IN ('TRUE', 'FALSE')`;
    return { sql: `(${upper} = 'TRUE')`, errors: [...errors, conversion(valid)] };
  }
  if (!isInteger(to) && to.kind !== "DOUBLE") {
    return refuse("the harness's text-to-timestamp rules are not reproduced");
  }
  const valid = `REGEXP(${v}, '(?U)^\\s*[+-]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][+-]?[0-9]+)?\\s*$')`;
  const number = `CASE WHEN ${valid} THEN CAST(${trimmed} AS DOUBLE) END`;
  if (to.kind === "DOUBLE") return { sql: number, errors: [...errors, conversion(valid)] };
  const t = to.kind === "BIGINT" ? "BIGINT" : "INT";
  // Integer text is read exactly, as the harness reads it with BigInt; other number text as a
  // double, then truncated.
  const integerText = `REGEXP(${v}, '(?U)^\\s*[+-]?[0-9]{1,38}\\s*$')`;
  const exact = `CAST(${trimmed} AS DECIMAL(38, 0))`;
  const truncated = `TRUNCATE(${number}, 0)`;
  const overflow =
    `CASE WHEN ${integerText} AND ${outOfRange(exact, to.kind, false)} THEN ` +
    `ARRAY['Numeric_Overflow', '${to.kind}', 'CAST', CAST(${exact} AS STRING)] ` +
    `WHEN NOT ${integerText} AND ${outOfRange(truncated, to.kind, true)} THEN ` +
    `ARRAY['Numeric_Overflow', '${to.kind}', 'CAST', CAST(${truncated} AS STRING)] END`;
  return {
    sql: `CASE WHEN ${integerText} THEN CAST(${exact} AS ${t}) ELSE CAST(${truncated} AS ${t}) END`,
    errors: [...errors, conversion(valid), overflow],
  };
}

/** The full translation: Flink statements and the runner's job spec. */
export interface FlinkTranslation {
  readonly spec: JobSpec;
  /** The Flink SQL as one script, `SET` lines first, for people to read (`npm run translate`). */
  readonly sqlText: string;
}

function specColumns(columns: readonly StreamColumn[]): SpecColumn[] {
  return columns.map((c) => ({
    name: c.name,
    kind: c.type.kind,
    ...(c.type.length === undefined ? {} : { length: c.type.length }),
  }));
}

/**
 * Translates a KDA SQL application. Throws `SqlLoadError` (from the harness) for SQL the harness
 * cannot load and `TranslateError` for SQL Flink cannot run exactly.
 */
export function translateToFlink(
  sqlText: string,
  options: TranslateOptions = {},
): FlinkTranslation {
  const inputSchema = options.inputSchema ?? clickInputSchema;
  const statements = parseSql(sqlText);
  const plan: ApplicationPlan = planApplication(statements, {
    inputSchema,
    timestampToCharNull: options.timestampToCharNull ?? "null",
  });
  const pumpAst = new Map<string, SqlAst.CreatePump>();
  for (const s of statements) if (s.kind === "createPump") pumpAst.set(s.name, s);
  const settings = {
    overflow: options.overflow ?? "error",
    timestampToCharNull: options.timestampToCharNull ?? "null",
  } as const;

  const flink: string[] = [];
  const producers = new Map<string, string[]>();
  const pumpErrors: { pump: string; view: string; inputColumns: SpecColumn[] }[] = [];
  for (const pump of plan.pumps) {
    const siblings = plan.pumps.filter((p) => p.source.name === pump.source.name);
    const component = String(siblings.indexOf(pump)).padStart(3, "0");
    const translator = new PumpTranslator(
      pump,
      pumpAst.get(pump.name)!,
      settings,
      component,
      plan.source.name,
    );
    translator.translate();
    flink.push(...translator.statements);
    const list = producers.get(pump.target.name) ?? [];
    list.push(quote(`${pump.name}$out`));
    producers.set(pump.target.name, list);
    pumpErrors.push({
      pump: pump.name,
      view: `${pump.name}$errors`,
      inputColumns: specColumns(pump.source.columns),
    });
    // The stream becomes a view as soon as every pump writing it is translated; a pump reading it
    // comes after all of them (dependency order).
    const writers = plan.pumps.filter((p) => p.target.name === pump.target.name);
    if (writers[writers.length - 1] === pump) {
      const columns = [hidden, ...pump.target.columns.map((c) => quote(c.name))].join(", ");
      const parts = list.map((v) => `SELECT ${columns} FROM ${v}`);
      if (parts.length === 1) {
        parts.push(
          translator.emptyRows([
            ...typedHiddenColumns,
            ...pump.target.columns.map((c): [string, string] => [
              c.name,
              flinkType(c.type, () => [c.name, pumpAst.get(pump.name)!.position]),
            ]),
          ]),
        );
      }
      flink.push(
        `CREATE TEMPORARY VIEW ${quote(pump.target.name)} AS ${parts.join(" UNION ALL ")}`,
      );
    }
  }
  const wanted = options.outputs ?? ["DESTINATION_SQL_STREAM"];
  const outputs = wanted
    .filter((name) => name !== errorStreamName)
    .map((name) => {
      const stream = plan.streams.get(name);
      if (stream === undefined || (name !== plan.source.name && !producers.has(name))) {
        throw new Error(
          `Unknown output stream "${name}"; expected one of ${[...producers.keys(), plan.source.name].map((n) => `"${n}"`).join(", ")}`,
        );
      }
      return { stream: name, view: name, columns: specColumns(stream.columns) };
    });
  const spec: JobSpec = {
    version: 1,
    settings: { "table.local-time-zone": "UTC" },
    source: {
      stream: plan.source.name,
      columns: inputSchema.columns.map((c) => ({
        name: c.name,
        kind: c.type.kind,
        ...("length" in c.type ? { length: c.type.length } : {}),
        path: jsonPath(c.mapping),
        mapping: c.mapping,
      })),
    },
    statements: flink,
    outputs,
    pumpErrors,
  };
  const header = [
    "-- Flink SQL translated from the KDA SQL application (harness/flink, docs/flink.md).",
    `-- Source view ${quote(plan.source.name)} is registered by flink-runner: the input columns, then`,
    "-- $rowtime (ROWTIME, epoch ms), $seq (arrival ordinal), $run, $path, $cut (cut input values)",
    "-- and $t (event time).",
    ...Object.entries(spec.settings).map(([k, v]) => `SET '${k}' = '${v}';`),
  ];
  return { spec, sqlText: [...header, ...flink.map((s) => s + ";")].join("\n") + "\n" };
}

function jsonPath(mapping: string): string[] {
  const m = /^\$((?:\.[A-Za-z_$][\w$-]*)+)$/.exec(mapping);
  if (m === null) throw new Error(`Unsupported input mapping ${mapping}; expected $.name or $.a.b`);
  return m[1].slice(1).split(".");
}
