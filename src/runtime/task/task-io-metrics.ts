/**
 * What a task measures about itself beyond the counters of its input gate and record writers: how long it has
 * run, how much of that it was busy processing input or back-pressured, and the records each chain operator
 * received. `snapshot` puts it all together as the TaskMetrics the task reports once a second.
 */
import { performance } from 'node:perf_hooks';
import type { JobVertex } from '../../graph/index.js';
import type { InputGate } from '../network/input-gate.js';
import type { RecordWriter } from '../network/record-writer.js';
import type { OperatorCounts, TaskMetrics } from './task-types.js';

/** Java's Long.MIN_VALUE and (rounded up to the next double) Long.MAX_VALUE: Flink's watermark bounds. */
const LONG_MIN_DOUBLE = -(2 ** 63);
const LONG_MAX_DOUBLE = 2 ** 63;

export interface TaskIO {
  vertex: JobVertex;
  recordsIn: number;
  gate: InputGate | undefined;
  writers: ReadonlyArray<RecordWriter | undefined>;
  /** The last watermark handed to the head operator; undefined for sources. */
  inputWatermark: number | undefined;
}

export class TaskIOMetrics {
  /** Records handed to each operator of the chain by the one before it (the head's are the task's input). */
  readonly operatorIn: Array<{ n: number }>;
  /** Milliseconds spent processing input (see TaskMetrics.busyMs). */
  busyMs = 0;
  #runStart = Number.NaN;
  #backPressuredMs = 0;
  /** Since when the task is back-pressured; NaN while it is not. */
  #backPressuredSince = Number.NaN;

  constructor(operators: number) {
    this.operatorIn = Array.from({ length: operators }, () => ({ n: 0 }));
  }

  started(): void {
    this.#runStart = performance.now();
  }

  /** The task has input (or a source has records) but an output is full: back-pressured from now. */
  backPressureBegan(): void {
    if (Number.isNaN(this.#backPressuredSince)) this.#backPressuredSince = performance.now();
  }

  backPressureEnded(): void {
    if (Number.isNaN(this.#backPressuredSince)) return;
    this.#backPressuredMs += performance.now() - this.#backPressuredSince;
    this.#backPressuredSince = Number.NaN;
  }

  snapshot(t: TaskIO): TaskMetrics {
    let writeRecords = 0;
    let writeBytes = 0;
    let outPoolUsage = 0;
    for (const w of t.writers) {
      if (!w) continue;
      writeRecords += w.recordsOut;
      writeBytes += w.bytesOut;
      outPoolUsage = Math.max(outPoolUsage, w.poolUsage);
    }
    const now = performance.now();
    const m: TaskMetrics = {
      readRecords: t.recordsIn,
      readBytes: t.gate?.bytesIn ?? 0,
      writeRecords,
      writeBytes,
      runMs: Number.isNaN(this.#runStart) ? 0 : now - this.#runStart,
      backPressuredMs: this.#backPressuredMs + (Number.isNaN(this.#backPressuredSince) ? 0 : now - this.#backPressuredSince),
      inPoolUsage: t.gate?.poolUsage ?? 0,
      outPoolUsage,
      operators: this.#operatorCounts(t),
    };
    if (t.gate) m.busyMs = this.busyMs;
    if (t.inputWatermark !== undefined) m.inputWatermark = Math.min(LONG_MAX_DOUBLE, Math.max(LONG_MIN_DOUBLE, t.inputWatermark));
    return m;
  }

  /**
   * Each chain operator's records in and out. An operator's output is the count of its busiest target per output
   * tag: every target of a tag sees each record, so taking one of them counts a record once however many
   * operators or edges it fans out to.
   */
  #operatorCounts(t: TaskIO): OperatorCounts[] {
    return t.vertex.operators.map((spec, i) => {
      const perTag = new Map<string | undefined, number>();
      for (const o of spec.outputs) {
        const n = 'chained' in o ? (this.operatorIn[o.chained]?.n ?? 0) : (t.writers[o.edge]?.recordsOut ?? 0);
        perTag.set(o.tag, Math.max(perTag.get(o.tag) ?? 0, n));
      }
      let out = 0;
      for (const n of perTag.values()) out += n;
      return { recordsIn: i === 0 ? t.recordsIn : (this.operatorIn[i]?.n ?? 0), recordsOut: out };
    });
  }
}
