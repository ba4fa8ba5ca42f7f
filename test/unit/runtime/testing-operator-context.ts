/**
 * A tiny harness for runtime operators: a fake OperatorContext that collects the output, and helpers that
 * drive an operator through open → records → end of input → close as a task would.
 */
import type { RuntimeContext } from '../../../src/api/functions.js';
import { TransformationRegistry, type TransformationInit } from '../../../src/api/transformation.js';
import type { AccumulatorKind, OperatorContext, OperatorFactory, StreamOperator } from '../../../src/runtime/operators/index.js';

export interface TestingContextOptions {
  subtask?: number;
  parallelism?: number;
  args?: string[];
  /** Whether the fake downstream accepts more records (drives available()/yield()). */
  available?: () => boolean;
}

export class TestingOperatorContext {
  readonly output: unknown[] = [];
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
    const runtime: RuntimeContext = {
      getTaskName: () => `${t.name} (${subtask + 1}/${parallelism})`,
      getIndexOfThisSubtask: () => subtask,
      getNumberOfParallelSubtasks: () => parallelism,
      getMaxNumberOfParallelSubtasks: () => 128,
      getAttemptNumber: () => 0,
      getJobId: () => 'f'.repeat(32),
      getJobParameters: () => o.args ?? [],
    };
    const self = this;
    this.ctx = {
      transformation: t,
      params: t.params,
      output: { collect: (r) => void this.output.push(r) },
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
    };
  }
}

/** One step of a driven operator: a record on a logical input, or the end of an input. */
export type Step = { record: unknown; input?: number } | { end: number };

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
    } else {
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
