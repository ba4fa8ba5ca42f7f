/**
 * A TaskManager's metrics: its process's own (heap, CPU, event loop) in the `taskmanager` scope, and the figures
 * its tasks report once a second as Flink's task and operator scopes, with Flink's variables (host, tm_id,
 * job_id, job_name, task_name, subtask_index, operator_name, ...). Everything lives in one MetricRegistry that
 * the Prometheus reporter reads; the JobManager asks for the TaskManager scope over RPC.
 */
import { createHash } from 'node:crypto';
import type { JobGraph } from '../graph/index.js';
import type { WorkerHeap } from '../runtime/worker/protocol.js';
import { MetricRegistry, operatorMetricSamples, operatorScopeName, ProcessMetrics, taskMetricSamples, type MetricSample, type TaskMetrics } from '../metrics/index.js';

interface TaskEntry {
  latest: TaskMetrics;
  removers: Array<() => void>;
}

export interface TaskManagerMetricsOptions {
  tmId: string;
  /** The host the TaskManager is reached at (it may change once it registered). */
  host: () => string;
}

/** The job a task belongs to, as the TaskManager knows it. */
export interface TaskOwner {
  jobId: string;
  runId: string;
  attempt: number;
  graph: JobGraph;
}

export class TaskManagerMetrics {
  readonly registry = new MetricRegistry();
  readonly #process = new ProcessMetrics();
  readonly #tasks = new Map<string, TaskEntry>();
  /** The heaps of the task threads that run now, by `<runId>/<slot>`. */
  readonly #workerHeaps = new Map<string, WorkerHeap>();
  #closed = false;

  constructor(private readonly o: TaskManagerMetricsOptions) {
    this.registry.add({
      scope: 'taskmanager',
      get variables() {
        return { host: o.host(), tm_id: o.tmId };
      },
      collect: () => this.taskManagerSamples(),
    });
  }

  /** The TaskManager scope: what the JobManager's `/taskmanagers/:id/metrics` answers. */
  taskManagerSamples(): MetricSample[] {
    const samples = this.#process.collect();
    // Tasks run in worker threads, each with its own V8 heap: the TaskManager's heap is the sum of them all.
    let used = 0;
    let committed = 0;
    let limit = 0;
    for (const h of this.#workerHeaps.values()) {
      used += h.used;
      committed += h.committed;
      limit += h.limit;
    }
    const add = new Map([
      ['Status.JVM.Memory.Heap.Used', used],
      ['Status.JVM.Memory.Heap.Committed', committed],
      ['Status.JVM.Memory.Heap.Max', limit],
    ]);
    return samples.map((s) => ({ ...s, value: s.value + (add.get(s.name) ?? 0) }));
  }

  /** A task thread's heap, reported with its tasks' figures. */
  onWorkerHeap(worker: string, heap: WorkerHeap): void {
    if (!this.#closed) this.#workerHeaps.set(worker, heap);
  }

  workerEnded(worker: string): void {
    this.#workerHeaps.delete(worker);
  }

  /** A task's latest report; its task and operator groups appear with its first one. */
  onTaskMetrics(owner: TaskOwner, vertexIndex: number, subtask: number, metrics: TaskMetrics): void {
    if (this.#closed) return;
    const key = `${owner.runId}/${vertexIndex}/${subtask}`;
    const known = this.#tasks.get(key);
    if (known) {
      known.latest = metrics;
      return;
    }
    const vertex = owner.graph.vertices[vertexIndex];
    if (!vertex) return;
    const entry: TaskEntry = { latest: metrics, removers: [] };
    this.#tasks.set(key, entry);
    const task = {
      host: this.o.host(),
      tm_id: this.o.tmId,
      job_id: owner.jobId,
      job_name: owner.graph.jobName,
      task_id: vertex.id,
      task_attempt_id: createHash('md5').update(`${owner.runId}/${vertex.id}/${subtask}`).digest('hex'),
      task_name: vertex.name,
      subtask_index: String(subtask),
      task_attempt_num: String(owner.attempt),
    };
    entry.removers.push(this.registry.add({ scope: 'taskmanager.job.task', variables: task, collect: () => taskMetricSamples(entry.latest) }));
    vertex.operators.forEach((op, i) => {
      const variables = { ...task, operator_id: createHash('md5').update(`${vertex.id}/${i}`).digest('hex'), operator_name: operatorScopeName(op.name) };
      entry.removers.push(this.registry.add({ scope: 'taskmanager.job.task.operator', variables, collect: () => operatorMetricSamples(entry.latest, i) }));
    });
  }

  /** The task ended on this TaskManager: its groups go, as in Flink. */
  taskEnded(runId: string, vertexIndex: number, subtask: number): void {
    const key = `${runId}/${vertexIndex}/${subtask}`;
    const entry = this.#tasks.get(key);
    if (!entry) return;
    this.#tasks.delete(key);
    for (const remove of entry.removers) remove();
  }

  /** Every task of this run of a job ended (finished, cancelled, or the job left this TaskManager). */
  jobEnded(runId: string): void {
    for (const key of [...this.#tasks.keys()]) {
      if (!key.startsWith(`${runId}/`)) continue;
      const [, v, s] = key.split('/');
      this.taskEnded(runId, Number(v), Number(s));
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const key of [...this.#tasks.keys()]) {
      const entry = this.#tasks.get(key) as TaskEntry;
      for (const remove of entry.removers) remove();
    }
    this.#tasks.clear();
    this.#process.close();
  }
}
