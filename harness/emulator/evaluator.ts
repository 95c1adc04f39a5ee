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
import type { PumpPlan } from "./bound";
import { storeFunctionFor, type StoreFunction } from "./sqlTypes";
import { partitionMapKey, WindowRuntime } from "./windows";

interface WindowSlot {
  readonly runtime: WindowRuntime;
  readonly argument: CompiledExpression | null;
  readonly defaultValue: CompiledExpression | null;
  /** Computes the partition's map key from the row. */
  readonly key: (values: readonly SqlValue[], rowtime: number) => unknown;
}

const noWindows: readonly SqlValue[] = [];
const constantKey = (): unknown => null;

export class PumpRuntime {
  readonly name: string;
  readonly source: StreamInfo;
  readonly target: StreamInfo;
  readonly windows: readonly WindowRuntime[];
  private readonly where: CompiledExpression | null;
  private readonly slots: readonly WindowSlot[];
  private readonly projection: CompiledProjection;
  /** The target columns' INSERT rules, applied once the whole SELECT list is computed. */
  private readonly stores: readonly StoreFunction[];
  private readonly windowValues: SqlValue[];
  private readonly keys: unknown[];
  private readonly fallbacks: SqlValue[];

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
    this.projection = compileProjection(plan.projection);
    this.stores = plan.target.columns.map((column) =>
      storeFunctionFor(column.type, column.name, overflow),
    );
    this.windowValues = new Array(plan.windows.length).fill(null);
    this.keys = new Array(plan.windows.length).fill(null);
    this.fallbacks = new Array(plan.windows.length).fill(null);
  }

  /**
   * The row this pump inserts for one input row, or null when WHERE rejects it. Throws
   * `SqlRowError` when the row fails: a value that cannot be computed (division by zero, a bad
   * CAST) or does not fit its column.
   */
  evaluate(values: readonly SqlValue[], rowtime: number): SqlValue[] | null {
    if (this.where !== null && this.where(values, rowtime, noWindows) !== true) return null;
    const slots = this.slots;
    const windowValues = this.windowValues;
    const { keys, fallbacks } = this;
    // Every window's inputs first: a row whose argument cannot be computed enters no window.
    for (let i = 0; i < slots.length; i++) {
      const slot = slots[i];
      windowValues[i] =
        slot.argument === null ? 1 : (slot.argument(values, rowtime, noWindows) ?? null);
      fallbacks[i] =
        slot.defaultValue === null ? null : (slot.defaultValue(values, rowtime, noWindows) ?? null);
      keys[i] = slot.key(values, rowtime);
    }
    // Then every window takes the row, so a result that fails below fails after all of them.
    for (let i = 0; i < slots.length; i++) {
      windowValues[i] = slots[i].runtime.step(keys[i], windowValues[i], rowtime, fallbacks[i]);
    }
    for (let i = 0; i < slots.length; i++) slots[i].runtime.checkResult(windowValues[i]);
    const row = this.projection(values, rowtime, windowValues);
    const stores = this.stores;
    for (let i = 0; i < stores.length; i++) row[i] = stores[i](row[i]);
    return row;
  }
}
