/**
 * Key specifications (`keyBy(r => r.word)`, `keyBy('word')`, `keyBy(0)`, `groupBy(0, 1)`) turned into
 * key extractor functions. Composite keys become arrays, which the codec hashes element by element.
 */
import type { KeySpec } from './transformation.js';
import { UsageError } from '../util/errors.js';

export type KeyExtractor = (record: unknown) => unknown;

export function toKeyExtractor(spec: KeySpec): KeyExtractor {
  if (typeof spec === 'function') return spec as KeyExtractor;
  if (typeof spec === 'object' && spec !== null && !Array.isArray(spec)) {
    const sel = spec as { getKey?: unknown };
    if (typeof sel.getKey === 'function') return (r) => (sel.getKey as (v: unknown) => unknown).call(spec, r);
    throw new UsageError('A key selector object needs a getKey(value) method.');
  }
  if (Array.isArray(spec)) {
    const parts = spec.map((s) => fieldExtractor(s as string | number));
    if (parts.length === 1) return parts[0] as KeyExtractor;
    return (r) => parts.map((p) => p(r));
  }
  return fieldExtractor(spec as string | number);
}

/** Reads a tuple position (number) or a field name (string, dotted paths allowed) of a record. */
export function fieldExtractor(field: string | number): KeyExtractor {
  if (typeof field === 'number') {
    if (!Number.isInteger(field) || field < 0) throw new UsageError(`Invalid tuple position ${field}: use an integer >= 0.`);
    return (r) => {
      if (!Array.isArray(r)) throw new UsageError(`Key position ${field} needs array (tuple) records, got ${describe(r)}.`);
      return r[field];
    };
  }
  if (field === '*') return (r) => r;
  const path = field.split('.');
  if (path.length === 1) {
    return (r) => {
      if (r === null || typeof r !== 'object') throw new UsageError(`Key field '${field}' needs object records, got ${describe(r)}.`);
      return (r as Record<string, unknown>)[field];
    };
  }
  return (r) => {
    let cur: unknown = r;
    for (const p of path) {
      if (cur === null || typeof cur !== 'object') throw new UsageError(`Key field '${field}' not found in ${describe(r)}.`);
      cur = (cur as Record<string, unknown>)[p];
    }
    return cur;
  };
}

/** Writes a field of a record, returning a new record (tuples are copied, objects shallow-copied). */
export function fieldUpdater(field: string | number): (record: unknown, value: unknown) => unknown {
  if (typeof field === 'number') {
    return (r, v) => {
      const copy = (r as unknown[]).slice();
      copy[field] = v;
      return copy;
    };
  }
  return (r, v) => ({ ...(r as Record<string, unknown>), [field]: v });
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `a ${typeof v} (${String(v).slice(0, 40)})`;
}
