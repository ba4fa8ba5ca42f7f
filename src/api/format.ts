/** How records print (print(), writeAsText): Flink's toString conventions where JavaScript has no own. */

/** Arrays print as Flink tuples `(a,1)`; objects as JSON; everything else as String(). */
export function formatRecord(v: unknown): string {
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return `(${v.map(formatRecord).join(',')})`;
  if (v instanceof Date) return v.toISOString();
  if (v !== null && typeof v === 'object') {
    if (v instanceof Map) return `{${[...v].map(([k, x]) => `${formatRecord(k)}=${formatRecord(x)}`).join(', ')}}`;
    if (v instanceof Set) return `[${[...v].map(formatRecord).join(', ')}]`;
    const own = (v as { toString?: unknown }).toString;
    if (typeof own === 'function' && own !== Object.prototype.toString) return String(v);
    try {
      return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));
    } catch {
      return String(v);
    }
  }
  return String(v);
}

/** One CSV row: arrays field by field, objects by their values, scalars alone. */
export function formatCsvRow(v: unknown, fieldDelimiter: string): string {
  if (Array.isArray(v)) return v.map(formatRecord).join(fieldDelimiter);
  if (v !== null && typeof v === 'object' && !(v instanceof Date)) {
    return Object.values(v as Record<string, unknown>).map(formatRecord).join(fieldDelimiter);
  }
  return formatRecord(v);
}
