/**
 * A task: one subtask of a JobGraph vertex, i.e. one operator chain. It reads buffers from its input
 * gate (or runs its source), pushes records through the chain by plain calls, writes to its record
 * writers, and pauses its input whenever a writer or a sink is back-pressured.
 */
import { isAbsolute, resolve } from 'node:path';
import type { RuntimeContext } from '../../api/functions.js';
import type { Transformation } from '../../api/transformation.js';
import { toKeyExtractor } from '../../api/keys.js';
import type { JobGraph, JobVertex } from '../../graph/index.js';
import { computeDefaultMaxParallelism, encodeRecord, RecordReader } from '../codec/index.js';
import { consumersOf, producersOf } from '../network/connectivity.js';
import { InputGate } from '../network/input-gate.js';
import { RecordWriter } from '../network/record-writer.js';
import type { ChannelRouter } from '../network/channel-router.js';
import { OPERATORS, type AccumulatorKind, type OperatorContext, type Output, type StreamOperator } from '../operators/index.js';
import { FlinkError } from '../../util/errors.js';

export interface TaskSettings {
  bufferSize: number;
  initialCredits: number;
  maxBacklog: number;
}

export interface TaskMetrics {
  readRecords: number;
  readBytes: number;
  writeRecords: number;
  writeBytes: number;
}

export interface TaskResult {
  accumulators: Record<string, { kind: AccumulatorKind; data: string }>;
  metrics: TaskMetrics;
}

export class StreamTask {
  readonly name: string;
  readonly writers: RecordWriter[] = [];
  readonly gate: InputGate | undefined;
  private readonly operators: StreamOperator[] = [];
  private readonly accumulators = new Map<string, { kind: AccumulatorKind; value: unknown }>();
  private readonly waiters: Array<() => void> = [];
  private drainWaiter: (() => void) | undefined;
  private scheduled = false;
  /**
   * Set once every operator's open() returned. An end-of-input event needs no credit, so it can arrive
   * before then (an upstream task with no data ends at once); processing it early would end a sink that
   * has not opened its file yet, and the file would never be written.
   */
  private opened = false;
  private endingInput = false;
  private failed = false;
  private finished = false;
  cancelled = false;
  private recordsIn = 0;
  private resolveDone!: (r: TaskResult) => void;
  private rejectDone!: (e: unknown) => void;
  /** Settles when the task finished (its output handed on) or failed. */
  readonly done: Promise<TaskResult>;

  constructor(
    private readonly job: JobGraph,
    readonly vertex: JobVertex,
    readonly subtask: number,
    transformations: Map<number, Transformation>,
    router: ChannelRouter,
    settings: TaskSettings,
  ) {
    this.done = new Promise((res, rej) => {
      this.resolveDone = res;
      this.rejectDone = rej;
    });
    this.done.catch(() => {});
    this.name = `${vertex.name} (${subtask + 1}/${vertex.parallelism})`;
    const maxParallelism = (v: JobVertex): number => (v.maxParallelism > 0 ? v.maxParallelism : computeDefaultMaxParallelism(v.parallelism));

    for (const e of vertex.outputs) {
      const edge = job.edges[e] as JobGraph['edges'][number];
      const target = job.vertices[edge.target] as JobVertex;
      const partNode = edge.partitionRef === null ? undefined : transformations.get(edge.partitionRef);
      this.writers[e] = new RecordWriter({
        edge: e,
        producer: subtask,
        consumers: consumersOf(edge.partitioner, vertex.parallelism, target.parallelism, subtask),
        consumerParallelism: target.parallelism,
        maxParallelism: maxParallelism(target),
        partitioner: edge.partitioner,
        ...(partNode?.keySpec !== undefined ? { key: toKeyExtractor(partNode.keySpec) } : {}),
        ...(edge.partitioner === 'custom' ? { customPartition: customPartitioner(partNode) } : {}),
        bufferSize: settings.bufferSize,
        maxBacklog: settings.maxBacklog,
        router,
        onCredit: () => this.onCredit(),
      });
    }

    if (vertex.inputs.length > 0) {
      const gate = new InputGate(router, settings.initialCredits, () => this.schedule());
      for (const e of vertex.inputs) {
        const edge = job.edges[e] as JobGraph['edges'][number];
        const source = job.vertices[edge.source] as JobVertex;
        for (const p of producersOf(edge.partitioner, source.parallelism, vertex.parallelism, subtask)) {
          gate.addChannel({ edge: e, producer: p, consumer: subtask }, edge.targetInput);
        }
      }
      this.gate = gate;
    }

    // Build the chain back to front so each operator's output exists when it is created.
    const runtime = this.runtimeContext(maxParallelism(vertex));
    const ops: StreamOperator[] = new Array(vertex.operators.length);
    for (let i = vertex.operators.length - 1; i >= 0; i--) {
      const spec = vertex.operators[i] as JobVertex['operators'][number];
      const factory = OPERATORS[spec.operator];
      const t = transformations.get(spec.id);
      if (!factory || !t) throw new FlinkError('UNKNOWN_OPERATOR', `Operator ${spec.name} (${spec.operator}) cannot be created on this TaskManager.`);
      const targets: Output[] = spec.outputs.map((o) => {
        if ('chained' in o) {
          const next = ops[o.chained] as StreamOperator;
          return { collect: (r: unknown) => (next.processElement as (r: unknown, i: number) => void)(r, 0) };
        }
        const w = this.writers[o.edge] as RecordWriter;
        return { collect: (r: unknown) => w.emit(r) };
      });
      const output: Output =
        targets.length === 1 ? (targets[0] as Output) : targets.length === 0 ? { collect: () => {} } : { collect: (r) => { for (const t2 of targets) t2.collect(r); } };
      ops[i] = factory(this.operatorContext(t, output, runtime, maxParallelism(vertex)));
    }
    this.operators = ops;
  }

  /** Opens the chain and starts consuming (or producing, for a source). */
  start(): void {
    void this.run().catch((err) => this.fail(err));
  }

  private async run(): Promise<void> {
    for (let i = this.operators.length - 1; i >= 0; i--) await this.operators[i]?.open?.();
    this.opened = true;
    const head = this.operators[0] as StreamOperator;
    if (this.gate) {
      this.gate.start();
      this.schedule();
      return;
    }
    if (!head.run) throw new FlinkError('NO_INPUT', `${this.name} has neither inputs nor a source.`);
    await head.run();
    if (!this.cancelled) await this.endChain(1);
  }

  /** Flushes partly filled buffers (the buffer timeout). */
  flushOutputs(): void {
    if (this.finished || this.failed) return;
    for (const w of this.writers) w?.flushAll();
  }

  isAvailable(): boolean {
    for (const w of this.writers) if (w && !w.available) return false;
    for (const op of this.operators) if (op.available && !op.available()) return false;
    return true;
  }

  cancel(): void {
    this.cancelled = true;
    this.signalAvailable();
  }

  private onCredit(): void {
    if (this.drainWaiter) {
      if (this.writers.every((w) => !w || w.drained)) {
        const w = this.drainWaiter;
        this.drainWaiter = undefined;
        w();
      }
      return;
    }
    if (this.waiters.length > 0 || (this.gate?.hasPending() ?? false)) this.signalAvailable();
  }

  private signalAvailable(): void {
    if (!this.isAvailable() && !this.cancelled) return;
    for (const w of this.waiters.splice(0)) w();
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled || !this.gate || !this.opened) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.processInput();
    });
  }

  private processInput(): void {
    const gate = this.gate as InputGate;
    if (this.endingInput || this.failed || this.finished) return;
    const head = this.operators[0] as StreamOperator;
    const process = head.processElement as (r: unknown, input: number) => void;
    let budget = 64;
    try {
      while (budget-- > 0 && gate.hasPending() && this.isAvailable()) {
        const it = gate.poll();
        if (!it) break;
        if (it.item === 'end') {
          if (gate.channelEnded(it.channel)) {
            this.endingInput = true;
            const input = it.channel.input;
            void this.endInput(input).catch((err) => this.fail(err));
            return;
          }
          continue;
        }
        const reader = new RecordReader(it.item);
        const input = it.channel.input;
        let n = 0;
        while (reader.hasNext()) {
          process(reader.next(), input);
          n++;
        }
        this.recordsIn += n;
        gate.consumed(it.channel);
      }
    } catch (err) {
      this.fail(err);
      return;
    }
    if (gate.hasPending() && this.isAvailable()) this.schedule();
  }

  private async endInput(input: number): Promise<void> {
    const gate = this.gate as InputGate;
    await (this.operators[0] as StreamOperator).endInput?.(input);
    if (gate.allEnded()) {
      await this.endChain(1);
    } else {
      this.endingInput = false;
      this.schedule();
    }
  }

  /** Ends the input of chain operators from `from` on, in chain order, then finishes the task. */
  private async endChain(from: number): Promise<void> {
    for (let i = from; i < this.operators.length; i++) await this.operators[i]?.endInput?.(0);
    for (const w of this.writers) w?.finish();
    for (const op of this.operators) await op.close?.();
    this.finished = true;
    await this.waitDrained();
    const accumulators: TaskResult['accumulators'] = {};
    for (const [name, { kind, value }] of this.accumulators) {
      accumulators[name] = { kind, data: Buffer.from(encodeRecord(value)).toString('base64') };
    }
    this.resolveDone({ accumulators, metrics: this.metrics() });
  }

  metrics(): TaskMetrics {
    let writeRecords = 0;
    let writeBytes = 0;
    for (const w of this.writers) {
      if (!w) continue;
      writeRecords += w.recordsOut;
      writeBytes += w.bytesOut;
    }
    return { readRecords: this.recordsIn, readBytes: this.gate?.bytesIn ?? 0, writeRecords, writeBytes };
  }

  private waitDrained(): Promise<void> {
    if (this.writers.every((w) => !w || w.drained)) return Promise.resolve();
    return new Promise((resolve) => {
      this.drainWaiter = resolve;
    });
  }

  fail(err: unknown): void {
    if (this.failed || this.finished) return;
    this.failed = true;
    for (const op of this.operators) {
      try {
        void Promise.resolve(op.close?.()).catch(() => {});
      } catch {
        // closing after a failure is best effort
      }
    }
    this.rejectDone(err);
  }

  private runtimeContext(maxParallelism: number): RuntimeContext {
    const job = this.job;
    return {
      getTaskName: () => this.name,
      getIndexOfThisSubtask: () => this.subtask,
      getNumberOfParallelSubtasks: () => this.vertex.parallelism,
      getMaxNumberOfParallelSubtasks: () => maxParallelism,
      getAttemptNumber: () => 0,
      getJobId: () => job.jobId,
      getJobParameters: () => job.args,
    };
  }

  private operatorContext(t: Transformation, output: Output, runtime: RuntimeContext, maxParallelism: number): OperatorContext {
    const task = this;
    return {
      transformation: t,
      params: t.params,
      output,
      runtime,
      subtask: this.subtask,
      parallelism: this.vertex.parallelism,
      maxParallelism,
      jobId: this.job.jobId,
      taskName: this.name,
      yield: () =>
        task.isAvailable() || task.cancelled
          ? new Promise<void>((r) => setImmediate(r))
          : new Promise<void>((r) => task.waiters.push(r)),
      available: () => task.isAvailable(),
      setAccumulator: (name, kind, value) => void task.accumulators.set(name, { kind, value }),
      get cancelled() {
        return task.cancelled;
      },
      fail: (err) => task.fail(err),
      signalAvailable: () => task.signalAvailable(),
      resolvePath: (p) => resolveJobPath(this.job, p),
    };
  }
}

/** Relative paths mean the same file as in the client that submitted the job. */
export function resolveJobPath(job: JobGraph, p: string): string {
  if (/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(p) || isAbsolute(p)) return p;
  return resolve(job.workingDirectory || '.', p);
}

function customPartitioner(t: Transformation | undefined): (key: unknown, n: number) => number {
  const p = t?.fns[0];
  if (typeof p === 'function') return p as (k: unknown, n: number) => number;
  if (p && typeof (p as { partition?: unknown }).partition === 'function') {
    return (k, n) => (p as { partition(k: unknown, n: number): number }).partition(k, n);
  }
  throw new FlinkError('BAD_PARTITIONER', 'partitionCustom() needs a function (key, numPartitions) => index or an object with partition().');
}
