/** How keys are compared in state maps. */

/**
 * Map key for per-key state: primitives as they are, composite keys by a canonical string with a `K:` (or,
 * for dates, `D:`) prefix. A string key that itself starts with such a prefix (or with the escape `S:`) gets
 * `S:` in front, so no string can stand for a composite key or a date.
 */
export function stateKey(key: unknown): unknown {
  const t = typeof key;
  if (t === 'string') return isPrefixed(key as string) ? `S:${key as string}` : key;
  if (t === 'number' || t === 'boolean' || t === 'bigint' || key === null || key === undefined) return key;
  if (key instanceof Date) return `D:${key.getTime()}`;
  return `K:${JSON.stringify(key, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v))}`;
}

/** The key stateKey() was given (composite keys come back as equal copies, without their prototypes). */
export function keyFromStateKey(k: unknown): unknown {
  if (typeof k !== 'string' || !isPrefixed(k)) return k;
  const rest = k.slice(2);
  switch (k.charCodeAt(0)) {
    case 75 /* K */:
      return JSON.parse(rest) as unknown;
    case 68 /* D */:
      return new Date(Number(rest));
    default:
      return rest;
  }
}

/** Whether a string starts with `K:`, `D:` or `S:` (checked by char code: this runs for every string key). */
function isPrefixed(s: string): boolean {
  if (s.length < 2 || s.charCodeAt(1) !== 58 /* : */) return false;
  const c = s.charCodeAt(0);
  return c === 75 /* K */ || c === 68 /* D */ || c === 83 /* S */;
}
