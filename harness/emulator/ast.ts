/**
 * The syntax tree the parser builds. Nodes are plain readonly data and are never mutated after
 * parsing: the planner binds them into a separate tree.
 */
import type { ColumnType } from "./types";
import type { SourcePosition } from "./errors";

export type Statement = CreateStream | CreatePump;

export interface ColumnDefinition {
  readonly name: string;
  readonly type: ColumnType;
  readonly position: SourcePosition;
}

/** `CREATE [OR REPLACE] STREAM "X" (columns)`. */
export interface CreateStream {
  readonly kind: "createStream";
  readonly name: string;
  readonly orReplace: boolean;
  readonly columns: readonly ColumnDefinition[];
  readonly position: SourcePosition;
}

/** `CREATE [OR REPLACE] PUMP "P" AS INSERT INTO "X" [(cols)] SELECT STREAM ...`. */
export interface CreatePump {
  readonly kind: "createPump";
  readonly name: string;
  readonly orReplace: boolean;
  readonly target: Identifier;
  readonly targetColumns: readonly Identifier[] | null;
  readonly select: Select;
  readonly position: SourcePosition;
}

export interface Identifier {
  readonly name: string;
  readonly position: SourcePosition;
}

export interface SelectItem {
  /** `null` for `*`. */
  readonly expression: Expression | null;
  readonly alias: string | null;
  readonly position: SourcePosition;
}

export interface Select {
  readonly items: readonly SelectItem[];
  readonly from: Identifier;
  readonly fromAlias: string | null;
  readonly where: Expression | null;
  readonly position: SourcePosition;
}

export type Expression =
  Literal | ColumnReference | Unary | Binary | IsNull | Case | Cast | Call | Interval;

interface Node {
  readonly position: SourcePosition;
}

export interface Literal extends Node {
  readonly kind: "literal";
  readonly type: "string" | "integer" | "decimal" | "boolean" | "null" | "timestamp";
  /** The literal's text (unescaped for strings); `null` for NULL. */
  readonly value: string | null;
}

/** `"col"`, `col`, `s."col"` or `ROWTIME`. */
export interface ColumnReference extends Node {
  readonly kind: "column";
  readonly qualifier: string | null;
  readonly name: string;
}

export interface Unary extends Node {
  readonly kind: "unary";
  readonly operator: "-" | "+" | "NOT";
  readonly operand: Expression;
}

export const BinaryOperators = [
  "+",
  "-",
  "*",
  "/",
  "||",
  "=",
  "<>",
  "<",
  "<=",
  ">",
  ">=",
  "AND",
  "OR",
] as const;
export type BinaryOperator = (typeof BinaryOperators)[number];

export interface Binary extends Node {
  readonly kind: "binary";
  readonly operator: BinaryOperator;
  readonly left: Expression;
  readonly right: Expression;
}

export interface IsNull extends Node {
  readonly kind: "isNull";
  readonly negated: boolean;
  readonly operand: Expression;
}

export interface WhenClause {
  readonly when: Expression;
  readonly then: Expression;
}

/** Searched (`operand` null) or simple CASE. */
export interface Case extends Node {
  readonly kind: "case";
  readonly operand: Expression | null;
  readonly whens: readonly WhenClause[];
  readonly otherwise: Expression | null;
}

export interface Cast extends Node {
  readonly kind: "cast";
  readonly operand: Expression;
  readonly type: ColumnType;
}

export const TimeUnits = ["SECOND", "MINUTE", "HOUR", "DAY"] as const;
export type TimeUnit = (typeof TimeUnits)[number];

/** `INTERVAL '24' HOUR`: only inside windows and STEP. */
export interface Interval extends Node {
  readonly kind: "interval";
  readonly amount: number;
  readonly unit: TimeUnit;
  readonly milliseconds: number;
}

/** A window frame: `ROWS n PRECEDING` or `RANGE INTERVAL 'n' unit PRECEDING`. */
export type Frame =
  | { readonly kind: "rows"; readonly preceding: number }
  | { readonly kind: "range"; readonly interval: Interval };

export interface WindowSpec {
  readonly partitionBy: readonly Expression[];
  readonly frame: Frame;
  readonly position: SourcePosition;
}

/**
 * A function call. `nulls` is set by `RESPECT NULLS` / `IGNORE NULLS`, written inside the
 * parentheses or after them; `over` makes it a window function. `star` is `COUNT(*)`.
 * Keyword arguments are normalised: `SUBSTRING(s FROM a FOR b)` has args `[s, a, b]`,
 * `TRIM(LEADING 'x' FROM s)` has `trimSide` and args `[s, 'x']`, `FLOOR(ts TO HOUR)` has `toUnit`.
 */
export interface Call extends Node {
  readonly kind: "call";
  readonly name: string;
  readonly args: readonly Expression[];
  readonly star: boolean;
  readonly nulls: "RESPECT" | "IGNORE" | null;
  readonly over: WindowSpec | null;
  readonly trimSide: "BOTH" | "LEADING" | "TRAILING" | null;
  readonly toUnit: TimeUnit | null;
}
