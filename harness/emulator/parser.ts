/**
 * Recursive-descent parser for the KDA SQL subset: `CREATE [OR REPLACE] STREAM`, `CREATE [OR
 * REPLACE] PUMP ... AS INSERT INTO ... SELECT STREAM ... FROM ... [WHERE ...]`. Anything else fails
 * with a `SqlLoadError` naming the construct and its line:column.
 */
import type { ColumnType } from "./types";
import type {
  BinaryOperator,
  Call,
  ColumnDefinition,
  CreatePump,
  CreateStream,
  Expression,
  Frame,
  Identifier,
  Interval,
  Select,
  SelectItem,
  Statement,
  TimeUnit,
  WhenClause,
  WindowSpec,
} from "./ast";
import { TimeUnits } from "./ast";
import { at, SqlLoadError, type SourcePosition } from "./errors";
import { tokenize, TokenKind, type Token } from "./lexer";

/** Words that end an expression or a clause and so cannot be unquoted column names or aliases. */
const reserved = new Set([
  "SELECT",
  "STREAM",
  "FROM",
  "WHERE",
  "AND",
  "OR",
  "NOT",
  "CASE",
  "WHEN",
  "THEN",
  "ELSE",
  "END",
  "AS",
  "IS",
  "NULL",
  "TRUE",
  "FALSE",
  "UNKNOWN",
  "OVER",
  "PARTITION",
  "BY",
  "ROWS",
  "RANGE",
  "PRECEDING",
  "FOLLOWING",
  "INTERVAL",
  "CAST",
  "GROUP",
  "HAVING",
  "ORDER",
  "UNION",
  "JOIN",
  "INNER",
  "LEFT",
  "RIGHT",
  "FULL",
  "CROSS",
  "ON",
  "WINDOW",
  "INSERT",
  "INTO",
  "CREATE",
  "BETWEEN",
  "IN",
  "LIKE",
  "SIMILAR",
  "DISTINCT",
  "RESPECT",
  "IGNORE",
  "EXISTS",
  "LIMIT",
  "USING",
  "NATURAL",
]);

/** Constructs that follow a FROM clause in SQL the harness does not run. */
const unsupportedAfterFrom = new Set([
  "JOIN",
  "INNER",
  "LEFT",
  "RIGHT",
  "FULL",
  "CROSS",
  "NATURAL",
  "GROUP",
  "HAVING",
  "ORDER",
  "UNION",
  "WINDOW",
  "LIMIT",
]);

const unitMilliseconds: Record<TimeUnit, number> = {
  SECOND: 1000,
  MINUTE: 60_000,
  HOUR: 3_600_000,
  DAY: 86_400_000,
};

const comparisonOperators = new Set(["=", "<>", "!=", "<", "<=", ">", ">="]);

/** Parses a whole SQL script into statements. Throws `SqlLoadError` on the first problem. */
export function parseSql(sql: string): Statement[] {
  return new Parser(tokenize(sql)).script();
}

/** Parses a single expression (used by tests and tools). */
export function parseExpression(sql: string): Expression {
  const parser = new Parser(tokenize(sql));
  const expression = parser.expression();
  parser.expectEnd();
  return expression;
}

class Parser {
  private index = 0;

  constructor(private readonly tokens: readonly Token[]) {}

  script(): Statement[] {
    const statements: Statement[] = [];
    while (!this.isEnd()) {
      if (this.acceptSymbol(";")) continue;
      statements.push(this.statement());
      if (!this.isEnd() && !this.acceptSymbol(";")) {
        throw this.unexpected("; or the end of the script");
      }
    }
    return statements;
  }

  expectEnd(): void {
    if (!this.isEnd()) throw this.unexpected("the end of the expression");
  }

  private statement(): Statement {
    const start = this.peek();
    if (!this.acceptWord("CREATE")) {
      if (start.kind === TokenKind.Word) throw unsupported(start.value, start);
      throw this.unexpected("CREATE");
    }
    let orReplace = false;
    if (this.acceptWord("OR")) {
      this.expectWord("REPLACE");
      orReplace = true;
    }
    const what = this.peek();
    if (this.acceptWord("STREAM")) return this.createStream(orReplace, start);
    if (this.acceptWord("PUMP")) return this.createPump(orReplace, start);
    if (what.kind === TokenKind.Word) throw unsupported(`CREATE ${what.value}`, what);
    throw this.unexpected("STREAM or PUMP");
  }

  private createStream(orReplace: boolean, start: Token): CreateStream {
    const name = this.identifier("a stream name");
    this.expectSymbol("(");
    const columns: ColumnDefinition[] = [];
    do {
      const column = this.identifier("a column name");
      columns.push({ name: column.name, type: this.columnType(), position: column.position });
    } while (this.acceptSymbol(","));
    this.expectSymbol(")");
    return { kind: "createStream", name: name.name, orReplace, columns, position: pos(start) };
  }

  private createPump(orReplace: boolean, start: Token): CreatePump {
    const name = this.identifier("a pump name");
    this.expectWord("AS");
    this.expectWord("INSERT");
    this.expectWord("INTO");
    const target = this.identifier("a stream name");
    let targetColumns: Identifier[] | null = null;
    if (this.acceptSymbol("(")) {
      targetColumns = [];
      do targetColumns.push(this.identifier("a column name"));
      while (this.acceptSymbol(","));
      this.expectSymbol(")");
    }
    const select = this.select();
    return {
      kind: "createPump",
      name: name.name,
      orReplace,
      target,
      targetColumns,
      select,
      position: pos(start),
    };
  }

  private select(): Select {
    const start = this.peek();
    this.expectWord("SELECT");
    const streamToken = this.peek();
    if (!this.acceptWord("STREAM")) {
      if (streamToken.kind === TokenKind.Word && streamToken.value === "DISTINCT") {
        throw unsupported("SELECT DISTINCT", streamToken);
      }
      throw new SqlLoadError(
        `A pump needs SELECT STREAM at ${at(pos(streamToken))}; found ${describe(streamToken)}`,
        pos(streamToken),
      );
    }
    const distinct = this.peek();
    if (this.acceptWord("DISTINCT")) throw unsupported("SELECT STREAM DISTINCT", distinct);
    const items: SelectItem[] = [];
    do items.push(this.selectItem());
    while (this.acceptSymbol(","));
    this.expectWord("FROM");
    const fromToken = this.peek();
    if (fromToken.kind === TokenKind.Symbol && fromToken.value === "(") {
      throw unsupported("subquery in FROM", fromToken);
    }
    const from = this.identifier("a stream name");
    let fromAlias: string | null = null;
    if (this.acceptWord("AS")) fromAlias = this.identifier("an alias").name;
    else if (this.isAliasStart()) fromAlias = this.identifier("an alias").name;
    const comma = this.peek();
    if (comma.kind === TokenKind.Symbol && comma.value === ",") throw unsupported("JOIN", comma);
    this.rejectUnsupportedClause();
    let where: Expression | null = null;
    if (this.acceptWord("WHERE")) where = this.expression();
    this.rejectUnsupportedClause();
    return { items, from, fromAlias, where, position: pos(start) };
  }

  private rejectUnsupportedClause(): void {
    const token = this.peek();
    if (token.kind === TokenKind.Word && unsupportedAfterFrom.has(token.value)) {
      const name = ["INNER", "LEFT", "RIGHT", "FULL", "CROSS", "NATURAL"].includes(token.value)
        ? "JOIN"
        : token.value === "GROUP" || token.value === "ORDER"
          ? `${token.value} BY`
          : token.value;
      throw unsupported(name, token);
    }
  }

  private selectItem(): SelectItem {
    const start = this.peek();
    if (this.acceptSymbol("*")) return { expression: null, alias: null, position: pos(start) };
    const expression = this.expression();
    let alias: string | null = null;
    if (this.acceptWord("AS")) alias = this.identifier("an alias").name;
    else if (this.isAliasStart()) alias = this.identifier("an alias").name;
    return { expression, alias, position: pos(start) };
  }

  private isAliasStart(): boolean {
    const token = this.peek();
    return (
      token.kind === TokenKind.QuotedIdentifier ||
      (token.kind === TokenKind.Word && !reserved.has(token.value))
    );
  }

  private columnType(): ColumnType {
    const token = this.peek();
    if (token.kind !== TokenKind.Word) throw this.unexpected("a column type");
    this.index++;
    switch (token.value) {
      case "VARCHAR":
        return { kind: "VARCHAR", length: this.typeLength(token, true) };
      case "CHAR":
      case "CHARACTER":
        if (this.acceptWord("VARYING"))
          return { kind: "VARCHAR", length: this.typeLength(token, true) };
        return { kind: "CHAR", length: this.typeLength(token, false) };
      case "BIGINT":
        return { kind: "BIGINT" };
      case "INTEGER":
      case "INT":
        return { kind: "INTEGER" };
      case "SMALLINT":
        return { kind: "SMALLINT" };
      case "TINYINT":
        return { kind: "SMALLINT" };
      case "DOUBLE":
        this.acceptWord("PRECISION");
        return { kind: "DOUBLE" };
      case "REAL":
      case "FLOAT":
        return { kind: "REAL" };
      case "DECIMAL":
      case "NUMERIC":
        if (this.acceptSymbol("(")) {
          this.number("a precision");
          if (this.acceptSymbol(",")) this.number("a scale");
          this.expectSymbol(")");
        }
        return { kind: "DECIMAL" };
      case "BOOLEAN":
        return { kind: "BOOLEAN" };
      case "TIMESTAMP":
        return { kind: "TIMESTAMP" };
      default:
        throw new SqlLoadError(
          `Unsupported type ${token.value} at ${at(pos(token))}; expected VARCHAR(n), CHAR(n), ` +
            "BIGINT, INTEGER, SMALLINT, DOUBLE, REAL, DECIMAL, BOOLEAN or TIMESTAMP",
          pos(token),
        );
    }
  }

  private typeLength(typeToken: Token, required: boolean): number {
    if (!this.acceptSymbol("(")) {
      if (required) {
        throw new SqlLoadError(
          `${typeToken.value} needs a length at ${at(pos(typeToken))}; expected ${typeToken.value}(n)`,
          pos(typeToken),
        );
      }
      return 1;
    }
    const length = this.number("a length");
    this.expectSymbol(")");
    if (!Number.isInteger(length) || length < 1) {
      throw new SqlLoadError(
        `Invalid length ${length} at ${at(pos(typeToken))}; expected a positive integer`,
        pos(typeToken),
      );
    }
    return length;
  }

  private number(what: string): number {
    const token = this.peek();
    if (token.kind !== TokenKind.Number) throw this.unexpected(what);
    this.index++;
    return Number(token.value);
  }

  expression(): Expression {
    return this.or();
  }

  private or(): Expression {
    return this.leftAssociative(
      () => this.and(),
      () => (this.acceptWord("OR") ? "OR" : undefined),
    );
  }

  private and(): Expression {
    return this.leftAssociative(
      () => this.not(),
      () => (this.acceptWord("AND") ? "AND" : undefined),
    );
  }

  /**
   * `operand (operator operand)*`, folded to the left. `operator` consumes the operator at the
   * cursor and returns it, or returns undefined (consuming nothing) where the chain ends.
   */
  private leftAssociative(
    operand: () => Expression,
    operator: (token: Token) => BinaryOperator | undefined,
  ): Expression {
    let left = operand();
    for (;;) {
      const token = this.peek();
      const accepted = operator(token);
      if (accepted === undefined) return left;
      left = binary(accepted, left, operand(), token);
    }
  }

  /** Consumes the first of `symbols` found at the cursor and returns it. */
  private acceptOneSymbol<S extends BinaryOperator>(...symbols: readonly S[]): S | undefined {
    return symbols.find((symbol) => this.acceptSymbol(symbol));
  }

  private not(): Expression {
    const token = this.peek();
    if (this.acceptWord("NOT")) {
      return { kind: "unary", operator: "NOT", operand: this.not(), position: pos(token) };
    }
    return this.predicate();
  }

  private predicate(): Expression {
    const left = this.concat();
    const token = this.peek();
    if (token.kind === TokenKind.Symbol && comparisonOperators.has(token.value)) {
      this.index++;
      const operator = (token.value === "!=" ? "<>" : token.value) as BinaryOperator;
      return binary(operator, left, this.concat(), token);
    }
    if (this.acceptWord("IS")) {
      const negated = this.acceptWord("NOT");
      const what = this.peek();
      if (!this.acceptWord("NULL")) {
        if (what.kind === TokenKind.Word) throw unsupported(`IS ${what.value}`, what);
        throw this.unexpected("NULL");
      }
      return { kind: "isNull", negated, operand: left, position: pos(token) };
    }
    const negatedToken = this.peek();
    const negated = this.acceptWord("NOT");
    if (this.acceptWord("BETWEEN")) {
      const low = this.concat();
      this.expectWord("AND");
      const high = this.concat();
      const inside = binary(
        "AND",
        binary(">=", left, low, negatedToken),
        binary("<=", left, high, negatedToken),
        negatedToken,
      );
      return negated
        ? { kind: "unary", operator: "NOT", operand: inside, position: pos(negatedToken) }
        : inside;
    }
    if (this.acceptWord("IN")) {
      this.expectSymbol("(");
      const inToken = this.peek();
      if (inToken.kind === TokenKind.Word && inToken.value === "SELECT")
        throw unsupported("subquery", inToken);
      let any: Expression = binary("=", left, this.expression(), negatedToken);
      while (this.acceptSymbol(","))
        any = binary("OR", any, binary("=", left, this.expression(), negatedToken), negatedToken);
      this.expectSymbol(")");
      return negated
        ? { kind: "unary", operator: "NOT", operand: any, position: pos(negatedToken) }
        : any;
    }
    const next = this.peek();
    if (next.kind === TokenKind.Word && (next.value === "LIKE" || next.value === "SIMILAR")) {
      throw unsupported(next.value, next);
    }
    if (negated) throw this.unexpected("BETWEEN or IN after NOT");
    return left;
  }

  private concat(): Expression {
    return this.leftAssociative(
      () => this.additive(),
      () => this.acceptOneSymbol("||"),
    );
  }

  private additive(): Expression {
    return this.leftAssociative(
      () => this.multiplicative(),
      () => this.acceptOneSymbol("+", "-"),
    );
  }

  private multiplicative(): Expression {
    return this.leftAssociative(
      () => this.unary(),
      (token) => {
        if (token.kind === TokenKind.Symbol && token.value === "%")
          throw unsupported("operator %; use MOD(a, b)", token);
        return this.acceptOneSymbol("*", "/");
      },
    );
  }

  private unary(): Expression {
    const token = this.peek();
    if (this.acceptSymbol("-"))
      return { kind: "unary", operator: "-", operand: this.unary(), position: pos(token) };
    if (this.acceptSymbol("+"))
      return { kind: "unary", operator: "+", operand: this.unary(), position: pos(token) };
    return this.primary();
  }

  private primary(): Expression {
    const token = this.peek();
    const position = pos(token);
    switch (token.kind) {
      case TokenKind.Number:
        this.index++;
        return {
          kind: "literal",
          type: /^[0-9]+$/.test(token.value) ? "integer" : "decimal",
          value: token.value,
          position,
        };
      case TokenKind.String:
        this.index++;
        return { kind: "literal", type: "string", value: token.value, position };
      case TokenKind.QuotedIdentifier:
        return this.columnReference();
      case TokenKind.Symbol:
        if (this.acceptSymbol("(")) {
          const inner = this.peek();
          if (inner.kind === TokenKind.Word && inner.value === "SELECT")
            throw unsupported("subquery", inner);
          const expression = this.expression();
          this.expectSymbol(")");
          return expression;
        }
        throw this.unexpected("an expression");
      case TokenKind.End:
        throw this.unexpected("an expression");
      case TokenKind.Word:
        break;
    }
    switch (token.value) {
      case "NULL":
        this.index++;
        return { kind: "literal", type: "null", value: null, position };
      case "TRUE":
      case "FALSE":
        this.index++;
        return { kind: "literal", type: "boolean", value: token.value, position };
      case "CASE":
        this.index++;
        return this.caseExpression(position);
      case "CAST": {
        this.index++;
        this.expectSymbol("(");
        const operand = this.expression();
        this.expectWord("AS");
        const type = this.columnType();
        this.expectSymbol(")");
        return { kind: "cast", operand, type, position };
      }
      case "INTERVAL":
        return this.interval();
      case "TIMESTAMP": {
        const next = this.tokens[this.index + 1];
        if (next.kind === TokenKind.String) {
          this.index += 2;
          return { kind: "literal", type: "timestamp", value: next.value, position };
        }
        break;
      }
      case "EXISTS":
        throw unsupported("EXISTS", token);
    }
    const next = this.tokens[this.index + 1];
    if (next.kind === TokenKind.Symbol && next.value === "(") return this.call();
    if (reserved.has(token.value)) throw this.unexpected("an expression");
    return this.columnReference();
  }

  private columnReference(): Expression {
    const first = this.identifier("a column name");
    if (this.acceptSymbol(".")) {
      const second = this.identifier("a column name");
      return { kind: "column", qualifier: first.name, name: second.name, position: first.position };
    }
    return { kind: "column", qualifier: null, name: first.name, position: first.position };
  }

  private caseExpression(position: SourcePosition): Expression {
    let operand: Expression | null = null;
    if (!this.isWord("WHEN")) operand = this.expression();
    const whens: WhenClause[] = [];
    while (this.acceptWord("WHEN")) {
      const when = this.expression();
      this.expectWord("THEN");
      whens.push({ when, then: this.expression() });
    }
    if (whens.length === 0) throw this.unexpected("WHEN");
    let otherwise: Expression | null = null;
    if (this.acceptWord("ELSE")) otherwise = this.expression();
    this.expectWord("END");
    return { kind: "case", operand, whens, otherwise, position };
  }

  private interval(): Interval {
    const start = this.peek();
    this.expectWord("INTERVAL");
    const amountToken = this.peek();
    if (amountToken.kind !== TokenKind.String && amountToken.kind !== TokenKind.Number) {
      throw this.unexpected("an interval amount such as '24'");
    }
    this.index++;
    const unitToken = this.peek();
    if (unitToken.kind !== TokenKind.Word) throw this.unexpected("SECOND, MINUTE, HOUR or DAY");
    const unit = unitToken.value.replace(/S$/, "") as TimeUnit;
    if (!TimeUnits.includes(unit)) {
      throw new SqlLoadError(
        `Unknown window unit "${unitToken.value}" at ${at(pos(unitToken))}; expected SECOND, MINUTE, HOUR or DAY`,
        pos(unitToken),
      );
    }
    this.index++;
    // `INTERVAL '1:30' MINUTE TO SECOND` is refused as the construct, before its amount is read.
    const to = this.peek();
    if (this.acceptWord("TO")) throw unsupported(`INTERVAL ... ${unit} TO`, to);
    const amount = Number(amountToken.value.trim());
    if (!/^\s*[0-9]+\s*$/.test(amountToken.value) || amount <= 0) {
      throw new SqlLoadError(
        `Invalid interval amount ${JSON.stringify(amountToken.value)} at ${at(pos(amountToken))}; ` +
          "expected a positive whole number such as '24'",
        pos(amountToken),
      );
    }
    return {
      kind: "interval",
      amount,
      unit,
      milliseconds: amount * unitMilliseconds[unit],
      position: pos(start),
    };
  }

  private call(): Call {
    const nameToken = this.peek();
    this.index++;
    const name = nameToken.value;
    this.expectSymbol("(");
    const args: Expression[] = [];
    let star = false;
    let nulls: "RESPECT" | "IGNORE" | null = null;
    let trimSide: Call["trimSide"] = null;
    let toUnit: TimeUnit | null = null;
    const distinct = this.peek();
    if (this.acceptWord("DISTINCT")) throw unsupported(`${name}(DISTINCT ...)`, distinct);
    if (name === "TRIM") {
      ({ trimSide } = this.trimArguments(args));
    } else if (this.acceptSymbol("*")) {
      star = true;
    } else if (!this.isSymbol(")")) {
      args.push(this.expression());
      if (name === "SUBSTRING" && this.acceptWord("FROM")) {
        args.push(this.expression());
        if (this.acceptWord("FOR")) args.push(this.expression());
      } else if (
        (name === "FLOOR" || name === "CEIL" || name === "CEILING") &&
        this.acceptWord("TO")
      ) {
        const unitToken = this.peek();
        const unit = unitToken.value as TimeUnit;
        if (unitToken.kind !== TokenKind.Word || !TimeUnits.includes(unit)) {
          throw new SqlLoadError(
            `Unknown time unit "${unitToken.value}" at ${at(pos(unitToken))}; expected SECOND, MINUTE, HOUR or DAY`,
            pos(unitToken),
          );
        }
        this.index++;
        toUnit = unit;
      } else if (name === "STEP" && this.acceptWord("BY")) {
        args.push(this.interval());
      } else {
        while (this.acceptSymbol(",")) args.push(this.expression());
      }
      nulls = this.nullTreatment();
    }
    this.expectSymbol(")");
    const after = this.nullTreatment();
    if (after !== null) nulls = after;
    let over: WindowSpec | null = null;
    const overToken = this.peek();
    if (this.acceptWord("OVER")) over = this.window(overToken);
    return {
      kind: "call",
      name,
      args,
      star,
      nulls,
      over,
      trimSide,
      toUnit,
      position: pos(nameToken),
    };
  }

  private trimArguments(args: Expression[]): { trimSide: Call["trimSide"] } {
    let trimSide: Call["trimSide"] = null;
    for (const side of ["BOTH", "LEADING", "TRAILING"] as const) {
      if (this.acceptWord(side)) trimSide = side;
    }
    if (trimSide !== null && this.acceptWord("FROM")) {
      args.push(this.expression());
      return { trimSide };
    }
    const first = this.expression();
    if (this.acceptWord("FROM")) {
      args.push(this.expression(), first);
    } else {
      if (trimSide !== null) throw this.unexpected("FROM");
      args.push(first);
    }
    return { trimSide: trimSide ?? "BOTH" };
  }

  private nullTreatment(): "RESPECT" | "IGNORE" | null {
    const token = this.peek();
    if (token.kind !== TokenKind.Word || (token.value !== "RESPECT" && token.value !== "IGNORE"))
      return null;
    this.index++;
    this.expectWord("NULLS");
    return token.value;
  }

  private window(overToken: Token): WindowSpec {
    if (!this.isSymbol("(")) {
      const named = this.peek();
      throw unsupported("named window", named);
    }
    this.expectSymbol("(");
    const partitionBy: Expression[] = [];
    if (this.acceptWord("PARTITION")) {
      this.expectWord("BY");
      do partitionBy.push(this.expression());
      while (this.acceptSymbol(","));
    }
    const order = this.peek();
    if (this.acceptWord("ORDER")) {
      this.expectWord("BY");
      const key = this.peek();
      if (!(key.kind === TokenKind.Word && key.value === "ROWTIME")) {
        throw new SqlLoadError(
          `Unsupported window ORDER BY at ${at(pos(order))}; windows are ordered by ROWTIME only`,
          pos(order),
        );
      }
      this.index++;
    }
    const frame = this.frame();
    this.expectSymbol(")");
    return { partitionBy, frame, position: pos(overToken) };
  }

  private frame(): Frame {
    const token = this.peek();
    const expected = "ROWS n PRECEDING or RANGE INTERVAL 'n' unit PRECEDING";
    if (this.acceptWord("ROWS")) {
      const amount = this.peek();
      refuseUnboundedFrame("ROWS", amount, expected);
      if (amount.kind !== TokenKind.Number || !/^[0-9]+$/.test(amount.value)) {
        throw this.unexpected("a whole number of rows");
      }
      this.index++;
      this.expectWord("PRECEDING");
      return { kind: "rows", preceding: Number(amount.value) };
    }
    if (this.acceptWord("RANGE")) {
      refuseUnboundedFrame("RANGE", this.peek(), expected);
      if (!this.isWord("INTERVAL")) throw this.unexpected("INTERVAL 'n' unit");
      const interval = this.interval();
      this.expectWord("PRECEDING");
      return { kind: "range", interval };
    }
    throw new SqlLoadError(
      `Window without a frame at ${at(pos(token))}; expected ${expected}`,
      pos(token),
    );
  }

  private identifier(what: string): Identifier {
    const token = this.peek();
    if (
      token.kind === TokenKind.QuotedIdentifier ||
      (token.kind === TokenKind.Word && !reserved.has(token.value))
    ) {
      this.index++;
      return { name: token.value, position: pos(token) };
    }
    throw this.unexpected(what);
  }

  private peek(): Token {
    return this.tokens[this.index];
  }

  private isEnd(): boolean {
    return this.peek().kind === TokenKind.End;
  }

  private isWord(word: string): boolean {
    const token = this.peek();
    return token.kind === TokenKind.Word && token.value === word;
  }

  private isSymbol(symbol: string): boolean {
    const token = this.peek();
    return token.kind === TokenKind.Symbol && token.value === symbol;
  }

  private acceptWord(word: string): boolean {
    if (!this.isWord(word)) return false;
    this.index++;
    return true;
  }

  private acceptSymbol(symbol: string): boolean {
    if (!this.isSymbol(symbol)) return false;
    this.index++;
    return true;
  }

  private expectWord(word: string): void {
    if (!this.acceptWord(word)) throw this.unexpected(word);
  }

  private expectSymbol(symbol: string): void {
    if (!this.acceptSymbol(symbol)) throw this.unexpected(symbol);
  }

  private unexpected(expected: string): SqlLoadError {
    const token = this.peek();
    return new SqlLoadError(
      `Unexpected ${describe(token)} at ${at(pos(token))}; expected ${expected}`,
      pos(token),
    );
  }
}

function pos(token: Token): SourcePosition {
  return { line: token.line, column: token.column };
}

function describe(token: Token): string {
  switch (token.kind) {
    case TokenKind.End:
      return "end of input";
    case TokenKind.String:
      return `string '${token.value}'`;
    case TokenKind.QuotedIdentifier:
      return `identifier "${token.value}"`;
    default:
      return `"${token.value}"`;
  }
}

function unsupported(construct: string, token: Token): SqlLoadError {
  return new SqlLoadError(`Unsupported construct ${construct} at ${at(pos(token))}`, pos(token));
}

/**
 * Refuses the frames the emulator cannot keep bounded state for, `token` being the word after
 * ROWS or RANGE: UNBOUNDED PRECEDING (the window would grow without end) and BETWEEN.
 */
function refuseUnboundedFrame(unit: "ROWS" | "RANGE", token: Token, expected: string): void {
  if (token.kind !== TokenKind.Word) return;
  if (token.value === "UNBOUNDED") {
    throw new SqlLoadError(
      `Unsupported window frame ${unit} UNBOUNDED PRECEDING at ${at(pos(token))}; ` +
        `window state must be bounded: expected ${expected}`,
      pos(token),
    );
  }
  if (token.value === "BETWEEN") throw unsupported(`${unit} BETWEEN`, token);
}

function binary(
  operator: BinaryOperator,
  left: Expression,
  right: Expression,
  token: Token,
): Expression {
  return { kind: "binary", operator, left, right, position: pos(token) };
}
