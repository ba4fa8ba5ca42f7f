/**
 * A task: one subtask of a JobGraph vertex, i.e. one operator chain. It reads buffers from its input
 * gate (or runs its source), pushes records through the chain by plain calls, writes to its record
 * writers, and pauses its input whenever a writer or a sink is back-pressured.
 */
import type { Transformation } from '../../api/transformation.js';
import { toKeyExtractor } from '../../api/keys.js';
import type { JobGraph, JobVertex } from '../../graph/index.js';
import { computeDefaultMaxParallelism, encodeRecord, RecordReader, STREAM_EVENT, type StreamEventKind } from '../codec/index.js';
import type { RuntimeContext } from '../../api/functions.js';
import { iterationChannel, iterationOperatorContext, iterationRuntimeContext } from '../iterations/iteration-context.js';
import { consumersOf, producersOf } from '../network/connectivity.js';
import { InputGate, type InputChannel } from '../network/input-gate.js';
import { executionAttempt } from '../checkpoint/task-checkpoint-env.js';
import { TaskCheckpoints } from './task-checkpoints.js';
import { TaskStateHolders } from './task-state.js';
import { WatermarkValve } from '../network/watermark-valve.js';
import { RecordWriter } from '../network/record-writer.js';
import type { ChannelRouter } from '../network/channel-router.js';
import { OPERATORS, type AccumulatorKind, type ElementTime, type OperatorContext, type Output, type StreamOperator } from '../operators/index.js';
import {
  stateBackendFor,
  KeyedStateNotAvailableError,
  NoSuchBroadcastVariableError,
  stateRuntimeContext,
  type TaskInfo,
  type KeyedStateBackend,
  type ProcessingTimeService,
} from '../state/index.js';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { FlinkError } from '../../util/errors.js';
import { chainOutput, customPartitioner, ingestionTimeOutput, resolveJobPath, type OutputTarget } from './chain-output.js';

export { resolveJobPath } from './chain-output.js';
import { slotMemory } from '../memory/index.js';
import type { TaskMetrics, TaskResult, TaskSettings } from './task-types.js';
import { TaskIOMetrics } from './task-io-metrics.js';

export type { OperatorCounts, TaskMetrics, TaskResult, TaskSettings } from './task-types.js';

/** DataSet operators whose key spec groups records; the DataSet API has no keyed state for them to see. */
const BATCH_GROUPINGS = new Set(['grouped-reduce', 'grouped-aggregate', 'grouped-group-reduce', 'distinct']);

/** How long a task processes input before it lets the rest of its thread run. */
const TURN_MS = 20;

export class StreamTask {
  readonly name: string;
  readonly writers: RecordWriter[] = [];
  readonly gate: InputGate | undefined;
  protected readonly operators: StreamOperator[] = [];
  protected readonly outputs: Output[] = [];
  /** Each operator's context, kept so an operator inside an iteration can be created anew for a superstep. */
  protected readonly contexts: OperatorContext[] = [];
  /** The broadcast sets (withBroadcastSet) the head operator reads, by name; filled by SuperstepTask. */
  protected readonly broadcastValues = new Map<string, unknown[]>();
  /** The head operator reads broadcast sets: it opens only once they are complete. */
  protected readonly deferHeadOpen: boolean;
  /** The timestamp of the record in flight, shared by the chain (NaN: none). */
  protected readonly element: ElementTime = { timestamp: Number.NaN };
  private readonly state: TaskStateHolders;
  private readonly clockTimers = new Set<NodeJS.Timeout>();
  /** Combines the input channels' watermarks and idle statuses for the head operator. */
  private valve: WatermarkValve | undefined;
  private readonly accumulators = new Map<string, { kind: AccumulatorKind; value: unknown }>();
  /** Barrier alignment, snapshots, restore and checkpoint notifications of this task. */
  private readonly checkpoints: TaskCheckpoints;
  protected readonly waiters: Array<() => void> = [];
  private drainWaiter: (() => void) | undefined;
  private scheduled = false;
  /**
   * Set once every operator's open() returned. An end-of-input event needs no credit, so it can arrive
   * before then (an upstream task with no data ends at once); processing it early would end a sink that
   * has not opened its file yet, and the file would never be written.
   */
  protected opened = false;
  protected endingInput = false;
  protected failed = false;
  protected finished = false;
  cancelled = false;
  /** A source asked to stop producing (stop --drain): it ends as if its input were exhausted. */
  protected sourceStopped = false;
  protected recordsIn = 0;
  /** Busy and back-pressured time, and each chain operator's records (see TaskMetrics). */
  protected readonly io: TaskIOMetrics;
  private resolveDone!: (r: TaskResult) => void;
  private rejectDone!: (e: unknown) => void;
  /** Settles when the task finished (its output handed on) or failed. */
  readonly done: Promise<TaskResult>;

  constructor(
    protected readonly job: JobGraph,
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
    // Disk state lives in this run's directory on the TaskManager (removed with it), one per subtask.
    const localStateDir = settings.localStateDir === undefined ? undefined : join(settings.localStateDir, `${vertex.id}-${subtask}`);
    this.state = new TaskStateHolders(
      vertex.parallelism,
      subtask,
      stateBackendFor(job.jobConfiguration?.['state.backend'] ?? settings.stateBackend ?? 'hashmap'),
      localStateDir,
    );
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
    const ops = this.operators;
    const outputs = this.outputs;
    const el = this.element;
    // Inside an iteration operators are created anew each superstep: chained calls look the operator up each time.
    const inLoop = vertex.operators.some((o) => o.iteration !== undefined);
    this.deferHeadOpen = vertex.inputs.some((e) => job.edges[e]?.broadcast !== undefined);
    this.io = new TaskIOMetrics(vertex.operators.length);
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
          const j = o.chained;
          const counted = this.io.operatorIn[j] as { n: number };
          return {
            tag: o.tag,
            collect: inLoop
              ? (r: unknown) => {
                  counted.n++;
                  (ops[j] as Required<StreamOperator>).processElement(r, 0);
                }
              : (r: unknown) => {
                  counted.n++;
                  process(r, 0);
                },
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
      this.contexts[i] = this.operatorContext(t, output, runtime, maxParallelism(vertex), keyed, spec.iteration);
      ops[i] = this.createOperator(i);
    }
    const task = this;
    this.checkpoints = new TaskCheckpoints({
      name: this.name,
      job,
      vertex,
      subtask,
      gate: this.gate,
      writers: this.writers,
      chain: this.operators,
      chainContexts: this.contexts,
      keyedBackendOf(i, create) {
        const ctx = task.contexts[i] as OperatorContext;
        if (!create) return task.state.existingKeyed(ctx.transformation);
        return ctx.keyed ? task.state.keyedBackend(ctx.transformation, ctx.maxParallelism) : undefined;
      },
      operatorBackendOf(i, create) {
        const t = (task.contexts[i] as OperatorContext).transformation;
        return create ? task.state.operatorBackend(t) : task.state.existingOperator(t);
      },
    });
  }

  /** Creates operator `i` of the chain with its factory (again, for a new superstep of an iteration). */
  protected createOperator(i: number): StreamOperator {
    const ctx = this.contexts[i] as OperatorContext;
    const t = ctx.transformation;
    const op = (OPERATORS[t.operator as string] as (c: OperatorContext) => StreamOperator)(ctx);
    // DataSet groupings carry a key spec too, but batch functions have no keyed state: no key to set there.
    if (ctx.keyed && t.keySpec !== undefined && !op.setsKeyContext && op.processElement && !BATCH_GROUPINGS.has(t.operator as string)) {
      // Functions on a keyed stream (a rich map with ValueState, say) see the state of the record's key.
      const inner = op.processElement;
      const key = toKeyExtractor(t.keySpec);
      let backend: KeyedStateBackend | undefined;
      op.processElement = (r, input) => {
        (backend ??= this.state.keyedBackend(t, ctx.maxParallelism)).setCurrentKey(key(r));
        inner(r, input);
      };
    }
    return op;
  }

  /** Opens the chain and starts consuming (or producing, for a source). */
  start(): void {
    void this.run().catch((err) => this.fail(err));
  }

  private async run(): Promise<void> {
    this.io.started();
    const inFlight = await this.checkpoints.restore();
    // An unaligned checkpoint's in-flight buffers come first, before anything the producers send now.
    for (const [key, bytes] of inFlight) this.gate?.pushReplayed(key, bytes);
    for (let i = this.operators.length - 1; i >= (this.deferHeadOpen ? 1 : 0); i--) await this.operators[i]?.open?.();
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
    this.io.backPressureEnded();
    for (const w of this.waiters.splice(0)) w();
    this.schedule();
  }

  protected schedule(): void {
    if (this.scheduled || !this.gate || !this.opened) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.processInput();
    });
  }

  protected processInput(): void {
    const gate = this.gate as InputGate;
    if (this.endingInput || this.failed || this.finished) return;
    const head = this.operators[0] as StreamOperator;
    const process = head.processElement as (r: unknown, input: number) => void;
    let budget = 64;
    const began = performance.now();
    try {
      // At most 64 buffers or a few milliseconds a turn: timers, metrics and control messages of the thread get theirs.
      while (budget-- > 0 && gate.hasPending() && this.isAvailable() && performance.now() - began < TURN_MS) {
        const it = gate.poll();
        if (!it) break;
        if (this.checkpoints.holds(it)) continue;
        if (it.item === 'end') {
          const last = gate.channelEnded(it.channel);
          (this.valve as WatermarkValve).channelEnded(it.channel);
          this.checkpoints.onChannelEnded();
          if (last) {
            this.endingInput = true;
            const input = it.channel.input;
            void this.endInput(input).catch((err) => this.fail(err));
            return;
          }
          continue;
        }
        this.recordsIn += this.consumeBuffer(it.item, it.channel, process);
        this.checkpoints.afterBuffer(it.channel, it.item);
        if (it.replayed !== true) gate.consumed(it.channel);
      }
    } catch (err) {
      this.fail(err);
      return;
    } finally {
      this.io.busyMs += performance.now() - began;
    }
    if (!gate.hasPending()) return;
    if (this.isAvailable()) this.schedule();
    else this.io.backPressureBegan();
  }

  /**
   * Hands every record of a buffer to the head operator, with its timestamp in the element time; returns the
   * record count. Its own small function, so V8 inlines the operator's processElement into this loop.
   */
  protected consumeBuffer(bytes: Uint8Array, channel: InputChannel, process: (r: unknown, input: number) => void): number {
    const reader = new RecordReader(bytes);
    const input = channel.input;
    const el = this.element;
    let n = 0;
    while (reader.hasNext()) {
      const r = reader.next();
      if (r === STREAM_EVENT) {
        if (reader.event === 'barrier') {
          const b = reader.barrier;
          this.checkpoints.onBarrier(channel, reader.timestamp, b.timestamp, b.flags);
        } else {
          this.onChannelEvent(channel, reader.event, reader.timestamp);
        }
        continue;
      }
      el.timestamp = reader.timestamp;
      process(r, input);
      n++;
    }
    return n;
  }

  /** The JobManager starts checkpoint `id` at this task, which has no inputs (a source). */
  triggerCheckpoint(id: number, timestamp: number, flags: number): void {
    if (this.gate) return;
    const notRunning = !this.opened || this.finished || this.failed || this.cancelled;
    this.checkpoints.trigger(id, timestamp, flags, notRunning ? (this.finished ? 'it has finished' : 'it is not running') : undefined);
  }

  /** A source task stops producing and ends normally: end of input flows downstream (stop --drain). */
  stopSource(): void {
    if (this.gate) return;
    this.sourceStopped = true;
    this.signalAvailable();
  }

  /** Checkpoint `id` completed on every task (complete) or was aborted. */
  notifyCheckpoint(id: number, complete: boolean): void {
    if (this.failed || this.cancelled) return;
    void this.checkpoints.notify(id, complete).catch((err) => this.fail(err));
  }

  /** A watermark or watermark status arrived on a channel. */
  protected onChannelEvent(channel: InputChannel, event: StreamEventKind, value: number): void {
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

  /**
   * Ends the input of chain operators from `from` on, in chain order, then finishes the task. When an iteration
   * ends, its operators already finished their last superstep: `skipLoop` leaves their input alone.
   */
  protected async endChain(from: number, skipLoop = false): Promise<void> {
    for (let i = from; i < this.operators.length; i++) {
      if (skipLoop && this.vertex.operators[i]?.iteration !== undefined) continue;
      await this.operators[i]?.endInput?.(0);
    }
    // Wall-clock timers still pending at the end do not fire, as in Flink.
    this.clearClockTimers();
    for (const w of this.writers) w?.finish();
    for (const op of this.operators) await op.close?.();
    this.state.close();
    this.finished = true;
    await this.waitDrained();
    const accumulators: TaskResult['accumulators'] = {};
    for (const [name, { kind, value }] of this.accumulators) {
      accumulators[name] = { kind, data: Buffer.from(encodeRecord(value)).toString('base64') };
    }
    this.resolveDone({ accumulators, metrics: this.metrics() });
  }

  metrics(): TaskMetrics {
    return this.io.snapshot({ vertex: this.vertex, recordsIn: this.recordsIn, gate: this.gate, writers: this.writers, inputWatermark: this.valve?.lastWatermark });
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
    const closing: Array<Promise<unknown>> = [];
    for (const op of this.operators) {
      try {
        closing.push(Promise.resolve(op.close?.()).catch(() => {}));
      } catch {
        // closing after a failure is best effort
      }
    }
    // A disk state backend's files go too (once the operators stopped using them), not only at a clean finish.
    void Promise.all(closing).then(() => this.state.close());
    this.rejectDone(err);
  }

  private runtimeContext(maxParallelism: number): TaskInfo {
    const job = this.job;
    return {
      getTaskName: () => this.name,
      getIndexOfThisSubtask: () => this.subtask,
      getNumberOfParallelSubtasks: () => this.vertex.parallelism,
      getMaxNumberOfParallelSubtasks: () => maxParallelism,
      getAttemptNumber: () => executionAttempt(),
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

  /** Lets the output drain when it is back-pressured (and other work run when it is not). */
  protected yieldToOutput(): Promise<void> {
    if (this.isAvailable() || this.cancelled) return new Promise<void>((r) => setImmediate(r));
    this.io.backPressureBegan();
    return new Promise<void>((r) => this.waiters.push(r));
  }

  /** Iterations: ends the superstep in the task of an iteration head (see SuperstepTask). */
  protected endSuperstepFromHead(): Promise<void> {
    return Promise.reject(new FlinkError('NOT_AN_ITERATION_HEAD', `${this.name} does not run an iteration head.`));
  }

  /** Iterations: the next superstep begins in the task of an iteration head (see SuperstepTask). */
  protected startSuperstepFromHead(): Promise<void> {
    return this.endSuperstepFromHead();
  }

  private operatorContext(t: Transformation, output: Output, taskRuntime: TaskInfo, maxParallelism: number, keyed: boolean, loop: number | undefined): OperatorContext {
    const task = this;
    const keyedStateBackend = (): KeyedStateBackend => {
      if (!keyed) throw new KeyedStateNotAvailableError('Keyed state', t.name);
      return task.state.keyedBackend(t, maxParallelism);
    };
    const broadcast = {
      get: (name: string): unknown[] => {
        const values = task.broadcastValues.get(name);
        if (!values) throw new NoSuchBroadcastVariableError(name, t.name);
        return values;
      },
    };
    let runtime: RuntimeContext = stateRuntimeContext(taskRuntime, keyedStateBackend, () => task.state.operatorBackend(t), broadcast);
    const iteration =
      loop === undefined
        ? undefined
        : iterationOperatorContext(this.job, this.vertex, this.subtask, loop, () => task.endSuperstepFromHead(), () => task.startSuperstepFromHead());
    if (loop !== undefined) runtime = iterationRuntimeContext(runtime, iterationChannel(this.job.jobId, loop, this.subtask));
    return {
      ...(iteration ? { iteration } : {}),
      transformation: t,
      params: t.params,
      output,
      runtime,
      element: this.element,
      processingTime: this.processingTime,
      autoWatermarkInterval: this.job.autoWatermarkInterval ?? 200,
      keyed,
      keyedStateBackend,
      operatorStateBackend: () => task.state.operatorBackend(t),
      subtask: this.subtask,
      parallelism: this.vertex.parallelism,
      maxParallelism,
      jobId: this.job.jobId,
      taskName: this.name,
      yield: () => task.yieldToOutput(),
      available: () => task.isAvailable(),
      setAccumulator: (name, kind, value) => void task.accumulators.set(name, { kind, value }),
      get cancelled() {
        return task.cancelled || task.sourceStopped;
      },
      fail: (err) => task.fail(err),
      signalAvailable: () => task.signalAvailable(),
      resolvePath: (p) => resolveJobPath(this.job, p),
      memory: slotMemory().forOperator(`${t.name} (${this.subtask + 1}/${this.vertex.parallelism})`),
    };
  }
}
