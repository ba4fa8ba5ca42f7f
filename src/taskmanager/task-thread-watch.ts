/**
 * Watches the end of a slot's worker thread, which Node.js reports only once the thread's teardown is complete
 * ('error', then 'exit'). A teardown can hang: lmdb-js (the embedded-lmdb state backend) holds a native write
 * lock during a synchronous transaction, and a thread stopped inside one (out of memory, or terminate()) never
 * releases it; lmdb-js's cleanup of the environment then waits for that lock forever. Without a watch, a task
 * that runs out of memory there is never reported and its job never restarts, and a cancelled one never ends.
 *
 * The watch gives each worker a lifeline: a MessagePort whose other end the worker holds and never uses. Node.js
 * closes a thread's ports at the start of its teardown, before native cleanup hooks run, so the lifeline says
 * when the thread's JavaScript has ended even when its exit never comes. Then:
 *
 * - a thread whose JavaScript ended and that has not exited after `teardownGraceMs` (time enough for a normal
 *   teardown) is reported through `onStuck`; when nobody asked it to end, it ran out of memory (nothing else
 *   stops a thread inside a transaction), and its tasks are reported as failed so that their job restarts;
 * - a thread the TaskManager cancelled that has not exited after `task.cancellation.timeout` is a fatal error of
 *   the TaskManager (`onCancellationTimeout`), as in Flink: only ending the process frees what the thread holds.
 */
import { MessageChannel, type MessagePort } from 'node:worker_threads';

/** What the watch needs of a worker thread (node:worker_threads Worker, or a test double). */
export interface WatchedThread {
  on(event: 'exit', listener: (code: number) => void): unknown;
  terminate(): Promise<number>;
}

/** Runs `fn` after `ms` unless the returned function is called first; it must not keep the process alive. */
export type Schedule = (fn: () => void, ms: number) => () => void;

const unrefTimeout: Schedule = (fn, ms) => {
  const t = setTimeout(fn, ms);
  t.unref();
  return () => clearTimeout(t);
};

export interface TaskThreadWatchOptions {
  /** How long a thread whose JavaScript has ended may take to finish its teardown before it is taken as stuck. */
  teardownGraceMs: number;
  /** `task.cancellation.timeout`: how long a cancelled thread may take to exit; 0 waits forever. */
  cancellationTimeoutMs: number;
  /** The thread's JavaScript ended and it did not exit within the grace; `cancelled`: after cancel(). */
  onStuck(cancelled: boolean): void;
  /** A cancelled thread did not exit within the cancellation timeout. */
  onCancellationTimeout(): void;
  /** Timers (tests drive them by hand); default setTimeout, unref'd. */
  schedule?: Schedule;
}

export class TaskThreadWatch {
  private readonly local: MessagePort;
  /** The end to hand to the worker (in its workerData, transferred). */
  readonly lifeline: MessagePort;
  private thread: WatchedThread | undefined;
  private exited = false;
  private javaScriptEnded = false;
  private cancelled = false;
  private stuck = false;
  private readonly schedule: Schedule;
  private cancelGrace: (() => void) | undefined;
  private cancelCancellation: (() => void) | undefined;
  /** Resolved when the thread exited or was found stuck: what cancel() waits for. */
  private readonly settled: Promise<void>;
  private settle!: () => void;

  constructor(private readonly o: TaskThreadWatchOptions) {
    const { port1, port2 } = new MessageChannel();
    this.local = port1;
    this.lifeline = port2;
    this.schedule = o.schedule ?? unrefTimeout;
    this.settled = new Promise<void>((resolve) => (this.settle = resolve));
    this.local.on('close', () => this.onJavaScriptEnded());
    // 'close' is only emitted by a started port; an unref'd one does not keep the TaskManager alive.
    this.local.start();
    this.local.unref();
  }

  /** Starts watching the thread the lifeline was handed to. */
  watch(thread: WatchedThread): void {
    this.thread = thread;
    thread.on('exit', () => this.onExit());
  }

  /** Whether the thread's teardown was found hanging. */
  get isStuck(): boolean {
    return this.stuck;
  }

  /** Whether the thread has exited. */
  get hasExited(): boolean {
    return this.exited;
  }

  /** Whether the thread's JavaScript has ended (its lifeline closed). */
  get hasJavaScriptEnded(): boolean {
    return this.javaScriptEnded;
  }

  /**
   * Ends the thread because its tasks are cancelled; resolves when it exited or is known to hang in its
   * teardown (the cancellation timeout then runs on).
   */
  cancel(): Promise<void> {
    if (!this.cancelled && !this.exited) {
      this.cancelled = true;
      const ms = this.o.cancellationTimeoutMs;
      if (ms > 0) {
        this.cancelCancellation = this.schedule(() => {
          if (!this.exited) this.o.onCancellationTimeout();
        }, ms);
      }
    }
    void this.thread?.terminate().catch(() => 0);
    return this.settled;
  }

  /** Ends a thread whose tasks are over (finished, or failed and reported): no cancellation timeout. */
  stop(): void {
    void this.thread?.terminate().catch(() => 0);
  }

  private onJavaScriptEnded(): void {
    if (this.javaScriptEnded || this.exited) return;
    this.javaScriptEnded = true;
    this.cancelGrace = this.schedule(() => {
      if (this.exited) return;
      this.stuck = true;
      this.settle();
      this.o.onStuck(this.cancelled);
    }, this.o.teardownGraceMs);
  }

  private onExit(): void {
    this.exited = true;
    this.cancelGrace?.();
    this.cancelCancellation?.();
    this.local.close();
    this.settle();
  }
}
