/**
 * Estimates of how much heap a record takes. A hash table or sort buffer charges each record against the managed
 * memory; walking every record would cost as much as the operator's own work, so {@link RecordSizer} measures a
 * sample (the first records, then one in {@link SAMPLE_EVERY}) and charges the running average.
 */

/** After the first {@link WARM_UP} records, one record in this many is measured. A power of two (a mask). */
export const SAMPLE_EVERY = 64;
const WARM_UP = 64;
const MAX_DEPTH = 6;
/** Elements of a long array measured one by one; the rest are charged the average of those. */
const ARRAY_SAMPLE = 16;

/**
 * The approximate heap bytes of a value (V8, 64-bit): a header per object, a word per slot, strings by length.
 * Shared hidden classes and interned strings are not charged; it aims at the right order, not at the byte.
 */
export function estimateSize(value: unknown, depth = 0): number {
  switch (typeof value) {
    case 'number':
      return 16;
    case 'string':
      return 24 + ((value.length + 7) & ~7);
    case 'boolean':
    case 'undefined':
      return 8;
    case 'bigint':
      return 24;
    case 'object': {
      if (value === null) return 8;
      if (depth >= MAX_DEPTH) return 64;
      if (Array.isArray(value)) {
        const n = value.length;
        let sum = 0;
        const m = Math.min(n, ARRAY_SAMPLE);
        for (let i = 0; i < m; i++) sum += estimateSize(value[i], depth + 1);
        return 32 + 8 * n + (m === 0 ? 0 : (sum / m) * n);
      }
      if (ArrayBuffer.isView(value)) return 96 + value.byteLength;
      if (value instanceof Date) return 32;
      if (value instanceof Map || value instanceof Set) {
        let sum = 64;
        for (const e of value) sum += 40 + estimateSize(e, depth + 1);
        return sum;
      }
      let sum = 24;
      for (const k in value) sum += 8 + estimateSize((value as Record<string, unknown>)[k], depth + 1);
      return sum;
    }
    default:
      return 32;
  }
}

/** Charges each record the running average of a sample of measured records. */
export class RecordSizer {
  private seen = 0;
  private measured = 0;
  private total = 0;
  /** The average so far, in bytes; what each unmeasured record is charged. */
  average = 64;

  size(record: unknown): number {
    const n = ++this.seen;
    if (n <= WARM_UP || (n & (SAMPLE_EVERY - 1)) === 0) {
      this.total += estimateSize(record);
      this.average = Math.ceil(this.total / ++this.measured);
    }
    return this.average;
  }
}
