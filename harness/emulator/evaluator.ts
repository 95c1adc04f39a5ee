/**
 * The evaluator of one pump: for each input row, WHERE (SQL applies it before the window
 * functions, so filtered rows never enter a window), then the window functions, then the
 * projection, then the target columns' type rules (CHAR padding, overflow).
 */
import type { SqlValue, StreamInfo } from "./types";
import {
  compileCondition,
  compileExpression,
  compileProjection,
  type CompiledExpression,
  type CompiledProjection,
} from "./alasqlAdapter";
import type { BoundExpression, PumpPlan } from "./bound";
import type { SqlRowError } from "./errors";
import { NullType, RowErrorName, storeFunctionFor, storeRefusal } from "./sqlTypes";
import { partitionMapKey, WindowRuntime } from "./windows";

/** Why a pump could not insert a row, returned rather than thrown (see `storeRefusal`). */
export class RowFailure {
  constructor(
    readonly errorName: string,
    readonly message: string,
  ) {}

  static of(error: SqlRowError): RowFailure {
    return new RowFailure(error.errorName, error.message);
  }
}

interface WindowSlot {
  readonly runtime: WindowRuntime;
  readonly argument: CompiledExpression | null;
  readonly defaultValue: CompiledExpression | null;
  /** Computes the partition's map key from the row. */
  readonly key: (values: readonly SqlValue[], rowtime: number) => unknown;
}

const noWindows: readonly SqlValue[] = [];
const constant = (value: unknown): BoundExpression => ({ kind: "constant", value, type: NullType });
const constantKey = (): unknown => null;

export class PumpRuntime {
  readonly name: string;
  readonly source: StreamInfo;
  readonly target: StreamInfo;
  readonly windows: readonly WindowRuntime[];
  private readonly where: CompiledExpression | null;
  private readonly slots: readonly WindowSlot[];
  private readonly projection: CompiledProjection;
  private readonly windowValues: SqlValue[];

  constructor(plan: PumpPlan, overflow: "error" | "truncate") {
    this.name = plan.name;
    this.source = plan.source;
    this.target = plan.target;
    this.where = plan.where === null ? null : compileCondition(plan.where);
    this.slots = plan.windows.map((window) => {
      let key: WindowSlot["key"];
      if (window.partitionBy.length === 0) key = constantKey;
      else if (window.partitionBy.length === 1) {
        const single = compileExpression(window.partitionBy[0]);
        key = (values, rowtime) => single(values, rowtime, noWindows) ?? null;
      } else {
        const several = compileProjection(window.partitionBy);
        key = (values, rowtime) => partitionMapKey(several(values, rowtime, noWindows));
      }
      return {
        runtime: new WindowRuntime(window),
        argument: window.argument === null ? null : compileExpression(window.argument),
        defaultValue: window.defaultValue === null ? null : compileExpression(window.defaultValue),
        key,
      };
    });
    this.windows = this.slots.map((s) => s.runtime);
    // Each value is stored by its target column's rule (CHAR padding, overflow) inside the
    // compiled projection, so the row comes out ready to insert.
    this.projection = compileProjection(
      plan.projection.map((expression, i): BoundExpression => {
        const column = plan.target.columns[i];
        const store = storeFunctionFor(column.type);
        const args: BoundExpression[] =
          store === "STORE" || store === "STORE_REAL"
            ? [expression]
            : [expression, constant(column.type), constant(column.name), constant(overflow)];
        return { kind: "call", function: store, args, type: column.type };
      }),
    );
    this.windowValues = new Array(plan.windows.length).fill(null);
  }

  /**
   * The row this pump inserts for one input row, null when WHERE rejects it, or a `RowFailure`
   * when a value does not fit its column. Throws `SqlRowError` when a value cannot be computed
   * (division by zero, a bad CAST), which is rarer.
   */
  evaluate(values: readonly SqlValue[], rowtime: number): SqlValue[] | null | RowFailure {
    if (this.where !== null && this.where(values, rowtime, noWindows) !== true) return null;
    const slots = this.slots;
    const windowValues = this.windowValues;
    for (let i = 0; i < slots.length; i++) {
      const slot = slots[i];
      const argument = slot.argument === null ? 1 : slot.argument(values, rowtime, noWindows);
      const fallback =
        slot.defaultValue === null ? null : slot.defaultValue(values, rowtime, noWindows);
      windowValues[i] = slot.runtime.step(
        slot.key(values, rowtime),
        argument ?? null,
        rowtime,
        fallback ?? null,
      );
    }
    // Cleared first, so a refusal left by a row that then threw cannot leak into this one.
    storeRefusal.message = null;
    const output = this.projection(values, rowtime, windowValues);
    if (storeRefusal.message !== null) {
      const message = storeRefusal.message;
      storeRefusal.message = null;
      return new RowFailure(RowErrorName.ValueTooLong, message);
    }
    return output;
  }
}
