/**
 * The text table layout of repmgr 5 (`print_status_header` + `" %-*s "` / `"| %-*s "` cells): a header row,
 * a `---+---` rule, one row per node; every cell is left-aligned and padded to its column's widest value.
 */

/** Renders `rows` under `headers` exactly as repmgr prints `cluster show` / `service status`. */
export function repmgrTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => `${i === 0 ? " " : "| "}${c.padEnd(widths[i] as number)} `).join("");
  const rule = `-${widths.map((w) => "-".repeat(w)).join("-+-")}-`;
  return [line(headers), rule, ...rows.map(line)].map((l) => `${l}\n`).join("");
}
