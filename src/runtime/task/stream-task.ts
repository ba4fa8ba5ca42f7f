/**
 * A task: one subtask of a JobGraph vertex, i.e. one operator chain. It reads buffers from its input
 * gate (or runs its source), pushes records through the chain by plain calls, writes to its record
 * writers, and pauses its input whenever a writer or a sink is back-pressured.
 */
import { isAbsolute, resolve } from 'node:path';
import type { Transformation } from '../../api/transformation.js';
import { toKeyExtractor } from '../../api/keys.js';
import type { JobGraph, JobVertex } from '../../graph/index.js';
import { computeDefaultMaxParallelism, encodeRecord, RecordReader, STREAM_EVENT } from '../codec/index.js';
import { consumersOf, producersOf } from '../network/connectivity.js';
import { InputGate, type InputChannel } from '../network/input-gate.js';
import { WatermarkValve } from '../network/watermark-valve.js';
import { RecordWriter } from '../network/record-writer.js';
import type { ChannelRouter } from '../network/channel-router.js';
import { OPERATORS, type AccumulatorKind, type ElementTime, type OperatorContext, type Output, type StreamOperator } from '../operators/index.js';
import {
  HashMapStateBackend,
  keyGroupRangeForSubtask,
  KeyedStateNotAvailableError,
  stateRuntimeContext,
  type TaskInfo,
  type KeyedStateBackend,
  type OperatorStateBackend,
  type ProcessingTimeService,
  type StateBackend,
} from '../state/index.js';
import { FlinkError } from '../../util/errors.js';
import { slotMemory } from '../memory/index.js';

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
  /**
   * The watermark the task last handed to its head operator (Flink's `currentInputWatermark`), clamped to
   * Java's long range so it survives JSON (±Infinity would become null). Absent for sources, which have no
   * input, as Flink registers no such metric for them.
   */
  inputWatermark?: number;
}

/** Java's Long.MIN_VALUE and (rounded up to the next double) Long.MAX_VALUE: Flink's watermark bounds. */
const LONG_MIN_DOUBLE = -(2 ** 63);
const LONG_MAX_DOUBLE = 2 ** 63;

export interface TaskResult {
  accumulators: Record<string, { kind: AccumulatorKind; data: string }>;
  metrics: TaskMetrics;
}

export class StreamTask {
  readonly name: string;
  readonly writers: RecordWriter[] = [];
  readonly gate: InputGate | undefined;
  private readonly operators: StreamOperator[] = [];
  private readonly outputs: Output[] = [];
  /** The timestamp of the record in flight, shared by the chain (NaN: none). */
  private readonly element: ElementTime = { timestamp: Number.NaN };
  private readonly keyedBackends = new Map<number, KeyedStateBackend>();
  private readonly operatorBackends = new Map<number, OperatorStateBackend>();
  private readonly stateBackend: StateBackend = new HashMapStateBackend();
  private readonly clockTimers = new Set<NodeJS.Timeout>();
  /** Combines the input channels' watermarks and idle statuses for the head operator. */
  private valve: WatermarkValve | undefined;
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
      this.valve = new WatermarkValve(() => gate.allChannels(), {
        watermark: (wm) => {
          const head = this.operators[0] as StreamOperator;
          if (head.processWatermark) head.processWatermark(wm);
          else (this.outputs[0] as Output).emitWatermark(wm);
        },
        status: (idle) => {
          const head = this.operators[0] as StreamOperator;
          if (head.processWatermarkStatus) head.processWatermarkStatus(idle);
          else (this.outputs[0] as Output).emitWatermarkStatus(idle);
        },
      });
    }

    // Build the chain back to front so each operator's output exists when it is created.
    const runtime = this.runtimeContext(maxParallelism(vertex));
    const ops: StreamOperator[] = new Array(vertex.operators.length);
    const outputs: Output[] = new Array(vertex.operators.length);
    const el = this.element;
    for (let i = vertex.operators.length - 1; i >= 0; i--) {
      const spec = vertex.operators[i] as JobVertex['operators'][number];
      const factory = OPERATORS[spec.operator];
      const t = transformations.get(spec.id);
      if (!factory || !t) throw new FlinkError('UNKNOWN_OPERATOR', `Operator ${spec.name} (${spec.operator}) cannot be created on this TaskManager.`);
      const targets = spec.outputs.map((o): OutputTarget => {
        if ('chained' in o) {
          const next = ops[o.chained] as StreamOperator;
          const nextOut = outputs[o.chained] as Output;
          const process = next.processElement as (r: unknown, i: number) => void;
          return {
            tag: o.tag,
            collect: (r: unknown) => process(r, 0),
            watermark: next.processWatermark ? (wm) => (next.processWatermark as (w: number) => void)(wm) : (wm) => nextOut.emitWatermark(wm),
            status: next.processWatermarkStatus
              ? (idle) => (next.processWatermarkStatus as (i: boolean) => void)(idle)
              : (idle) => nextOut.emitWatermarkStatus(idle),
          };
        }
        const w = this.writers[o.edge] as RecordWriter;
        return {
          tag: o.tag,
          collect: (r: unknown) => w.emit(r, el.timestamp),
          watermark: (wm) => w.emitWatermark(wm),
          status: (idle) => w.emitWatermarkStatus(idle),
        };
      });
      let output = chainOutput(targets, el);
      if (i === 0 && vertex.isSource && job.timeCharacteristic === 'IngestionTime') output = ingestionTimeOutput(output, el);
      outputs[i] = output;
      const keyed = t.keySpec !== undefined || t.params.keyed === true;
      const op = factory(this.operatorContext(t, output, runtime, maxParallelism(vertex), keyed));
      if (keyed && t.keySpec !== undefined && !op.setsKeyContext && op.processElement) {
        // Functions on a keyed stream (a rich map with ValueState, say) see the state of the record's key.
        const inner = op.processElement;
        const key = toKeyExtractor(t.keySpec);
        let backend: KeyedStateBackend | undefined;
        op.processElement = (r, input) => {
          (backend ??= this.keyedBackend(t, maxParallelism(vertex))).setCurrentKey(key(r));
          inner(r, input);
        };
      }
      ops[i] = op;
    }
    this.operators = ops;
    this.outputs = outputs;
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
    if (this.job.timeCharacteristic === 'IngestionTime') this.emitIngestionWatermarks();
    await head.run();
    if (this.cancelled || this.failed) return;
    // A finished source promises no earlier data: the final watermark fires every event-time window.
    (this.outputs[0] as Output).emitWatermark(Number.POSITIVE_INFINITY);
    await this.endChain(1);
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
    this.clearClockTimers();
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
          const last = gate.channelEnded(it.channel);
          (this.valve as WatermarkValve).channelEnded(it.channel);
          if (last) {
            this.endingInput = true;
            const input = it.channel.input;
            void this.endInput(input).catch((err) => this.fail(err));
            return;
          }
          continue;
        }
        this.recordsIn += this.consumeBuffer(it.item, it.channel, process);
        gate.consumed(it.channel);
      }
    } catch (err) {
      this.fail(err);
      return;
    }
    if (gate.hasPending() && this.isAvailable()) this.schedule();
  }

  /**
   * Hands every record of a buffer to the head operator, with its timestamp in the element time; returns the
   * record count. Its own small function, so V8 inlines the operator's processElement into this loop.
   */
  private consumeBuffer(bytes: Uint8Array, channel: InputChannel, process: (r: unknown, input: number) => void): number {
    const reader = new RecordReader(bytes);
    const input = channel.input;
    const el = this.element;
    let n = 0;
    while (reader.hasNext()) {
      const r = reader.next();
      if (r === STREAM_EVENT) {
        this.onChannelEvent(channel, reader.event, reader.timestamp);
        continue;
      }
      el.timestamp = reader.timestamp;
      process(r, input);
      n++;
    }
    return n;
  }

  /** A watermark or watermark status arrived on a channel. */
  private onChannelEvent(channel: InputChannel, event: 'watermark' | 'idle' | 'active', value: number): void {
    const valve = this.valve as WatermarkValve;
    if (event === 'watermark') valve.inputWatermark(channel, value);
    else valve.inputStatus(channel, event === 'idle');
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
    // Wall-clock timers still pending at the end do not fire, as in Flink.
    this.clearClockTimers();
    for (const w of this.writers) w?.finish();
    for (const op of this.operators) await op.close?.();
    this.disposeState();
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
    const m: TaskMetrics = { readRecords: this.recordsIn, readBytes: this.gate?.bytesIn ?? 0, writeRecords, writeBytes };
    if (this.valve) m.inputWatermark = Math.min(LONG_MAX_DOUBLE, Math.max(LONG_MIN_DOUBLE, this.valve.lastWatermark));
    return m;
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
    this.clearClockTimers();
    for (const op of this.operators) {
      try {
        void Promise.resolve(op.close?.()).catch(() => {});
      } catch {
        // closing after a failure is best effort
      }
    }
    this.rejectDone(err);
  }

  private runtimeContext(maxParallelism: number): TaskInfo {
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

  /** One-shot wall-clock callbacks on this task's thread; dropped once the task ends. */
  private readonly processingTime: ProcessingTimeService = {
    getCurrentProcessingTime: () => Date.now(),
    registerTimer: (time, cb) => {
      const handle = setTimeout(() => {
        this.clockTimers.delete(handle);
        if (this.finished || this.failed || this.cancelled) return;
        try {
          cb(Math.max(Date.now(), time));
        } catch (err) {
          this.fail(err);
        }
      }, Math.max(0, time - Date.now()));
      this.clockTimers.add(handle);
      return () => {
        clearTimeout(handle);
        this.clockTimers.delete(handle);
      };
    },
  };

  /** Ingestion time: the wall clock, rounded down to the watermark interval, is the source's watermark. */
  private emitIngestionWatermarks(): void {
    const interval = this.job.autoWatermarkInterval ?? 200;
    if (interval <= 0) return;
    const out = this.outputs[0] as Output;
    const tick = (now: number): void => {
      out.emitWatermark(now - (now % interval) - 1);
      this.processingTime.registerTimer(now + interval, tick);
    };
    this.processingTime.registerTimer(Date.now() + interval, tick);
  }

  private clearClockTimers(): void {
    for (const h of this.clockTimers) clearTimeout(h);
    this.clockTimers.clear();
  }

  private keyedBackend(t: Transformation, maxParallelism: number): KeyedStateBackend {
    let b = this.keyedBackends.get(t.id);
    if (!b) {
      b = this.stateBackend.createKeyedStateBackend({
        operatorName: t.name,
        maxParallelism,
        keyGroupRange: keyGroupRangeForSubtask(maxParallelism, this.vertex.parallelism, this.subtask),
        now: () => Date.now(),
      });
      this.keyedBackends.set(t.id, b);
    }
    return b;
  }

  private operatorBackend(t: Transformation): OperatorStateBackend {
    let b = this.operatorBackends.get(t.id);
    if (!b) this.operatorBackends.set(t.id, (b = this.stateBackend.createOperatorStateBackend(t.name)));
    return b;
  }

  private disposeState(): void {
    for (const b of this.keyedBackends.values()) b.close();
    for (const b of this.operatorBackends.values()) b.close();
  }

  private operatorContext(t: Transformation, output: Output, taskRuntime: TaskInfo, maxParallelism: number, keyed: boolean): OperatorContext {
    const task = this;
    const keyedStateBackend = (): KeyedStateBackend => {
      if (!keyed) throw new KeyedStateNotAvailableError('Keyed state', t.name);
      return task.keyedBackend(t, maxParallelism);
    };
    const runtime = stateRuntimeContext(taskRuntime, keyedStateBackend, () => task.operatorBackend(t));
    return {
      transformation: t,
      params: t.params,
      output,
      runtime,
      element: this.element,
      processingTime: this.processingTime,
      autoWatermarkInterval: this.job.autoWatermarkInterval ?? 200,
      keyed,
      keyedStateBackend,
      operatorStateBackend: () => task.operatorBackend(t),
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
      memory: slotMemory().forOperator(`${t.name} (${this.subtask + 1}/${this.vertex.parallelism})`),
    };
  }
}

interface OutputTarget {
  tag: string | undefined;
  collect(r: unknown): void;
  watermark(wm: number): void;
  status(idle: boolean): void;
}

/** One operator's Output over its targets: main-output records, side outputs by tag, watermarks to all. */
function chainOutput(targets: OutputTarget[], el: ElementTime): Output {
  const main = targets.filter((t) => t.tag === undefined);
  const sides = new Map<string, OutputTarget[]>();
  for (const t of targets) if (t.tag !== undefined) sides.set(t.tag, [...(sides.get(t.tag) ?? []), t]);
  const fanOut = (list: OutputTarget[]): ((r: unknown) => void) => {
    if (list.length === 0) return () => {};
    if (list.length === 1) return (list[0] as OutputTarget).collect;
    // Every target sees the timestamp the record was emitted with, whatever an earlier target did with it.
    return (r) => {
      const ts = el.timestamp;
      for (const t of list) {
        el.timestamp = ts;
        t.collect(r);
      }
    };
  };
  const sideCollect = new Map<string, (r: unknown) => void>([...sides].map(([tag, list]) => [tag, fanOut(list)]));
  return {
    collect: fanOut(main),
    emitWatermark: (wm) => {
      for (const t of targets) t.watermark(wm);
    },
    emitWatermarkStatus: (idle) => {
      for (const t of targets) t.status(idle);
    },
    collectSide: (tag, r) => sideCollect.get(tag)?.(r),
  };
}

/** A source's output under ingestion time: every record gets the wall-clock time it was emitted at. */
function ingestionTimeOutput(inner: Output, el: ElementTime): Output {
  const collect = inner.collect;
  return {
    ...inner,
    collect: (r) => {
      el.timestamp = Date.now();
      collect(r);
    },
  };
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
