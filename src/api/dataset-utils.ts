/**
 * Flink's DataSetUtils (ids for records) and the range partitioning behind `DataSet.partitionByRange`.
 *
 * ```ts
 * const withIds = DataSetUtils.zipWithUniqueId(words);  // [id, word], ids unique, not consecutive
 * const numbered = DataSetUtils.zipWithIndex(words);    // [0..n-1, word]
 * ```
 *
 * zipWithIndex and partitionByRange run two steps over the same partitions: a first pass (per-partition counts,
 * or a sample of the keys) is broadcast to the second through `withBroadcastSet`, as Flink plans them.
 */
import type { DataSet, Operator } from './dataset.js';
import type { Collector, RuntimeContext } from './functions.js';
import { toKeyExtractor } from './keys.js';
import type { KeySpec, Transformation } from './transformation.js';
import { SAME_AS_INPUT } from './transformation.js';
import { UsageError } from '../util/errors.js';

/** Keys sampled per partition to place the range boundaries (Flink samples too; this is the per-partition size). */
const SAMPLES_PER_PARTITION = 256;

/** Bits needed to write `value` (0 for 0), as Flink's DataSetUtils computes them. */
function bitSize(value: number): number {
  return value <= 0 ? 0 : Math.floor(Math.log2(value)) + 1;
}

export class DataSetUtils {
  /**
   * Pairs every record with an id unique in the data set, without coordination between partitions: the n-th
   * record of subtask t gets `(n << bits(parallelism - 1)) + t` (Flink's scheme), so ids are not consecutive.
   */
  static zipWithUniqueId<T>(input: DataSet<T>): Operator<[number, T]> {
    const fn = {
      shifter: 0,
      taskId: 0,
      open(ctx: RuntimeContext): void {
        this.shifter = 2 ** bitSize(ctx.getNumberOfParallelSubtasks() - 1);
        this.taskId = ctx.getIndexOfThisSubtask();
      },
      mapPartition(values: T[], out: Collector<[number, T]>): void {
        let n = 0;
        for (const v of values) {
          const id = n * this.shifter + this.taskId;
          if (!Number.isSafeInteger(id)) throw new UsageError('zipWithUniqueId: the ids left the range of safe integers (2^53); the data set is too large for it.');
          out.collect([id, v]);
          n++;
        }
      },
    };
    return input.op<[number, T]>('Zip With Unique Id', 'map-partition', [fn], { parallelism: SAME_AS_INPUT });
  }

  /**
   * Pairs every record with its position: indices 0..n-1, each once. The per-partition counts are computed first
   * and broadcast to the second pass, where each partition starts after the records of the partitions before it.
   */
  static zipWithIndex<T>(input: DataSet<T>): Operator<[number, T]> {
    const count = {
      task: 0,
      open(ctx: RuntimeContext): void {
        this.task = ctx.getIndexOfThisSubtask();
      },
      mapPartition(values: T[], out: Collector<[number, number]>): void {
        out.collect([this.task, values.length]);
      },
    };
    const counts = input.op<[number, number]>('Count Partition', 'map-partition', [count], { parallelism: SAME_AS_INPUT });
    const zip = {
      start: 0,
      open(ctx: RuntimeContext): void {
        const me = ctx.getIndexOfThisSubtask();
        this.start = 0;
        for (const [task, count] of ctx.getBroadcastVariable<[number, number]>('counts')) if (task < me) this.start += count;
      },
      mapPartition(values: T[], out: Collector<[number, T]>): void {
        let i = this.start;
        for (const v of values) out.collect([i++, v]);
      },
    };
    return input.op<[number, T]>('Zip With Index', 'map-partition', [zip], { parallelism: SAME_AS_INPUT }).withBroadcastSet(counts, 'counts');
  }
}

/**
 * Range partitioning: a sample of each partition's keys is broadcast to a tagging pass, which gives every record
 * the share of sampled keys below its key (in [0, 1)); a custom partitioner turns that share into a partition
 * index for however many partitions the next operator has. Partition i then holds keys no larger than partition
 * i+1's, with about the same number of records when keys are not skewed; equal keys share a partition.
 */
export function rangePartitioned<T>(input: DataSet<T>, key: KeySpec): Transformation {
  const sample = input.op<unknown>(
    'RangePartition: Sample',
    'map-partition',
    [
      (values: T[], out: Collector<unknown>): void => {
        const extract = toKeyExtractor(key);
        // An evenly spaced sample: deterministic, so a restarted job partitions the same way.
        const step = Math.max(1, values.length / SAMPLES_PER_PARTITION);
        for (let i = 0; i < values.length; i += step) out.collect(extract(values[Math.floor(i)] as T));
      },
    ],
    { parallelism: SAME_AS_INPUT },
  );
  const tag = {
    keys: [] as unknown[],
    open(ctx: RuntimeContext): void {
      this.keys = [...ctx.getBroadcastVariable<unknown>('RangeBoundaries')].sort(compareValues);
    },
    mapPartition(values: T[], out: Collector<[number, T]>): void {
      const extract = toKeyExtractor(key);
      const keys = this.keys;
      for (const v of values) {
        const k = extract(v);
        // The number of sampled keys below k (binary search).
        let lo = 0;
        let hi = keys.length;
        while (lo < hi) {
          const mid = (lo + hi) >>> 1;
          if (compareValues(keys[mid], k) < 0) lo = mid + 1;
          else hi = mid;
        }
        out.collect([keys.length === 0 ? 0 : lo / keys.length, v]);
      }
    },
  };
  const tagged = input.op<[number, T]>('RangePartition: Tag', 'map-partition', [tag], { parallelism: SAME_AS_INPUT }).withBroadcastSet(sample, 'RangeBoundaries');
  const env = input.env;
  const partitioner = (share: number, n: number): number => Math.min(n - 1, Math.floor(share * n));
  const part = env.create({ name: 'RangePartition', virtual: 'partition', partitioner: 'custom', keySpec: 0, fns: [partitioner], inputs: [tagged.transformation] });
  return env.create({ name: 'Partition', operator: 'map', fns: [(x: [number, T]) => x[1]], inputs: [part] });
}

/** Orders keys: numbers, strings, booleans, bigints, dates; arrays (composite keys) element by element. */
export function compareValues(a: unknown, b: unknown): number {
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      const c = compareValues(a[i], b[i]);
      if (c !== 0) return c;
    }
    return a.length - b.length;
  }
  if (a instanceof Date && b instanceof Date) return a.getTime() - b.getTime();
  const ta = typeof a;
  const tb = typeof b;
  if (ta !== tb) return ta < tb ? -1 : 1;
  return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
}

