/**
 * The entry point of a slot's worker thread. It re-imports the job bundle in plan mode, checks that the
 * program builds the same JobGraph as in the client, binds the user functions, and runs its tasks.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { CapturedPipeline, JobExecutionResultData } from '../../api/context.js';
import { setExecutionContext } from '../../api/context.js';
import { buildJobGraph, FAILED_REPLAY_PREFIX, importBundle, type JobGraph } from '../../graph/index.js';
import { decodeRecords } from '../codec/index.js';
import { configureFileSystems } from '../../fs/index.js';
import { channelKey, type ChannelEvent, type ChannelId, type ChannelRouter } from '../network/channel-router.js';
import type { StreamTask } from '../task/stream-task.js';
import { createTask } from '../task/superstep-task.js';
import { configureSlotMemory } from '../memory/index.js';
import { announceCheckpointDirectory, configureTaskCheckpoints } from '../checkpoint/task-checkpoint-env.js';
import type { FromWorker, ToWorker, WorkerInit } from './protocol.js';
import { FlinkError, serializeError } from '../../util/errors.js';
import type { Transformation } from '../../api/transformation.js';
import { closeIterationChannels, IterationAbortedError, setSuperstepCoordinator, type SuperstepReport } from '../iterations/iteration-channel.js';
import { RateWindow, rateInputs, ratesFrom, type TaskMetrics } from '../../metrics/index.js';
import { performance } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';

const METRICS_INTERVAL_MS = 1000;
const port = parentPort;
if (!port) throw new Error('worker-main must run in a worker thread');
const init = workerData as WorkerInit;

function post(msg: FromWorker, transfer?: ArrayBuffer[]): void {
  (port as NonNullable<typeof port>).postMessage(msg, transfer ?? []);
}

export class ProgramMismatchError extends FlinkError {
  constructor(detail: string) {
    super(
      'PROGRAM_MISMATCH',
      `The program built a different job graph on the TaskManager than in the client (${detail}). ` +
        'Build the pipeline deterministically: no random values, clocks, or host-dependent branches while building the job.',
    );
  }
}

/** Runs the program until its execute() call number `executeIndex`, and captures that pipeline. */
async function capturePipeline(g: JobGraph): Promise<Map<number, Transformation>> {
  let resolveCapture!: (p: CapturedPipeline) => void;
  const captured = new Promise<CapturedPipeline>((r) => (resolveCapture = r));
  setExecutionContext({
    mode: 'task',
    defaultParallelism: g.defaultParallelism,
    bufferTimeout: g.bufferTimeout,
    autoWatermarkInterval: g.autoWatermarkInterval ?? 200,
    execute: (p): Promise<JobExecutionResultData> => {
      if (p.executeIndex < g.executeIndex) {
        const replay = g.replay[p.executeIndex];
        if (replay?.startsWith(FAILED_REPLAY_PREFIX)) {
          // That job failed in the client: fail here too, so the program takes the same path.
          const err = new FlinkError('JOB_EXECUTION_FAILED', replay.slice(FAILED_REPLAY_PREFIX.length));
          err.name = 'JobExecutionException';
          return Promise.reject(err);
        }
        const accumulators = replay ? (decodeRecords(Buffer.from(replay, 'base64'))[0] as Record<string, unknown>) : {};
        return Promise.resolve({ jobId: 'replayed', netRuntime: 0, accumulators });
      }
      if (p.executeIndex === g.executeIndex) resolveCapture(p);
      // The rest of the program must not run here: this execute() never returns on a TaskManager.
      return new Promise<JobExecutionResultData>(() => {});
    },
  });
  const restore = silenceConsole();
  try {
    const ended = importBundle(init.bundlePath).then(
      () => {
        throw new ProgramMismatchError(`the program ended without reaching execute() number ${g.executeIndex + 1}`);
      },
      (err: unknown) => {
        throw new FlinkError('PROGRAM_FAILED_ON_TASKMANAGER', `The program failed on the TaskManager while building the job: ${(err as Error)?.message ?? String(err)}`, { cause: err });
      },
    );
    const pipeline = await Promise.race([captured, ended]);
    const built = buildJobGraph(pipeline, { jobId: g.jobId, args: g.args, replay: g.replay, programName: g.programName, workingDirectory: g.workingDirectory });
    if (built.graph.hash !== g.hash) {
      const a = built.graph.vertices.map((v) => `${v.name}@${v.parallelism}`).join(', ');
      const b = g.vertices.map((v) => `${v.name}@${v.parallelism}`).join(', ');
      throw new ProgramMismatchError(a === b ? 'same operators, different functions or settings' : `client: [${b}], TaskManager: [${a}]`);
    }
    return built.transformations;
  } finally {
    restore();
  }
}

/**
 * Waits until what this thread wrote to stdout and stderr (print(), console.log of user functions) has reached
 * the TaskManager's main thread, and with it the `.out` file. A worker thread hands its output over one write at a
 * time; a thread terminated before that (the JobManager ends a finished job's threads as soon as its tasks report)
 * would drop what it still holds. Once per task end, never per record.
 */
function flushStdio(): Promise<void> {
  const flush = (stream: NodeJS.WriteStream): Promise<void> => new Promise((resolve) => stream.write('', () => resolve()));
  return Promise.all([flush(process.stdout), flush(process.stderr)]).then(() => undefined);
}

/** The program's own console output while re-planning would repeat on every TaskManager: drop it. */
function silenceConsole(): () => void {
  const saved = { log: console.log, info: console.info, warn: console.warn, debug: console.debug };
  console.log = console.info = console.warn = console.debug = () => {};
  return () => Object.assign(console, saved);
}

const localInputs = new Map<string, StreamTask>();
const localOutputs = new Map<string, StreamTask>();
const early: ToWorker[] = [];
let ready = false;
const tasks: StreamTask[] = [];

const router: ChannelRouter = {
  sendBuffer(ch: ChannelId, buf: Uint8Array) {
    const key = channelKey(ch.edge, ch.producer, ch.consumer);
    const local = localInputs.get(key);
    if (local) {
      local.gate?.push(key, buf);
      return;
    }
    post({ t: 'data', e: ch.edge, p: ch.producer, c: ch.consumer, b: buf }, [buf.buffer as ArrayBuffer]);
  },
  sendEvent(ch: ChannelId, event: ChannelEvent) {
    const key = channelKey(ch.edge, ch.producer, ch.consumer);
    const local = localInputs.get(key);
    if (local) {
      local.gate?.push(key, event);
      return;
    }
    post({ t: 'end', e: ch.edge, p: ch.producer, c: ch.consumer });
  },
  sendCredit(ch: ChannelId, n: number) {
    const key = channelKey(ch.edge, ch.producer, ch.consumer);
    const local = localOutputs.get(key);
    if (local) {
      queueMicrotask(() => local.writers[ch.edge]?.addCredit(ch.consumer, n));
      return;
    }
    post({ t: 'credit', e: ch.edge, p: ch.producer, c: ch.consumer, n });
  },
};

function deliver(msg: ToWorker): void {
  switch (msg.t) {
    case 'data':
    case 'end': {
      const key = channelKey(msg.e, msg.p, msg.c);
      localInputs.get(key)?.gate?.push(key, msg.t === 'data' ? msg.b : 'end');
      return;
    }
    case 'credit':
      localOutputs.get(channelKey(msg.e, msg.p, msg.c))?.writers[msg.e]?.addCredit(msg.c, msg.n);
      return;
    case 'cancel':
      for (const t of tasks) t.cancel();
      abortSupersteps();
      return;
    case 'checkpoint':
      announceCheckpointDirectory(msg.id, msg.directory);
      for (const t of tasks) if (!t.gate) t.triggerCheckpoint(msg.id, msg.timestamp, msg.flags);
      return;
    case 'stop-sources':
      for (const t of tasks) if (!t.gate) t.stopSource();
      return;
    case 'checkpoint-done':
      for (const t of tasks) t.notifyCheckpoint(msg.id, msg.complete);
      return;
    case 'superstep': {
      const key = `${msg.iteration}/${msg.superstep}`;
      const waiter = superstepWaiters.get(key);
      superstepWaiters.delete(key);
      waiter?.resolve(msg.reports);
      return;
    }
  }
}

/** Iteration heads of this worker waiting for the JobManager to complete a superstep, by iteration and superstep. */
const superstepWaiters = new Map<string, { resolve(r: SuperstepReport[]): void; reject(e: unknown): void }>();
setSuperstepCoordinator(
  (_jobId, iteration, report) =>
    new Promise<SuperstepReport[]>((resolve, reject) => {
      superstepWaiters.set(`${iteration}/${report.superstep}`, { resolve, reject });
      post({ t: 'superstep', iteration, report });
    }),
);

function abortSupersteps(): void {
  closeIterationChannels(init.jobGraph.jobId);
  for (const w of superstepWaiters.values()) w.reject(new IterationAbortedError());
  superstepWaiters.clear();
}

port.on('message', (msg: ToWorker) => {
  if (ready) deliver(msg);
  else early.push(msg);
});

async function main(): Promise<void> {
  const g = init.jobGraph;
  configureFileSystems(init.fileSystemOptions);
  configureTaskCheckpoints(init.checkpointing, init.restore, init.attempt, {
    ack: (v, s, id, handle, stats) => post({ t: 'checkpoint-ack', v, s, id, handle, stats }),
    decline: (v, s, id, error) => post({ t: 'checkpoint-decline', v, s, id, error }),
  });
  if (init.memory) configureSlotMemory(init.memory);
  let transformations: Map<number, Transformation>;
  try {
    transformations = await capturePipeline(g);
    for (const { vertex, subtask } of init.tasks) {
      const v = g.vertices[vertex] as JobGraph['vertices'][number];
      tasks.push(createTask(g, v, subtask, transformations, router, init.settings));
    }
  } catch (err) {
    post({ t: 'init-failed', error: serializeError(err) });
    return;
  }
  // A channel is local when both of its ends run in this worker; the key says which task owns each end.
  for (const task of tasks) {
    for (const w of task.writers) {
      if (!w) continue;
      for (const ch of w.channels) localOutputs.set(channelKey(ch.id.edge, ch.id.producer, ch.id.consumer), task);
    }
  }
  for (const task of tasks) {
    for (const e of task.vertex.inputs) {
      const edge = g.edges[e] as JobGraph['edges'][number];
      const producers = g.vertices[edge.source]?.parallelism ?? 0;
      for (let p = 0; p < producers; p++) {
        const key = channelKey(e, p, task.subtask);
        if (!localInputs.has(key)) localInputs.set(key, task);
      }
    }
  }
  ready = true;
  for (const m of early.splice(0)) deliver(m);

  const running = new Set(tasks);
  // Each task's per-second rates come from its own counters over the last seconds.
  const windows = new Map(tasks.map((t) => [t, new RateWindow()]));
  const withRates = (t: StreamTask): TaskMetrics => {
    const m = t.metrics();
    m.rates = ratesFrom(m, (windows.get(t) as RateWindow).push(performance.now(), rateInputs(m)));
    return m;
  };
  const reporter = setInterval(() => {
    if (running.size === 0) return;
    const heap = getHeapStatistics();
    post({
      t: 'metrics',
      tasks: [...running].map((t) => ({ v: t.vertex.index, s: t.subtask, m: withRates(t) })),
      heap: { used: heap.used_heap_size, committed: heap.total_heap_size, limit: heap.heap_size_limit },
    });
  }, METRICS_INTERVAL_MS);
  const timeout = g.bufferTimeout;
  const flusher = timeout >= 0 ? setInterval(() => tasks.forEach((t) => t.flushOutputs()), Math.max(1, timeout)) : undefined;

  await Promise.all(
    tasks.map(async (task) => {
      post({ t: 'state', v: task.vertex.index, s: task.subtask, state: 'RUNNING' });
      task.start();
      try {
        const result = await task.done;
        running.delete(task);
        await flushStdio();
        post({ t: 'state', v: task.vertex.index, s: task.subtask, state: 'FINISHED', result });
      } catch (err) {
        running.delete(task);
        await flushStdio();
        post({ t: 'state', v: task.vertex.index, s: task.subtask, state: 'FAILED', error: serializeError(err) });
      }
    }),
  );
  if (flusher) clearInterval(flusher);
  clearInterval(reporter);
  abortSupersteps();
  post({ t: 'done' });
}

void main();
