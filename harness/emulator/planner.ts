/**
 * The planner: turns parsed statements into an application graph (source stream, declared
 * streams, `error_stream`, pumps in dependency order), resolving every column, typing every
 * expression and pulling window function calls out into `BoundWindow`s. Everything the engine
 * cannot run fails here, at load, with a `SqlLoadError` at the offending line:column.
 */
import { errorStreamColumns, errorStreamName } from "../../sql/contracts";
import type { ColumnType, StreamColumn, StreamInfo } from "./types";
import type { InputSchema } from "../../sql/inputSchema";
import type { Call, CreatePump, Expression, Statement } from "./ast";
import {
  WindowFunctions,
  type ApplicationPlan,
  type BoundExpression,
  type BoundWindow,
  type PumpPlan,
  type WindowFunctionName,
} from "./bound";
import { at, SqlLoadError, SqlRowError, type SourcePosition } from "./errors";
import { compileDateFormat, functionSignatures } from "./functions";
import { fromBigint, maxBigint } from "./integers";
import {
  BigintType,
  BooleanType,
  commonType,
  formatType,
  IntegerType,
  isAssignable,
  isCastable,
  isComparable,
  isIntegerType,
  isNumericType,
  isStringType,
  maxVarcharLength,
  NullType,
  parseTimestamp,
  TimestampType,
  widerNumeric,
  DoubleType,
  type SqlType,
} from "./sqlTypes";

export interface PlanOptions {
  readonly inputSchema: InputSchema;
  readonly timestampToCharNull: "null" | "string";
}

const origin: SourcePosition = { line: 1, column: 1 };

/** Builds the application graph of a parsed script. */
export function planApplication(
  statements: readonly Statement[],
  options: PlanOptions,
): ApplicationPlan {
  const source: StreamInfo = {
    name: options.inputSchema.streamName,
    columns: options.inputSchema.columns.map((c) => ({ name: c.name, type: c.type as ColumnType })),
  };
  const streams = new Map<string, StreamInfo>([
    [source.name, source],
    [errorStreamName, { name: errorStreamName, columns: errorStreamColumns }],
  ]);
  const pumpStatements = new Map<string, CreatePump>();
  const pumps = new Map<string, PumpPlan>();

  for (const statement of statements) {
    if (statement.kind === "createStream") {
      if (statement.name === source.name || statement.name === errorStreamName) {
        throw new SqlLoadError(
          `Stream "${statement.name}" at ${at(statement.position)} is created by the application itself; choose another name`,
          statement.position,
        );
      }
      if (streams.has(statement.name) && !statement.orReplace) {
        throw new SqlLoadError(
          `Stream "${statement.name}" already exists at ${at(statement.position)}; use CREATE OR REPLACE STREAM`,
          statement.position,
        );
      }
      const seen = new Set<string>();
      for (const column of statement.columns) {
        if (seen.has(column.name)) {
          throw new SqlLoadError(
            `Duplicate column "${column.name}" at ${at(column.position)}`,
            column.position,
          );
        }
        seen.add(column.name);
      }
      streams.set(statement.name, {
        name: statement.name,
        columns: statement.columns.map((c) => ({ name: c.name, type: c.type })),
      });
    } else {
      if (pumpStatements.has(statement.name) && !statement.orReplace) {
        throw new SqlLoadError(
          `Pump "${statement.name}" already exists at ${at(statement.position)}; use CREATE OR REPLACE PUMP`,
          statement.position,
        );
      }
      pumpStatements.set(statement.name, statement);
      pumps.set(statement.name, planPump(statement, streams, source, options));
    }
  }
  return { source, streams, pumps: dependencyOrder([...pumps.values()], pumpStatements) };
}

function dependencyOrder(
  pumps: readonly PumpPlan[],
  statements: ReadonlyMap<string, CreatePump>,
): PumpPlan[] {
  const ordered: PumpPlan[] = [];
  const done = new Set<string>();
  const visiting = new Set<string>();
  const visit = (pump: PumpPlan, path: string[]): void => {
    if (done.has(pump.name)) return;
    if (visiting.has(pump.name)) {
      const position = statements.get(pump.name)?.position ?? origin;
      throw new SqlLoadError(
        `Pumps form a cycle at ${at(position)}: ${[...path, pump.name].map((p) => `"${p}"`).join(" -> ")}`,
        position,
      );
    }
    visiting.add(pump.name);
    for (const feeder of pumps) {
      if (feeder.target.name === pump.source.name) visit(feeder, [...path, pump.name]);
    }
    visiting.delete(pump.name);
    done.add(pump.name);
    ordered.push(pump);
  };
  for (const pump of pumps) visit(pump, []);
  return ordered;
}

function streamNames(streams: ReadonlyMap<string, StreamInfo>): string {
  return [...streams.keys()].map((n) => `"${n}"`).join(", ");
}

function planPump(
  statement: CreatePump,
  streams: ReadonlyMap<string, StreamInfo>,
  source: StreamInfo,
  options: PlanOptions,
): PumpPlan {
  const select = statement.select;
  const input = streams.get(select.from.name);
  if (input === undefined) {
    throw new SqlLoadError(
      `Unknown stream "${select.from.name}" at ${at(select.from.position)}; expected one of ${streamNames(streams)}`,
      select.from.position,
    );
  }
  if (input.name === errorStreamName) {
    throw new SqlLoadError(
      `Unsupported construct SELECT FROM "${errorStreamName}" at ${at(select.from.position)}`,
      select.from.position,
    );
  }
  const target = streams.get(statement.target.name);
  if (target === undefined) {
    throw new SqlLoadError(
      `Unknown stream "${statement.target.name}" at ${at(statement.target.position)}; expected one of ${streamNames(streams)}`,
      statement.target.position,
    );
  }
  if (target.name === source.name || target.name === errorStreamName) {
    throw new SqlLoadError(
      `A pump cannot insert into "${target.name}" at ${at(statement.target.position)}; insert into a stream declared with CREATE STREAM`,
      statement.target.position,
    );
  }

  const binder = new Binder(statement.name, input, select.fromAlias, options);
  const where = select.where === null ? null : binder.bindCondition(select.where, "WHERE");

  const items: { expression: BoundExpression; position: SourcePosition }[] = [];
  for (const item of select.items) {
    if (item.expression === null) {
      input.columns.forEach((column, index) =>
        items.push({
          expression: { kind: "input", index, type: column.type },
          position: item.position,
        }),
      );
    } else {
      items.push({ expression: binder.bindSelectItem(item.expression), position: item.position });
    }
  }

  const targetColumns: StreamColumn[] =
    statement.targetColumns === null
      ? [...target.columns]
      : statement.targetColumns.map((identifier) => {
          const column = target.columns.find((c) => c.name === identifier.name);
          if (column === undefined) {
            throw new SqlLoadError(
              `Unknown column "${identifier.name}" of "${target.name}" at ${at(identifier.position)}; ` +
                `expected one of ${target.columns.map((c) => `"${c.name}"`).join(", ")}`,
              identifier.position,
            );
          }
          return column;
        });
  if (items.length !== targetColumns.length) {
    throw new SqlLoadError(
      `Pump "${statement.name}" at ${at(select.position)} selects ${items.length} columns but inserts into ` +
        `${targetColumns.length} columns of "${target.name}"`,
      select.position,
    );
  }
  const projection: BoundExpression[] = target.columns.map(() => ({
    kind: "literal",
    value: null,
    type: NullType,
  }));
  targetColumns.forEach((column, i) => {
    const { expression, position } = items[i];
    if (!isAssignable(expression.type, column.type)) {
      throw new SqlLoadError(
        `Cannot insert ${formatType(expression.type)} into column "${column.name}" ${formatType(column.type)} ` +
          `of "${target.name}" at ${at(position)}; use CAST`,
        position,
      );
    }
    projection[target.columns.indexOf(column)] = expression;
  });
  return {
    name: statement.name,
    source: input,
    target,
    where,
    windows: binder.windows,
    projection,
  };
}

const windowFunctionSet = new Set<string>(WindowFunctions);

class Binder {
  readonly windows: BoundWindow[] = [];
  private readonly windowKeys = new Map<string, number>();

  constructor(
    private readonly pumpName: string,
    private readonly input: StreamInfo,
    private readonly alias: string | null,
    private readonly options: PlanOptions,
  ) {}

  bindCondition(expression: Expression, clause: string): BoundExpression {
    const bound = this.bind(expression, false);
    if (bound.type.kind !== "BOOLEAN" && bound.type.kind !== "NULL") {
      throw new SqlLoadError(
        `${clause} needs a condition at ${at(expression.position)}; got ${formatType(bound.type)}`,
        expression.position,
      );
    }
    return bound;
  }

  bindSelectItem(expression: Expression): BoundExpression {
    return this.bind(expression, true);
  }

  private bind(expression: Expression, windowsAllowed: boolean): BoundExpression {
    switch (expression.kind) {
      case "literal":
        return bindLiteral(expression);
      case "column":
        return this.bindColumn(expression.qualifier, expression.name, expression.position);
      case "unary": {
        const operand = this.bind(expression.operand, windowsAllowed);
        if (expression.operator === "NOT") {
          this.expectBoolean(operand, "NOT", expression.position);
          return call("NOT", [operand], BooleanType);
        }
        if (!isNumericType(operand.type) && operand.type.kind !== "NULL") {
          throw typeError(
            `unary ${expression.operator}`,
            "a number",
            operand.type,
            expression.position,
          );
        }
        return expression.operator === "-" ? call("NEG", [operand], operand.type) : operand;
      }
      case "binary":
        return this.bindBinary(expression, windowsAllowed);
      case "isNull": {
        const operand = this.bind(expression.operand, windowsAllowed);
        return call(expression.negated ? "IS_NOT_NULL" : "IS_NULL", [operand], BooleanType);
      }
      case "case": {
        const operand =
          expression.operand === null ? null : this.bind(expression.operand, windowsAllowed);
        const whens = expression.whens.map((w) => {
          const then = this.bind(w.then, windowsAllowed);
          if (operand === null) return { when: this.bindConditionIn(w.when, windowsAllowed), then };
          const value = this.bind(w.when, windowsAllowed);
          return { when: comparison("=", operand, value, w.when.position), then };
        });
        const otherwise =
          expression.otherwise === null ? null : this.bind(expression.otherwise, windowsAllowed);
        const types = [...whens.map((w) => w.then.type), ...(otherwise ? [otherwise.type] : [])];
        const type = commonType(types);
        if (type === null) {
          throw new SqlLoadError(
            `CASE branches have incompatible types ${types.map(formatType).join(", ")} at ${at(expression.position)}`,
            expression.position,
          );
        }
        return { kind: "case", whens, otherwise, type };
      }
      case "cast": {
        const operand = this.bind(expression.operand, windowsAllowed);
        if (!isCastable(operand.type, expression.type)) {
          throw new SqlLoadError(
            `Cannot CAST ${formatType(operand.type)} to ${formatType(expression.type)} at ${at(expression.position)}`,
            expression.position,
          );
        }
        return call(
          "CAST",
          [operand, constant(operand.type), constant(expression.type)],
          expression.type,
        );
      }
      case "interval":
        throw new SqlLoadError(
          `Unsupported construct INTERVAL at ${at(expression.position)}; intervals are supported in window frames and STEP only`,
          expression.position,
        );
      case "call":
        return this.bindCall(expression, windowsAllowed);
    }
  }

  private bindConditionIn(expression: Expression, windowsAllowed: boolean): BoundExpression {
    const bound = this.bind(expression, windowsAllowed);
    this.expectBoolean(bound, "WHEN", expression.position);
    return bound;
  }

  private expectBoolean(bound: BoundExpression, what: string, position: SourcePosition): void {
    if (bound.type.kind !== "BOOLEAN" && bound.type.kind !== "NULL") {
      throw typeError(what, "a condition", bound.type, position);
    }
  }

  private bindColumn(
    qualifier: string | null,
    name: string,
    position: SourcePosition,
  ): BoundExpression {
    if (qualifier !== null && qualifier !== this.input.name && qualifier !== this.alias) {
      throw new SqlLoadError(
        `Unknown stream or alias "${qualifier}" at ${at(position)}; expected "${this.alias ?? this.input.name}"`,
        position,
      );
    }
    const index = this.input.columns.findIndex((c) => c.name === name);
    if (index >= 0) return { kind: "input", index, type: this.input.columns[index].type };
    if (name === "ROWTIME") return { kind: "rowtime", type: TimestampType };
    const sameLetters = this.input.columns.find((c) => c.name.toUpperCase() === name.toUpperCase());
    const hint = sameLetters
      ? `; did you mean "${sameLetters.name}"? Quoted names are case-sensitive, unquoted ones fold to upper case`
      : `; "${this.input.name}" has ${this.input.columns.map((c) => `"${c.name}"`).join(", ")} and ROWTIME`;
    throw new SqlLoadError(`Unknown column "${name}" at ${at(position)}${hint}`, position);
  }

  private bindBinary(
    expression: Extract<Expression, { kind: "binary" }>,
    windowsAllowed: boolean,
  ): BoundExpression {
    const left = this.bind(expression.left, windowsAllowed);
    const right = this.bind(expression.right, windowsAllowed);
    const { operator, position } = expression;
    switch (operator) {
      case "AND":
      case "OR":
        this.expectBoolean(left, operator, position);
        this.expectBoolean(right, operator, position);
        return call(operator, [left, right], BooleanType);
      case "||": {
        for (const side of [left, right]) {
          if (!isStringType(side.type) && side.type.kind !== "NULL") {
            throw typeError("||", "strings", side.type, position);
          }
        }
        const length = Math.min(lengthOf(left.type) + lengthOf(right.type), maxVarcharLength);
        return call("CONCAT", [left, right], { kind: "VARCHAR", length });
      }
      case "+":
      case "-":
      case "*":
      case "/": {
        for (const side of [left, right]) {
          if (side.type.kind === "TIMESTAMP") {
            throw new SqlLoadError(
              `Unsupported construct TIMESTAMP arithmetic at ${at(position)}; use UNIX_TIMESTAMP to get milliseconds`,
              position,
            );
          }
          if (!isNumericType(side.type) && side.type.kind !== "NULL") {
            throw typeError(operator, "numbers", side.type, position);
          }
        }
        const type =
          left.type.kind === "NULL"
            ? right.type.kind === "NULL"
              ? IntegerType
              : right.type
            : right.type.kind === "NULL"
              ? left.type
              : widerNumeric(left.type, right.type);
        const name = { "+": "ADD", "-": "SUB", "*": "MUL", "/": "DIV" }[operator];
        const variant =
          type.kind === "BIGINT"
            ? "_BIGINT"
            : type.kind === "INTEGER" || type.kind === "SMALLINT"
              ? "_INTEGER"
              : "";
        return call(name + variant, [left, right], type.kind === "SMALLINT" ? IntegerType : type);
      }
      default:
        return comparison(operator, left, right, position);
    }
  }

  private bindCall(expression: Call, windowsAllowed: boolean): BoundExpression {
    const { name, position } = expression;
    if (windowFunctionSet.has(name)) {
      if (expression.over === null) {
        throw new SqlLoadError(
          `Unsupported construct ${name} without OVER at ${at(position)}; aggregate with a window: ${name}(...) OVER (PARTITION BY ... ROWS n PRECEDING)`,
          position,
        );
      }
      if (!windowsAllowed) {
        throw new SqlLoadError(
          `Window function ${name} at ${at(position)} is not allowed here; use it in the SELECT list`,
          position,
        );
      }
      return this.bindWindow(expression, name as WindowFunctionName);
    }
    if (expression.over !== null) {
      throw new SqlLoadError(
        `${name} at ${at(position)} is not a window function; OVER is not allowed`,
        position,
      );
    }
    if (expression.nulls !== null) {
      throw new SqlLoadError(
        `${expression.nulls} NULLS at ${at(position)} is only allowed with window functions`,
        position,
      );
    }
    // STEP's second argument is an INTERVAL, read below, not a value.
    const valueArgs = name === "STEP" ? expression.args.slice(0, 1) : expression.args;
    const args = valueArgs.map((a) => this.bind(a, windowsAllowed));
    const types = args.map((a) => a.type);
    switch (name) {
      case "TRIM": {
        for (const a of args)
          if (!isStringType(a.type) && a.type.kind !== "NULL")
            throw typeError("TRIM", "strings", a.type, position);
        return call(`TRIM_${expression.trimSide ?? "BOTH"}`, args, {
          kind: "VARCHAR",
          length: lengthOf(types[0]),
        });
      }
      case "COALESCE": {
        if (args.length === 0) throw arityError(name, "at least 1", 0, position);
        const type = commonType(types);
        if (type === null) {
          throw new SqlLoadError(
            `COALESCE arguments have incompatible types ${types.map(formatType).join(", ")} at ${at(position)}`,
            position,
          );
        }
        return call("COALESCE", args, type);
      }
      case "STEP": {
        const interval = expression.args[1];
        if (expression.args.length !== 2 || interval?.kind !== "interval") {
          throw new SqlLoadError(
            `STEP at ${at(position)} expects STEP(timestamp BY INTERVAL 'n' unit)`,
            position,
          );
        }
        if (types[0].kind !== "TIMESTAMP" && types[0].kind !== "NULL")
          throw typeError("STEP", "a TIMESTAMP", types[0], position);
        return call("FLOOR_TIME", [args[0], constant(interval.milliseconds)], TimestampType);
      }
      case "FLOOR":
      case "CEIL":
      case "CEILING": {
        const base = name === "FLOOR" ? "FLOOR" : "CEIL";
        if (expression.toUnit !== null) {
          if (types[0].kind !== "TIMESTAMP" && types[0].kind !== "NULL")
            throw typeError(`${name} ... TO`, "a TIMESTAMP", types[0], position);
          const ms = { SECOND: 1000, MINUTE: 60_000, HOUR: 3_600_000, DAY: 86_400_000 }[
            expression.toUnit
          ];
          return call(`${base}_TIME`, [args[0], constant(ms)], TimestampType);
        }
        if (types[0]?.kind === "TIMESTAMP") {
          throw new SqlLoadError(
            `${name} of a TIMESTAMP at ${at(position)} needs a unit: ${name}(ts TO HOUR)`,
            position,
          );
        }
        return this.plainFunction(base, args, position);
      }
      case "TIMESTAMP_TO_CHAR": {
        const bound = this.plainFunction(name, args, position);
        const nullString = this.options.timestampToCharNull === "string";
        const format = expression.args[0];
        if (format?.kind === "literal" && format.type === "string" && format.value !== null) {
          // A literal format (the lab's 'HH:mm:ss') is compiled here, once: a bad one fails at
          // load, and no row looks it up again.
          let formatter: (ms: number) => string;
          try {
            formatter = compileDateFormat(format.value);
          } catch (error) {
            if (error instanceof SqlRowError)
              throw new SqlLoadError(`${error.message} at ${at(format.position)}`, format.position);
            throw error;
          }
          // The pattern stays in the constant, so identical calls are still told apart by it.
          const compiled = constant({ pattern: format.value, format: formatter });
          const formatted = nullString ? "TIMESTAMP_FORMAT_NULL_STRING" : "TIMESTAMP_FORMAT";
          return call(formatted, [args[1], compiled], bound.type);
        }
        return nullString ? call("TIMESTAMP_TO_CHAR_NULL_STRING", args, bound.type) : bound;
      }
      case "CHARACTER_LENGTH":
        return this.plainFunction("CHAR_LENGTH", args, position);
      default:
        return this.plainFunction(name, args, position);
    }
  }

  private plainFunction(
    name: string,
    args: BoundExpression[],
    position: SourcePosition,
  ): BoundExpression {
    const signature = functionSignatures[name];
    if (signature === undefined) {
      throw new SqlLoadError(`Unknown function ${name} at ${at(position)}`, position);
    }
    if (args.length < signature.minArgs || args.length > signature.maxArgs) {
      const expected =
        signature.minArgs === signature.maxArgs
          ? `${signature.minArgs}`
          : `${signature.minArgs} to ${signature.maxArgs}`;
      throw arityError(name, expected, args.length, position);
    }
    const type = signature.resultType(args.map((a) => a.type));
    if (typeof type === "string") {
      throw new SqlLoadError(
        `Invalid arguments to ${name} at ${at(position)}; expected ${type}`,
        position,
      );
    }
    return call(name, args, type);
  }

  private bindWindow(expression: Call, name: WindowFunctionName): BoundExpression {
    const { position } = expression;
    const over = expression.over!;
    const args = expression.args.map((a) => this.bind(a, false));
    let argument: BoundExpression | null = args[0] ?? null;
    let offset = 0;
    let defaultValue: BoundExpression | null = null;
    let type: SqlType;
    if (expression.star) {
      if (name !== "COUNT")
        throw new SqlLoadError(
          `${name}(*) at ${at(position)} is not allowed; only COUNT(*)`,
          position,
        );
      argument = null;
    } else if (argument === null) {
      throw arityError(name, name === "LAG" ? "1 to 3" : "1", 0, position);
    }
    if (name === "LAG") {
      if (args.length > 3) throw arityError(name, "1 to 3", args.length, position);
      offset = 1;
      if (args.length >= 2) {
        const n = expression.args[1];
        if (n.kind !== "literal" || n.type !== "integer") {
          throw new SqlLoadError(
            `LAG offset at ${at(n.position)} must be a whole number literal`,
            n.position,
          );
        }
        offset = Number(n.value);
      }
      if (args.length === 3) {
        defaultValue = args[2];
        if (!isAssignable(defaultValue.type, argument!.type)) {
          throw typeError(
            "LAG default",
            formatType(argument!.type),
            defaultValue.type,
            expression.args[2].position,
          );
        }
      }
      type = argument!.type;
    } else {
      if (args.length > 1) throw arityError(name, "1", args.length, position);
      if (name === "COUNT") type = BigintType;
      else if (name === "SUM" || name === "AVG") {
        if (!isNumericType(argument!.type) && argument!.type.kind !== "NULL") {
          throw typeError(name, "a number", argument!.type, position);
        }
        type =
          name === "SUM" && isIntegerType(argument!.type)
            ? BigintType
            : argument!.type.kind === "NULL"
              ? DoubleType
              : argument!.type;
      } else type = argument!.type;
    }
    if (expression.nulls === "IGNORE" && !["LAG", "LAST_VALUE", "FIRST_VALUE"].includes(name)) {
      throw new SqlLoadError(
        `IGNORE NULLS at ${at(position)} applies to LAG, FIRST_VALUE and LAST_VALUE only`,
        position,
      );
    }
    const partitionBy = over.partitionBy.map((e) => this.bind(e, false));
    const frame =
      over.frame.kind === "rows"
        ? ({ kind: "rows", preceding: over.frame.preceding } as const)
        : ({ kind: "range", milliseconds: over.frame.interval.milliseconds } as const);
    const window = {
      function: name,
      argument,
      offset,
      defaultValue,
      ignoreNulls: expression.nulls === "IGNORE",
      partitionBy,
      frame,
      type,
    };
    // Identical calls (the lab writes the same LAG twice) share one state.
    const key = JSON.stringify(window, (_key, v: unknown) => (typeof v === "bigint" ? `${v}n` : v));
    let slot = this.windowKeys.get(key);
    if (slot === undefined) {
      slot = this.windows.length;
      this.windowKeys.set(key, slot);
      this.windows.push({ id: `${this.pumpName}#${slot}`, ...window });
    }
    return { kind: "window", slot, type };
  }
}

function bindLiteral(literal: Extract<Expression, { kind: "literal" }>): BoundExpression {
  const { value, position } = literal;
  switch (literal.type) {
    case "null":
      return { kind: "literal", value: null, type: NullType };
    case "boolean":
      return { kind: "literal", value: value === "TRUE", type: BooleanType };
    case "string":
      // String literals are VARCHAR here, so CASE and COALESCE never blank-pad them.
      return {
        kind: "literal",
        value,
        type: { kind: "VARCHAR", length: Math.max(value!.length, 1) },
      };
    case "integer": {
      const n = BigInt(value!);
      if (n > maxBigint) {
        throw new SqlLoadError(
          `Integer literal ${value} at ${at(position)} is outside the BIGINT range; allowed at most ${maxBigint}`,
          position,
        );
      }
      return {
        kind: "literal",
        value: fromBigint(n),
        type: n <= 2147483647n ? IntegerType : BigintType,
      };
    }
    case "decimal":
      return { kind: "literal", value: Number(value), type: { kind: "DECIMAL" } };
    case "timestamp": {
      const ms = parseTimestamp(value!);
      if (ms === null) {
        throw new SqlLoadError(
          `Invalid TIMESTAMP literal '${value}' at ${at(position)}; expected 'yyyy-MM-dd HH:mm:ss[.SSS]'`,
          position,
        );
      }
      return { kind: "literal", value: ms, type: TimestampType };
    }
  }
}

function comparison(
  operator: string,
  left: BoundExpression,
  right: BoundExpression,
  position: SourcePosition,
): BoundExpression {
  if (!isComparable(left.type, right.type)) {
    throw new SqlLoadError(
      `Cannot compare ${formatType(left.type)} with ${formatType(right.type)} using ${operator} at ${at(position)}`,
      position,
    );
  }
  if (left.type.kind === "BOOLEAN" && operator !== "=" && operator !== "<>") {
    throw typeError(operator, "numbers, strings or timestamps", left.type, position);
  }
  const names: Record<string, string> = {
    "=": "EQ",
    "<>": "NE",
    "<": "LT",
    "<=": "LE",
    ">": "GT",
    ">=": "GE",
  };
  const padded = left.type.kind === "CHAR" || right.type.kind === "CHAR";
  return call(names[operator] + (padded ? "_PAD" : ""), [left, right], BooleanType);
}

function call(name: string, args: BoundExpression[], type: SqlType): BoundExpression {
  return { kind: "call", function: name, args, type };
}

function constant(value: unknown): BoundExpression {
  return { kind: "constant", value, type: NullType };
}

function lengthOf(type: SqlType): number {
  return "length" in type && type.length !== undefined
    ? type.length
    : type.kind === "NULL"
      ? 0
      : maxVarcharLength;
}

function typeError(
  what: string,
  expected: string,
  got: SqlType,
  position: SourcePosition,
): SqlLoadError {
  return new SqlLoadError(
    `${what} at ${at(position)} expects ${expected}; got ${formatType(got)}`,
    position,
  );
}

function arityError(
  name: string,
  expected: string,
  got: number,
  position: SourcePosition,
): SqlLoadError {
  return new SqlLoadError(
    `${name} at ${at(position)} takes ${expected} argument${expected === "1" ? "" : "s"}; got ${got}`,
    position,
  );
}
