/**
 * Text tables as mmseg prints them in its logs (the per-class IoU / Acc table and the summary), which is
 * PrettyTable's default style: `+---+` rules, one space of padding, centred unless told otherwise.
 */

/** Alignment of a column: left, centre or right. */
export type Align = 'l' | 'c' | 'r';

export interface TableOptions {
  /** One alignment for every column, or one per column; default 'c' (PrettyTable's default). */
  align?: Align | readonly Align[];
}

/** A cell as PrettyTable prints a Python float: 90 → '90.0', NaN → 'nan', ±Infinity → 'inf' / '-inf'. */
function cellText(value: string | number): string {
  if (typeof value === 'string') return value;
  if (Number.isNaN(value)) return 'nan';
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  return Number.isInteger(value) ? value.toFixed(1) : String(value);
}

/** `text` padded to `width` as PrettyTable pads; centring puts the odd space where Python's `str.center` does. */
function justify(text: string, width: number, align: Align): string {
  const excess = width - text.length;
  if (align === 'l') return text + ' '.repeat(excess);
  if (align === 'r') return ' '.repeat(excess) + text;
  const half = Math.floor(excess / 2);
  const [left, right] = excess % 2 === 0 ? [half, half] : text.length % 2 ? [half, half + 1] : [half + 1, half];
  return ' '.repeat(left) + text + ' '.repeat(right);
}

/**
 * A table as text, lines joined by '\n' without a final newline, e.g.
 * ```
 * +-------+-------+
 * | Class |  IoU  |
 * +-------+-------+
 * |  wall | 77.39 |
 * +-------+-------+
 * ```
 * Numbers print as Python floats (so `formatTable` matches mmseg's output for the same values); pass strings
 * for any other format.
 */
export function formatTable(
  headers: readonly string[],
  rows: readonly (readonly (string | number)[])[],
  options: TableOptions = {},
): string {
  const cells = rows.map((row, r) => {
    if (row.length !== headers.length) {
      throw new Error(`formatTable: row ${r} has ${row.length} cells for ${headers.length} columns`);
    }
    return row.map(cellText);
  });
  const widths = headers.map((h, c) => Math.max(h.length, ...cells.map((row) => row[c].length)));
  const align = (c: number): Align => (typeof options.align === 'string' ? options.align : options.align?.[c] ?? 'c');
  const line = (texts: readonly string[]) => `| ${texts.map((t, c) => justify(t, widths[c], align(c))).join(' | ')} |`;
  const rule = `+${widths.map((w) => '-'.repeat(w + 2)).join('+')}+`;
  return [rule, line(headers), rule, ...cells.map(line), rule].join('\n');
}
