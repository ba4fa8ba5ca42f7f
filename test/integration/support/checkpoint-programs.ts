/**
 * Job programs for the checkpoint specs, as source text: a replayable counting source (its offset in operator
 * state), keyed state, an event-time window, and a sink that commits once per completed checkpoint (a small
 * two-phase commit written with the CheckpointedFunction and CheckpointListener hooks), so that the committed
 * output shows whether every record took effect exactly once.
 */

/**
 * The job: `n` records 0..n-1 from each of `sources` source subtasks... (one source subtask emits them all, at
 * `perTick` records every 5 ms); keyed by n % 13, a ValueState counts the records of each key; a tumbling
 * event-time window of 100 per key counts its records. The `committing` sink commits files
 * `<out>/part-<subtask>-<id>` (one per completed checkpoint, and `-final` at the end of input); `file-sink` writes
 * the records as JSON lines with the exactly-once FileSink (bucket directories below `out`).
 */
export function exactlyOnceJob(jobName: string, out: string, n: number, perTick = 20, sink: 'committing' | 'file-sink' = 'committing'): string {
  const sinkCode =
    sink === 'committing'
      ? 'counted.union(windows).addSink(new CommittingSink()).setParallelism(2);'
      : `counted.union(windows).map((r) => JSON.stringify(r)).sinkTo(FileSink.forRowFormat(OUT, new SimpleStringEncoder()).build()).setParallelism(2);`;
  return `import { StreamExecutionEnvironment, ListStateDescriptor, ValueStateDescriptor, TumblingEventTimeWindows, Time, WatermarkStrategy, FileSink, SimpleStringEncoder } from 'flink-ts';
import { existsSync, renameSync, writeFileSync } from 'node:fs';
const N = ${n};
const OUT = ${JSON.stringify(out)};
const env = StreamExecutionEnvironment.getExecutionEnvironment();

class CountingSource {
  next = 0;
  initializeState(ctx) {
    this.offset = ctx.getOperatorStateStore().getListState(new ListStateDescriptor('offset'));
    if (ctx.isRestored()) for (const v of this.offset.get()) this.next = v;
  }
  snapshotState() {
    this.offset.update([this.next]);
  }
  async run(ctx) {
    while (this.next < N && ctx.isRunning()) {
      for (let k = 0; k < ${perTick} && this.next < N; k++) {
        ctx.collectWithTimestamp(this.next, this.next);
        this.next++;
      }
      await new Promise((r) => setTimeout(r, 5));
    }
  }
}

class CommittingSink {
  buffer = [];
  pending = [];
  setRuntimeContext(rc) {
    this.subtask = rc.getIndexOfThisSubtask();
  }
  initializeState(ctx) {
    this.state = ctx.getOperatorStateStore().getListState(new ListStateDescriptor('pending'));
    // What the restored checkpoint had pending: that checkpoint completed, so it is committed now.
    if (ctx.isRestored()) for (const p of this.state.get()) this.commit(p);
  }
  invoke(v) {
    this.buffer.push(v);
  }
  snapshotState(ctx) {
    this.pending.push({ id: ctx.getCheckpointId(), records: this.buffer });
    this.buffer = [];
    this.state.update(this.pending);
  }
  notifyCheckpointComplete(id) {
    for (const p of this.pending.filter((p) => p.id <= id)) this.commit(p);
    this.pending = this.pending.filter((p) => p.id > id);
  }
  finish() {
    for (const p of this.pending) this.commit(p);
    this.commit({ id: 'final', records: this.buffer });
  }
  commit(p) {
    const file = OUT + '/part-' + this.subtask + '-' + p.id;
    if (existsSync(file)) return;
    writeFileSync(file + '.tmp', p.records.map((r) => JSON.stringify(r) + '\\n').join(''));
    renameSync(file + '.tmp', file);
  }
}

const numbers = env
  .addSource(new CountingSource(), 'Counter')
  .assignTimestampsAndWatermarks(WatermarkStrategy.forMonotonousTimestamps());
const keyed = numbers.keyBy((x) => x % 13);
const counted = keyed.process({
  open(ctx) {
    this.count = ctx.getState(new ValueStateDescriptor('count'));
  },
  processElement(x, ctx, out) {
    const c = (this.count.value() ?? 0) + 1;
    this.count.update(c);
    out.collect(['n', x, c]);
  },
});
const windows = keyed
  .window(TumblingEventTimeWindows.of(Time.milliseconds(100)))
  .process({
    process(key, context, elements, out) {
      let c = 0;
      for (const _ of elements) c++;
      out.collect(['w', key, context.window().getStart(), c]);
    },
  });
${sinkCode}
await env.execute(${JSON.stringify(jobName)});
`;
}

/**
 * An embarrassingly parallel job (one region per subtask index): a parallel source whose subtask i emits
 * i, i + p, i + 2p, … below `n` (its position in operator state), mapped and written by the FileSink as JSON
 * lines, all chained: nothing crosses between subtasks.
 */
export function parallelPipelineJob(jobName: string, out: string, n: number): string {
  return `import { StreamExecutionEnvironment, ListStateDescriptor, FileSink, SimpleStringEncoder } from 'flink-ts';
const env = StreamExecutionEnvironment.getExecutionEnvironment();
class Numbers {
  setRuntimeContext(rc) {
    this.subtask = rc.getIndexOfThisSubtask();
    this.parallelism = rc.getNumberOfParallelSubtasks();
  }
  initializeState(ctx) {
    this.position = ctx.getOperatorStateStore().getListState(new ListStateDescriptor('next'));
    this.next = this.subtask;
    if (ctx.isRestored()) for (const v of this.position.get()) this.next = v;
  }
  snapshotState() {
    this.position.update([this.next]);
  }
  async run(ctx) {
    while (this.next < ${n} && ctx.isRunning()) {
      for (let k = 0; k < 10 && this.next < ${n}; k++) {
        ctx.collect(this.next);
        this.next += this.parallelism;
      }
      await new Promise((r) => setTimeout(r, 5));
    }
  }
}
env
  .addSource(new Numbers(), 'Numbers', { parallel: true })
  .map((x) => JSON.stringify(['n', x]))
  .sinkTo(FileSink.forRowFormat(${JSON.stringify(out)}, new SimpleStringEncoder()).build());
await env.execute(${JSON.stringify(jobName)});
`;
}
