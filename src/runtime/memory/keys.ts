/**
 * A total order on state keys (what `stateKey()` makes of a record's key: strings, numbers, booleans, bigints,
 * null, undefined), consistent with the equality of a Map: spilled hash tables are sorted by it and merged.
 */
const RANK: Record<string, number> = { undefined: 0, object: 1, boolean: 2, number: 3, bigint: 4, string: 5 };

export function compareStateKeys(a: unknown, b: unknown): number {
  const ta = typeof a;
  const tb = typeof b;
  if (ta === tb) {
    if (a === b) return 0;
    if (ta === 'number' && Number.isNaN(a) && Number.isNaN(b)) return 0;
    if (ta === 'number' && Number.isNaN(a)) return -1;
    if (ta === 'number' && Number.isNaN(b)) return 1;
    return (a as string) < (b as string) ? -1 : 1;
  }
  return (RANK[ta] ?? 6) - (RANK[tb] ?? 6);
}

/** Compares `[key, ...]` entries by their state key. */
export function compareEntries(a: readonly unknown[], b: readonly unknown[]): number {
  return compareStateKeys(a[0], b[0]);
}
