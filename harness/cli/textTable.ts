/**
 * Plain-text tables for the terminal.
 */

/**
 * Lays out rows under a header with columns padded to their widest cell.
 *
 * @example
 * formatTable(["a", "bb"], [["1", "2"]]) // -> "a  bb\n-  --\n1  2"
 */
export function formatTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i]))
      .join("  ")
      .trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

/**
 * Keeps the first and last rows of a long list, with a marker row between them, so a terminal
 * shows the shape of a long result without scrolling it away. `limit` 0 keeps everything.
 */
export function elide<T>(rows: readonly T[], limit: number, marker: (hidden: number) => T): T[] {
  if (limit <= 0 || rows.length <= limit) return [...rows];
  const head = Math.ceil(limit * 0.75);
  const tail = limit - head;
  return [...rows.slice(0, head), marker(rows.length - limit), ...rows.slice(rows.length - tail)];
}
