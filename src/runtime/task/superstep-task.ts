/**
 * A task that reads in rounds: inside a batch iteration's loop (a new round of input every superstep, closed by an
 * end-of-superstep marker on every channel of the loop), or with broadcast sets (withBroadcastSet), which must be
 * complete before the operator opens and sees its first record.
 *
 * Per superstep a task in the loop: holds back its main input until the superstep's broadcast sets are complete;
 * hands its head operator the records of the superstep (the records of static inputs — fed from outside the loop,
 * once — are kept and handed again every superstep, unless the operator keeps them itself); once every dynamic
 * channel delivered the marker and every static one ended, ends the superstep down the chain, passes the marker on,
 * readies its operators for the next superstep (see StreamOperator.nextSuperstep) and reports to the slot's
 * iteration channel. The head's own task does the same when its head operator asks (`endSuperstep`).
 */
import type { Transformation } from '../../api/transformation.js';
import type { JobGraph, JobVertex } from '../../graph/index.js';
import { RecordReader, STREAM_EVENT, type StreamEventKind } from '../codec/index.js';
import type { ChannelRouter } from '../network/channel-router.js';
import type { GateItem, InputChannel, InputGate } from '../network/input-gate.js';
import type { StreamOperator } from '../operators/index.js';
import { iterationChannel, needsSuperstepTask, taskIteration, type IterationChannel } from '../iterations/iteration-context.js';
import { StreamTask, type TaskSettings } from './stream-task.js';

/** Records handed on between two checks for back pressure while replaying cached input. */
const REPLAY_BATCH = 256;

export function createTask(job: JobGraph, vertex: JobVertex, subtask: number, transformations: Map<number, Transformation>, router: ChannelRouter, settings: TaskSettings): StreamTask {
  return needsSuperstepTask(job, vertex) ? new SuperstepTask(job, vertex, subtask, transformations, router, settings) : new StreamTask(job, vertex, subtask, transformations, router, settings);
}

export class SuperstepTask extends StreamTask {
  private readonly loop: IterationChannel | undefined;
  /** The head operator of this task is an iteration head: its inputs are the loop's initial data. */
  private readonly headOfLoop: boolean;
  /** Channels that delivered the end-of-superstep marker in the current superstep. */
  private readonly marked = new Set<InputChannel>();
  /** Broadcast sets: the edge of each broadcast channel's variable, and whether it changes every superstep. */
  private readonly broadcastEdges = new Map<number, { name: string; dynamic: boolean }>();
  private readonly collecting = new Map<string, unknown[]>();
  private broadcastReady: boolean;
  /** Main-input items that arrived before the broadcast sets were complete (not consumed: no credit went back). */
  private readonly held: GateItem[] = [];
  /** Records of static inputs the task hands to its head again every superstep, by logical input. */
  private readonly staticCache = new Map<number, unknown[]>();
  private cacheStatic = new Set<number>();
  private readonly mainInputs: number[];
  /**
   * Operators readied at the end of a superstep that still wait for the next one to begin: recreated ones to open,
   * others for `nextSuperstep()`. The next superstep begins with the first item that is not the end of input.
   */
  private readonly startPending: Array<{ index: number; recreated: boolean }> = [];
  /** Whether the head operator instance has been opened (it opens late when it reads broadcast sets). */
  private headOpened = false;

  constructor(job: JobGraph, vertex: JobVertex, subtask: number, transformations: Map<number, Transformation>, router: ChannelRouter, settings: TaskSettings) {
    super(job, vertex, subtask, transformations, router, settings);
    const id = taskIteration(vertex);
    this.loop = id === undefined ? undefined : iterationChannel(job.jobId, id, subtask);
    this.headOfLoop = id !== undefined && (vertex.operators[0]?.operator ?? '').endsWith('-head');
    const main = new Set<number>();
    for (const e of vertex.inputs) {
      const edge = job.edges[e] as JobGraph['edges'][number];
      if (edge.broadcast !== undefined) this.broadcastEdges.set(e, { name: edge.broadcast, dynamic: edge.dynamic === true });
      else main.add(edge.targetInput);
    }
    this.mainInputs = [...main].sort((a, b) => a - b);
    this.broadcastReady = this.broadcastEdges.size === 0;
    if (this.loop && !this.headOfLoop) {
      const head = this.operators[0] as StreamOperator;
      const statics = this.contexts[0]?.iteration?.staticInputs ?? new Set<number>();
      const channels = [...(this.gate?.allChannels() ?? [])];
      for (const i of this.mainInputs) {
        const hasStatic = channels.some((c) => c.input === i && !this.isDynamic(c) && !this.broadcastEdges.has(c.id.edge));
        if (hasStatic && !(head.cachesStaticInputs === true && statics.has(i))) this.cacheStatic.add(i);
      }
    }
  }

  protected override processInput(): void {
    if (this.headOfLoop || (this.loop === undefined && this.broadcastReady)) {
      super.processInput();
      return;
    }
    const gate = this.gate as InputGate;
    if (this.endingInput || this.failed || this.finished) return;
    let budget = 64;
    try {
      while (budget-- > 0 && gate.hasPending() && this.isAvailable()) {
        const it = gate.poll();
        if (!it) break;
        const ch = it.channel;
        if (this.startPending.length > 0 && it.item !== 'end') {
          // A new superstep's first item: its number and the last aggregates are known now; ready the chain.
          gate.requeue([it]);
          this.runStep(() => this.startSuperstep());
          return;
        }
        const bc = this.broadcastEdges.get(ch.id.edge);
        if (!bc && !this.broadcastReady) {
          this.held.push(it);
          continue;
        }
        if (it.item === 'end') {
          gate.channelEnded(ch);
        } else {
          if (bc) this.readBroadcast(it.item, ch, bc.name);
          else this.recordsIn += this.consumeBuffer(it.item, ch, this.processorFor(ch));
          gate.consumed(ch);
        }
        if (this.advance()) return;
      }
      // The last item may have been read before a step that it made due ran (the broadcast sets of a superstep
      // completing while the main input is static and already cached): check again once nothing is left to read.
      if (!gate.hasPending() && this.advance()) return;
    } catch (err) {
      this.fail(err);
      return;
    }
    if (gate.hasPending() && this.isAvailable()) this.schedule();
  }

  protected override onChannelEvent(channel: InputChannel, event: StreamEventKind, value: number): void {
    if (event === 'superstep') this.marked.add(channel);
    else if (!this.loop) super.onChannelEvent(channel, event, value);
  }

  /** Starts the next step when the input allows one; true when it did (input processing pauses until it is done). */
  private advance(): boolean {
    const gate = this.gate as InputGate;
    let step: (() => Promise<void>) | undefined;
    if (!this.broadcastReady && this.broadcastComplete()) step = () => this.onBroadcastReady();
    else if (this.loop && gate.allEnded()) step = () => this.endChain(1);
    else if (this.loop && this.broadcastReady && this.superstepComplete()) step = () => this.endSuperstepFromInput();
    if (!step) return false;
    this.runStep(step);
    return true;
  }

  /**
   * The iteration ended: the loop's operators already finished their last superstep, and those made for a
   * superstep that never came are dropped without open() or close().
   */
  protected override endChain(from: number, skipLoop = false): Promise<void> {
    if (!this.loop) return super.endChain(from, skipLoop);
    for (const { index, recreated } of this.startPending.splice(0)) if (recreated) this.operators[index] = {};
    return super.endChain(from, true);
  }

  /** Runs a step while input processing pauses, then resumes it. */
  private runStep(step: () => Promise<void>): void {
    this.endingInput = true;
    void step().then(
      () => {
        if (this.finished || this.failed) return;
        this.endingInput = false;
        this.schedule();
      },
      (err) => this.fail(err),
    );
  }

  /** The next superstep begins: operators readied at the end of the last one open (or take nextSuperstep). */
  private async startSuperstep(): Promise<void> {
    const ops = this.operators;
    for (const { index: i, recreated } of this.startPending.splice(0).reverse()) {
      const op = ops[i] as StreamOperator;
      if (!recreated) await op.nextSuperstep?.();
      // A head reading broadcast sets opens once the superstep's sets are complete.
      else if (!(i === 0 && !this.broadcastReady)) await this.open(i);
    }
  }

  private async open(i: number): Promise<void> {
    await this.operators[i]?.open?.();
    if (i === 0) this.headOpened = true;
  }

  protected override startSuperstepFromHead(): Promise<void> {
    return this.startSuperstep();
  }

  private isDynamic(ch: InputChannel): boolean {
    return this.job.edges[ch.id.edge]?.dynamic === true;
  }

  /** Whether a channel is done for this superstep: it delivered the marker, or it ended. */
  private doneThisStep(ch: InputChannel): boolean {
    return ch.ended || (this.isDynamic(ch) && this.marked.has(ch));
  }

  private broadcastComplete(): boolean {
    for (const ch of (this.gate as InputGate).allChannels()) if (this.broadcastEdges.has(ch.id.edge) && !this.doneThisStep(ch)) return false;
    return true;
  }

  private superstepComplete(): boolean {
    const gate = this.gate as InputGate;
    let anyOpen = false;
    for (const ch of gate.allChannels()) {
      if (!this.doneThisStep(ch)) return false;
      if (!ch.ended) anyOpen = true;
    }
    // With every channel ended the iteration is over, not a superstep.
    return anyOpen;
  }

  private readBroadcast(bytes: Uint8Array, ch: InputChannel, name: string): void {
    let list = this.collecting.get(name);
    if (!list) this.collecting.set(name, (list = []));
    const reader = new RecordReader(bytes);
    while (reader.hasNext()) {
      const r = reader.next();
      if (r === STREAM_EVENT) {
        if (reader.event === 'superstep') this.marked.add(ch);
        continue;
      }
      list.push(r);
    }
  }

  /** How records of a channel reach the head: kept for the next supersteps first, when they come from outside. */
  private processorFor(ch: InputChannel): (r: unknown, input: number) => void {
    const head = this.operators[0] as Required<StreamOperator>;
    if (!this.cacheStatic.has(ch.input) || this.isDynamic(ch)) return head.processElement;
    let cache = this.staticCache.get(ch.input);
    if (!cache) this.staticCache.set(ch.input, (cache = []));
    const keep = cache;
    return (r, input) => {
      keep.push(r);
      head.processElement(r, input);
    };
  }

  /** The broadcast sets of this superstep are complete: open the head operator and let the main input in. */
  private async onBroadcastReady(): Promise<void> {
    for (const [name, values] of this.collecting) this.broadcastValues.set(name, values);
    for (const { name } of this.broadcastEdges.values()) if (!this.broadcastValues.has(name)) this.broadcastValues.set(name, []);
    this.collecting.clear();
    if (!this.headOpened) await this.open(0);
    this.broadcastReady = true;
    (this.gate as InputGate).requeue(this.held.splice(0));
    if (this.loop && this.loop.superstep > 1) await this.replayStatic();
  }

  private async replayStatic(): Promise<void> {
    for (const [input, records] of this.staticCache) {
      let n = 0;
      for (const r of records) {
        (this.operators[0] as Required<StreamOperator>).processElement(r, input);
        if (++n % REPLAY_BATCH === 0) await this.yieldToOutput();
      }
    }
  }

  /** Every channel of the loop delivered this superstep's marker (and every static one ended). */
  private async endSuperstepFromInput(): Promise<void> {
    // Without broadcast sets the cached static records have not been handed over yet in this superstep.
    if (this.broadcastEdges.size === 0 && (this.loop as IterationChannel).superstep > 1) await this.replayStatic();
    const head = this.operators[0] as StreamOperator;
    for (const i of this.mainInputs) await head.endInput?.(i);
    await this.finishSuperstep(1, 0);
  }

  protected override endSuperstepFromHead(): Promise<void> {
    return this.finishSuperstep(1, 1);
  }

  /**
   * Ends the superstep for the chain from `from` on, sends the marker on every edge into the loop, readies the
   * operators from `resetFrom` on for the next superstep, and reports to the iteration channel.
   */
  private async finishSuperstep(from: number, resetFrom: number): Promise<void> {
    const ops = this.operators;
    for (let i = from; i < ops.length; i++) if (this.vertex.operators[i]?.iteration !== undefined) await ops[i]?.endInput?.(0);
    for (const e of this.vertex.outputs) if (this.job.edges[e]?.dynamic) this.writers[e]?.emitEndOfSuperstep();
    this.marked.clear();
    // Broadcast sets that change every superstep must come in again before the head sees the next records.
    const changing = [...this.broadcastEdges.values()].filter((b) => b.dynamic);
    for (const b of changing) this.broadcastValues.delete(b.name);
    if (changing.length > 0) this.broadcastReady = false;
    for (let i = resetFrom; i < ops.length; i++) {
      if (this.vertex.operators[i]?.iteration === undefined) continue;
      const op = ops[i] as StreamOperator;
      const recreated = !op.nextSuperstep;
      if (recreated) {
        await op.close?.();
        ops[i] = this.createOperator(i);
        if (i === 0) this.headOpened = false;
      }
      this.startPending.push({ index: i, recreated });
    }
    (this.loop as IterationChannel).taskDone();
  }
}
