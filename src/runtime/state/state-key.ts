/** How keys are compared in state maps. */

/** Map key for per-key state: primitives as they are, composite keys by a canonical string. */
export function stateKey(key: unknown): unknown {
  const t = typeof key;
  if (t === 'string' || t === 'number' || t === 'boolean' || t === 'bigint' || key === null || key === undefined) return key;
  if (key instanceof Date) return `D:${key.getTime()}`;
  return `K:${JSON.stringify(key, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v))}`;
}
