/**
 * A tiny harness for runtime operators: a fake OperatorContext that collects the output, and helpers that
 * drive an operator through open → records → end of input → close as a task would.
 */
import { tmpdir } from 'node:os';
import { TransformationRegistry, type TransformationInit } from '../../../src/api/transformation.js';
import type { AccumulatorKind, ElementTime, OperatorContext, OperatorFactory, StreamOperator } from '../../../src/runtime/operators/index.js';
import {
  HashMapStateBackend,
  keyGroupRangeForSubtask,
  KeyedStateNotAvailableError,
  stateRuntimeContext,
  type KeyedStateBackend,
  type OperatorStateBackend,
  type ProcessingTimeService,
  type StateBackend,
  type TaskInfo,
} from '../../../src/runtime/state/index.js';
import { EmbeddedLmdbStateBackend } from '../../../src/runtime/state/lmdb/index.js';
import { MemoryManager, type OperatorMemory } from '../../../src/runtime/memory/index.js';

/** The state backends keyed operators are tested on; the disk one commits every few writes, so tests cross commits. */
export const TESTED_STATE_BACKENDS: ReadonlyArray<{ name: string; create: () => StateBackend }> = [
  { name: 'hashmap', create: () => new HashMapStateBackend() },
  { name: 'embedded-lmdb', create: () => new EmbeddedLmdbStateBackend({ maxBufferedEntries: 3 }) },
];

let stateBackend: () => StateBackend = () => new HashMapStateBackend();
const openKeyedBackends: KeyedStateBackend[] = [];

/**
 * Call inside a describe block: its operators get keyed state from this backend, and the keyed backends they
 * created are closed after each test (tests may still read them after the operator closed).
 */
export function useStateBackend(backend: { create: () => StateBackend }): void {
  before(() => {
    stateBackend = backend.create;
  });
  afterEach(() => {
    for (const b of openKeyedBackends.splice(0)) b.close();
  });
  after(() => {
    stateBackend = () => new HashMapStateBackend();
  });
}

/** A wall clock the test moves by hand; due callbacks run when it is advanced. */
export class ManualClock implements ProcessingTimeService {
  private pending: Array<{ time: number; cb: (t: number) => void; cancelled: boolean }> = [];
  constructor(public now = 0) {}
  getCurrentProcessingTime(): number {
    return this.now;
  }
  registerTimer(time: number, cb: (t: number) => void): () => void {
    const e = { time, cb, cancelled: false };
    this.pending.push(e);
    return () => void (e.cancelled = true);
  }
  /** Moves the clock to `time`, running due callbacks in time order. */
  advanceTo(time: number): void {
    for (;;) {
      const due = this.pending.filter((e) => !e.cancelled && e.time <= time).sort((a, b) => a.time - b.time)[0];
      if (!due) break;
      this.pending.splice(this.pending.indexOf(due), 1);
      this.now = Math.max(this.now, due.time);
      due.cb(this.now);
    }
    this.now = time;
  }
}

export interface TestingContextOptions {
  subtask?: number;
  parallelism?: number;
  args?: string[];
  /** Whether the fake downstream accepts more records (drives available()/yield()). */
  available?: () => boolean;
  /** Whether the operator runs on a keyed stream (it gets keyed state). */
  keyed?: boolean;
  clock?: ManualClock;
  autoWatermarkInterval?: number;
  /** The operator's managed memory (tests of spilling give one with a tiny budget); default: 64 MiB in the temp dir. */
  memory?: OperatorMemory;
}

export class TestingOperatorContext {
  readonly output: unknown[] = [];
  /** The timestamp of each output record (NaN when it had none), parallel to `output`. */
  readonly timestamps: number[] = [];
  readonly watermarks: number[] = [];
  readonly statuses: boolean[] = [];
  readonly sideOutputs = new Map<string, unknown[]>();
  readonly element: ElementTime = { timestamp: Number.NaN };
  readonly clock: ManualClock;
  private keyedBackend: KeyedStateBackend | undefined;
  private operatorBackend: OperatorStateBackend | undefined;
  readonly accumulators = new Map<string, { kind: AccumulatorKind; value: unknown }>();
  readonly failures: unknown[] = [];
  yields = 0;
  availableSignals = 0;
  cancelled = false;
  readonly ctx: OperatorContext;

  constructor(init: Partial<TransformationInit> & { name?: string }, o: TestingContextOptions = {}) {
    const t = new TransformationRegistry().create({ name: 'Operator Under Test', ...init });
    const subtask = o.subtask ?? 0;
    const parallelism = o.parallelism ?? 1;
    const info: TaskInfo = {
      getTaskName: () => `${t.name} (${subtask + 1}/${parallelism})`,
      getIndexOfThisSubtask: () => subtask,
      getNumberOfParallelSubtasks: () => parallelism,
      getMaxNumberOfParallelSubtasks: () => 128,
      getAttemptNumber: () => 0,
      getJobId: () => 'f'.repeat(32),
      getJobParameters: () => o.args ?? [],
    };
    this.clock = o.clock ?? new ManualClock();
    const keyedStateBackend = (): KeyedStateBackend => {
      if (!o.keyed) throw new KeyedStateNotAvailableError('Keyed state', t.name);
      if (this.keyedBackend === undefined) {
        this.keyedBackend = stateBackend().createKeyedStateBackend({
          operatorName: t.name,
          maxParallelism: 128,
          keyGroupRange: keyGroupRangeForSubtask(128, parallelism, subtask),
          now: () => this.clock.now,
        });
        openKeyedBackends.push(this.keyedBackend);
      }
      return this.keyedBackend;
    };
    const operatorStateBackend = (): OperatorStateBackend => (this.operatorBackend ??= new HashMapStateBackend().createOperatorStateBackend(t.name));
    const runtime = stateRuntimeContext(info, keyedStateBackend, operatorStateBackend);
    const self = this;
    this.ctx = {
      transformation: t,
      params: t.params,
      output: {
        collect: (r) => {
          this.output.push(r);
          this.timestamps.push(this.element.timestamp);
        },
        emitWatermark: (wm) => void this.watermarks.push(wm),
        emitWatermarkStatus: (idle) => void this.statuses.push(idle),
        collectSide: (tag, r) => void this.sideOutputs.set(tag, [...(this.sideOutputs.get(tag) ?? []), r]),
      },
      runtime,
      subtask,
      parallelism,
      maxParallelism: 128,
      jobId: 'f'.repeat(32),
      taskName: runtime.getTaskName(),
      yield: async () => {
        this.yields++;
        await new Promise<void>((r) => setImmediate(r));
      },
      available: () => (o.available ? o.available() : true),
      setAccumulator: (name, kind, value) => void this.accumulators.set(name, { kind, value }),
      get cancelled() {
        return self.cancelled;
      },
      fail: (err) => void this.failures.push(err),
      signalAvailable: () => void this.availableSignals++,
      resolvePath: (p) => p,
      element: this.element,
      processingTime: this.clock,
      autoWatermarkInterval: o.autoWatermarkInterval ?? 200,
      keyed: o.keyed ?? false,
      keyedStateBackend,
      operatorStateBackend,
      memory: o.memory ?? new MemoryManager({ budgetBytes: 64 * 1024 * 1024, key: 'taskmanager.memory.managed.size', description: 'test', spillDirs: [tmpdir()] }).forOperator(t.name),
    };
  }
}

/**
 * One step of a driven operator: a record on a logical input (with an optional timestamp), a watermark, a
 * move of the wall clock, or the end of an input.
 */
export type Step = { record: unknown; input?: number; timestamp?: number } | { end: number } | { watermark: number } | { time: number };

/** Creates the operator, opens it, feeds the steps, ends every input not ended yet, closes it. */
export async function drive(factory: OperatorFactory, init: Partial<TransformationInit>, steps: Step[], o: TestingContextOptions & { inputs?: number } = {}): Promise<TestingOperatorContext> {
  const h = new TestingOperatorContext(init, o);
  const op: StreamOperator = factory(h.ctx);
  await op.open?.();
  const ended = new Set<number>();
  for (const s of steps) {
    if ('end' in s) {
      ended.add(s.end);
      await op.endInput?.(s.end);
    } else if ('watermark' in s) {
      if (op.processWatermark) op.processWatermark(s.watermark);
      else h.ctx.output.emitWatermark(s.watermark);
    } else if ('time' in s) {
      h.clock.advanceTo(s.time);
    } else {
      h.element.timestamp = s.timestamp ?? Number.NaN;
      if (o.keyed && !op.setsKeyContext && init.keySpec !== undefined) {
        const { toKeyExtractor } = await import('../../../src/api/keys.js');
        h.ctx.keyedStateBackend().setCurrentKey(toKeyExtractor(init.keySpec)(s.record));
      }
      op.processElement?.(s.record, s.input ?? 0);
    }
  }
  for (let i = 0; i < (o.inputs ?? 1); i++) if (!ended.has(i)) await op.endInput?.(i);
  await op.close?.();
  return h;
}

/** Runs a one-input operator over `records` and returns what it emitted. */
export async function runOneInput(factory: OperatorFactory, init: Partial<TransformationInit>, records: unknown[], o: TestingContextOptions = {}): Promise<unknown[]> {
  return (await drive(factory, init, records.map((record) => ({ record })), o)).output;
}

/** Runs a source operator and returns what it emitted. */
export async function runSource(factory: OperatorFactory, init: Partial<TransformationInit>, o: TestingContextOptions = {}): Promise<unknown[]> {
  const h = new TestingOperatorContext(init, o);
  const op = factory(h.ctx);
  await op.open?.();
  await op.run?.();
  await op.close?.();
  return h.output;
}
