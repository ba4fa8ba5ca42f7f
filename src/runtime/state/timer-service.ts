/**
 * Timers of a keyed operator (Flink's InternalTimerService): event-time timers fire when the watermark
 * passes them, processing-time timers when the wall clock does, each with the key (and namespace) it was
 * registered for. A timer is unique per key, namespace and time; registering it again changes nothing.
 */
import type { KeyedStateBackend } from './state-backend.js';
import { keyFromStateKey, stateKey } from './state-key.js';
import { ChangeOp } from './snapshot.js';

type Ns = string | number;

/** The task's clock and its one-shot wall-clock callbacks, run on the task's thread between records. */
export interface ProcessingTimeService {
  getCurrentProcessingTime(): number;
  /** Calls `cb(time)` at or after `time`; returns a function that cancels it. */
  registerTimer(time: number, cb: (time: number) => void): () => void;
}

export interface InternalTimer {
  readonly key: unknown;
  readonly namespace: Ns;
  readonly timestamp: number;
}

export interface Triggerable {
  onEventTime(timer: InternalTimer): void;
  onProcessingTime(timer: InternalTimer): void;
}

interface QueuedTimer extends InternalTimer {
  /** The key as state maps hold it (composite keys as canonical strings). */
  readonly mapKey: unknown;
  readonly seq: number;
  /** Where the timer is in the heap, so that deleting it removes it at once. */
  index: number;
}

/**
 * A binary min-heap of timers by time, then registration order, indexed time → namespace → key: many timers
 * share a time and namespace (all keys of one window), so a registration costs three map lookups and no
 * string building. A deleted timer leaves the heap at once (as in Flink's HeapPriorityQueueSet): merging
 * windows delete and register a timer per element, and lazily skipped timers would pile up until the
 * watermark passes them.
 */
class TimerQueue {
  private readonly heap: QueuedTimer[] = [];
  private readonly live = new Map<number, Map<Ns, Map<unknown, QueuedTimer>>>();
  private seq = 0;
  /** Changelog: the timers added, and those of the previous snapshot removed, since the last takeChanges(). */
  private added: Set<QueuedTimer> | undefined;
  private removed: QueuedTimer[] = [];

  add(key: unknown, namespace: Ns, timestamp: number): boolean {
    const mapKey = stateKey(key);
    let byNs = this.live.get(timestamp);
    if (byNs === undefined) this.live.set(timestamp, (byNs = new Map()));
    let byKey = byNs.get(namespace);
    if (byKey === undefined) byNs.set(namespace, (byKey = new Map()));
    if (byKey.has(mapKey)) return false;
    const t: QueuedTimer = { key, namespace, timestamp, mapKey, seq: this.seq++, index: this.heap.length };
    byKey.set(mapKey, t);
    this.added?.add(t);
    this.heap.push(t);
    this.siftUp(t.index);
    return true;
  }

  /** What changed since the last call (the first call starts recording and returns nothing). */
  takeChanges(): { added: Iterable<QueuedTimer>; removed: QueuedTimer[] } {
    const out = { added: this.added ?? [], removed: this.removed };
    this.added = new Set();
    this.removed = [];
    return out;
  }

  /** Every queued timer, in no particular order (for snapshots). */
  all(): readonly QueuedTimer[] {
    return this.heap;
  }

  delete(key: unknown, namespace: Ns, timestamp: number): void {
    const t = this.unindex(stateKey(key), namespace, timestamp);
    if (t !== undefined) this.removeAt(t.index);
  }

  /** Drops the timer from the time → namespace → key index and returns it, or undefined if there is none. */
  private unindex(mapKey: unknown, namespace: Ns, timestamp: number): QueuedTimer | undefined {
    const byNs = this.live.get(timestamp);
    const byKey = byNs?.get(namespace);
    const t = byKey?.get(mapKey);
    if (t === undefined) return undefined;
    if (this.added !== undefined && !this.added.delete(t)) this.removed.push(t);
    (byKey as Map<unknown, QueuedTimer>).delete(mapKey);
    if ((byKey as Map<unknown, QueuedTimer>).size > 0) return t;
    (byNs as Map<Ns, Map<unknown, QueuedTimer>>).delete(namespace);
    if ((byNs as Map<Ns, Map<unknown, QueuedTimer>>).size === 0) this.live.delete(timestamp);
    return t;
  }

  /** The earliest timer, or undefined. */
  peek(): QueuedTimer | undefined {
    return this.heap[0];
  }

  /** Removes and returns the earliest timer if it is due at `time`. */
  pollDue(time: number): QueuedTimer | undefined {
    const top = this.heap[0];
    if (top === undefined || top.timestamp > time) return undefined;
    this.unindex(top.mapKey, top.namespace, top.timestamp);
    this.removeAt(0);
    return top;
  }

  get size(): number {
    return this.heap.length;
  }

  private removeAt(i: number): void {
    const h = this.heap;
    const last = h.pop() as QueuedTimer;
    if (i === h.length) return;
    h[i] = last;
    last.index = i;
    if (i > 0 && before(last, h[(i - 1) >> 1] as QueuedTimer)) this.siftUp(i);
    else this.siftDown(i);
  }

  private siftUp(start: number): void {
    const h = this.heap;
    const t = h[start] as QueuedTimer;
    let i = start;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = h[p] as QueuedTimer;
      if (!before(t, parent)) break;
      h[i] = parent;
      parent.index = i;
      i = p;
    }
    h[i] = t;
    t.index = i;
  }

  private siftDown(start: number): void {
    const h = this.heap;
    const n = h.length;
    const t = h[start] as QueuedTimer;
    let i = start;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && before(h[r] as QueuedTimer, h[l] as QueuedTimer) ? r : l;
      const child = h[c] as QueuedTimer;
      if (!before(child, t)) break;
      h[i] = child;
      child.index = i;
      i = c;
    }
    h[i] = t;
    t.index = i;
  }
}

function before(a: QueuedTimer, b: QueuedTimer): boolean {
  return a.timestamp < b.timestamp || (a.timestamp === b.timestamp && a.seq < b.seq);
}


export class InternalTimerService {
  private readonly eventTimers = new TimerQueue();
  private readonly processingTimers = new TimerQueue();
  private currentWatermark = Number.NEGATIVE_INFINITY;
  private scheduledAt = Number.POSITIVE_INFINITY;
  private cancelScheduled: (() => void) | undefined;
  private closed = false;

  constructor(
    private readonly backend: KeyedStateBackend,
    private readonly clock: ProcessingTimeService,
    private readonly target: Triggerable,
    name = '_timers',
  ) {
    // Timers are keyed state: they go into checkpoints by key group, and come back on restore. A restored
    // processing-time timer that is already due fires as soon as the task runs.
    backend.registerParticipant({
      name,
      entries: () => this.snapshotEntries(),
      restore: (ns, mapKey, value) => {
        const [kind, time] = value as [number, number];
        const key = keyFromStateKey(mapKey);
        if (kind === 0) this.eventTimers.add(key, ns, time);
        else if (this.processingTimers.add(key, ns, time) && time < this.scheduledAt) this.schedule(time);
      },
      changes: () => this.changes(),
    });
  }

  /** Timers removed, then timers added, since the last call: each kind as its own set of values per key. */
  private changes(): Array<[Ns, unknown, unknown, ChangeOp]> {
    const out: Array<[Ns, unknown, unknown, ChangeOp]> = [];
    for (const [kind, queue] of [[0, this.eventTimers], [1, this.processingTimers]] as const) {
      const { added, removed } = queue.takeChanges();
      for (const t of removed) out.push([t.namespace, t.mapKey, [kind, t.timestamp], ChangeOp.DELETE]);
      for (const t of added) out.push([t.namespace, t.mapKey, [kind, t.timestamp], ChangeOp.ADD]);
    }
    return out;
  }

  private *snapshotEntries(): Generator<[Ns, unknown, unknown]> {
    for (const t of this.eventTimers.all()) yield [t.namespace, t.mapKey, [0, t.timestamp]];
    for (const t of this.processingTimers.all()) yield [t.namespace, t.mapKey, [1, t.timestamp]];
  }

  currentProcessingTime(): number {
    return this.clock.getCurrentProcessingTime();
  }

  getCurrentWatermark(): number {
    return this.currentWatermark;
  }

  registerEventTimeTimer(namespace: Ns, time: number): void {
    this.eventTimers.add(this.backend.getCurrentKey(), namespace, time);
  }

  deleteEventTimeTimer(namespace: Ns, time: number): void {
    this.eventTimers.delete(this.backend.getCurrentKey(), namespace, time);
  }

  registerProcessingTimeTimer(namespace: Ns, time: number): void {
    if (this.processingTimers.add(this.backend.getCurrentKey(), namespace, time) && time < this.scheduledAt) this.schedule(time);
  }

  deleteProcessingTimeTimer(namespace: Ns, time: number): void {
    this.processingTimers.delete(this.backend.getCurrentKey(), namespace, time);
  }

  /** Fires every event-time timer at or before `watermark`, in time order (also those registered meanwhile). */
  advanceWatermark(watermark: number): void {
    this.currentWatermark = watermark;
    for (let t = this.eventTimers.pollDue(watermark); t !== undefined; t = this.eventTimers.pollDue(watermark)) {
      this.backend.setCurrentKey(t.key);
      this.target.onEventTime(t);
    }
  }

  numEventTimeTimers(): number {
    return this.eventTimers.size;
  }

  numProcessingTimeTimers(): number {
    return this.processingTimers.size;
  }

  close(): void {
    this.closed = true;
    this.cancelScheduled?.();
    this.cancelScheduled = undefined;
  }

  private schedule(time: number): void {
    this.cancelScheduled?.();
    this.scheduledAt = time;
    this.cancelScheduled = this.clock.registerTimer(time, (now) => this.onClock(now));
  }

  private onClock(now: number): void {
    this.cancelScheduled = undefined;
    this.scheduledAt = Number.POSITIVE_INFINITY;
    if (this.closed) return;
    for (let t = this.processingTimers.pollDue(now); t !== undefined; t = this.processingTimers.pollDue(now)) {
      this.backend.setCurrentKey(t.key);
      this.target.onProcessingTime(t);
    }
    const next = this.processingTimers.peek();
    if (next !== undefined) this.schedule(next.timestamp);
  }
}
