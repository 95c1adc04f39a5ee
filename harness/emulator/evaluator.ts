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
import type { BoundWindow, PumpPlan } from "./bound";
import { storeFunctionFor, type StoreFunction } from "./sqlTypes";
import { WindowGroup, windowHelpers, type PartitionKeys } from "./windows";

/** A group of windows with one PARTITION BY, its compiled key and its compiled step. */
interface GroupSlot {
  readonly group: WindowGroup;
  /** The PARTITION BY values of the row (empty for none). */
  readonly key: CompiledProjection | null;
  /** Steps every window of the group for one row, filling `windowValues` at their slots. */
  readonly step: (
    partition: number,
    rowtime: number,
    args: readonly SqlValue[],
    defaults: readonly SqlValue[],
    windowValues: SqlValue[],
  ) => void;
}

const noWindows: readonly SqlValue[] = [];
const noKey: readonly SqlValue[] = [];

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

function compileGroupStep(group: WindowGroup): GroupSlot["step"] {
  const slots = group.slots;
  const body =
    slots.map((slot) => `var a${slot} = a[${slot}], d${slot} = d[${slot}], w${slot};`).join("\n") +
    `\n${group.stepCode()}\n${group.checkCode()}\n` +
    slots.map((slot) => `w[${slot}] = w${slot};`).join("\n");
  return new Function(
    "S",
    "H",
    `"use strict";\nreturn function step(i, rt, a, d, w) {\n${body}\n};`,
  )(group.columns, windowHelpers) as GroupSlot["step"];
}

export class PumpRuntime {
  readonly name: string;
  readonly source: StreamInfo;
  readonly target: StreamInfo;
  readonly groups: readonly WindowGroup[];
  private readonly where: CompiledExpression | null;
  private readonly arguments: readonly (CompiledExpression | null)[];
  private readonly defaults: readonly (CompiledExpression | null)[];
  private readonly groupSlots: readonly GroupSlot[];
  private readonly projection: CompiledProjection;
  /** The target columns' INSERT rules, applied once the whole SELECT list is computed. */
  private readonly stores: readonly StoreFunction[];
  private readonly windowValues: SqlValue[];
  private readonly args: SqlValue[];
  private readonly fallbacks: SqlValue[];
  private readonly partitions: number[];

  constructor(plan: PumpPlan, overflow: "error" | "truncate", keys: PartitionKeys) {
    this.name = plan.name;
    this.source = plan.source;
    this.target = plan.target;
    this.where = plan.where === null ? null : compileCondition(plan.where);
    this.arguments = plan.windows.map((w) =>
      w.argument === null ? null : compileExpression(w.argument),
    );
    this.defaults = plan.windows.map((w) =>
      w.defaultValue === null ? null : compileExpression(w.defaultValue),
    );
    this.groups = groupWindows(plan.windows, keys);
    this.groupSlots = this.groups.map((group) => ({
      group,
      key: group.partitionBy.length === 0 ? null : compileProjection(group.partitionBy),
      step: compileGroupStep(group),
    }));
    this.projection = compileProjection(plan.projection);
    this.stores = plan.target.columns.map((column) =>
      storeFunctionFor(column.type, column.name, overflow),
    );
    this.windowValues = new Array(plan.windows.length).fill(null);
    this.args = new Array(plan.windows.length).fill(null);
    this.fallbacks = new Array(plan.windows.length).fill(null);
    this.partitions = new Array(this.groups.length).fill(0);
  }

  /**
   * The row this pump inserts for one input row, or null when WHERE rejects it. Throws
   * `SqlRowError` when the row fails: a value that cannot be computed (division by zero, a bad
   * CAST) or does not fit its column.
   */
  evaluate(values: readonly SqlValue[], rowtime: number): SqlValue[] | null {
    if (this.where !== null && this.where(values, rowtime, noWindows) !== true) return null;
    const { args, fallbacks, partitions, windowValues, groupSlots } = this;
    // Every window's inputs first: a row whose argument cannot be computed enters no window.
    for (let i = 0; i < args.length; i++) {
      const argument = this.arguments[i];
      const fallback = this.defaults[i];
      args[i] = argument === null ? 1 : (argument(values, rowtime, noWindows) ?? null);
      fallbacks[i] = fallback === null ? null : (fallback(values, rowtime, noWindows) ?? null);
    }
    for (let g = 0; g < groupSlots.length; g++) {
      const { group, key } = groupSlots[g];
      const keyValues = key === null ? noKey : key(values, rowtime, noWindows);
      partitions[g] = group.partition(group.mapKey(keyValues));
    }
    // Then every window takes the row; a SUM past the BIGINT range fails after all of them.
    for (let g = 0; g < groupSlots.length; g++)
      groupSlots[g].step(partitions[g], rowtime, args, fallbacks, windowValues);
    const row = this.projection(values, rowtime, windowValues);
    const stores = this.stores;
    for (let i = 0; i < stores.length; i++) row[i] = stores[i](row[i]);
    return row;
  }
}
