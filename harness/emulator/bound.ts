/**
 * The planner's output: expressions resolved against a pump's input stream, typed, with window
 * function calls replaced by slots the evaluator fills. This is a new tree; the AST stays as
 * parsed.
 */
import type { SqlValue, StreamInfo } from "./types";
import type { SqlType } from "./sqlTypes";

export type BoundExpression =
  | { readonly kind: "input"; readonly index: number; readonly type: SqlType }
  | { readonly kind: "rowtime"; readonly type: SqlType }
  | { readonly kind: "window"; readonly slot: number; readonly type: SqlType }
  | { readonly kind: "literal"; readonly value: SqlValue; readonly type: SqlType }
  /** A JavaScript value passed to a function as is (a type descriptor, a period in ms). */
  | { readonly kind: "constant"; readonly value: unknown; readonly type: SqlType }
  /** An operator (`ADD_BIGINT`, `CONCAT`, `EQ`, ...) or a function (`TO_TIMESTAMP`, `CAST`). */
  | {
      readonly kind: "call";
      readonly function: string;
      readonly args: readonly BoundExpression[];
      readonly type: SqlType;
    }
  | {
      readonly kind: "case";
      readonly whens: readonly { readonly when: BoundExpression; readonly then: BoundExpression }[];
      readonly otherwise: BoundExpression | null;
      readonly type: SqlType;
    };

export const WindowFunctions = [
  "LAG",
  "LAST_VALUE",
  "FIRST_VALUE",
  "COUNT",
  "SUM",
  "MIN",
  "MAX",
  "AVG",
] as const;
export type WindowFunctionName = (typeof WindowFunctions)[number];

export type BoundFrame =
  | { readonly kind: "rows"; readonly preceding: number }
  | { readonly kind: "range"; readonly milliseconds: number };

/** One window function call of a pump, computed by the harness with per-partition state. */
export interface BoundWindow {
  /** Stable id used in snapshots: `<pump name>#<position among the pump's windows>`. */
  readonly id: string;
  readonly function: WindowFunctionName;
  /** The argument; null for `COUNT(*)`. */
  readonly argument: BoundExpression | null;
  /** LAG's offset (1 by default); 0 for the other functions. */
  readonly offset: number;
  /** LAG's default value, evaluated on the current row; null when absent. */
  readonly defaultValue: BoundExpression | null;
  readonly ignoreNulls: boolean;
  readonly partitionBy: readonly BoundExpression[];
  readonly frame: BoundFrame;
  readonly type: SqlType;
}

/** One pump: `INSERT INTO target SELECT STREAM projection FROM source WHERE where`. */
export interface PumpPlan {
  readonly name: string;
  readonly source: StreamInfo;
  readonly target: StreamInfo;
  readonly where: BoundExpression | null;
  readonly windows: readonly BoundWindow[];
  /** One expression per target column, in the target's column order. */
  readonly projection: readonly BoundExpression[];
}

export interface ApplicationPlan {
  readonly source: StreamInfo;
  /** Source, declared streams and `error_stream`, by name. */
  readonly streams: ReadonlyMap<string, StreamInfo>;
  /** Pumps in dependency order: a pump comes after every pump that feeds its source. */
  readonly pumps: readonly PumpPlan[];
}
