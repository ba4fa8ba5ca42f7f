/**
 * The metrics a daemon has, as groups with Flink's scopes and variables. Groups are pulled, not pushed: a
 * reporter (Prometheus) or the REST API asks each group for its values when it needs them, so a metric that
 * nobody reads costs nothing beyond the counter it comes from.
 *
 * ```ts
 * const registry = new MetricRegistry();
 * const remove = registry.add({
 *   scope: 'taskmanager', variables: { host: 'h1', tm_id: 'tm-1' },
 *   collect: () => [{ name: 'Status.JVM.Memory.Heap.Used', kind: 'gauge', value: process.memoryUsage().heapUsed }],
 * });
 * registry.groups();   // every group added and not yet removed
 * remove();
 * ```
 */

/** Flink's logical scopes; a Prometheus metric's name starts with the scope's parts joined by `_`. */
export type MetricScope = 'jobmanager' | 'jobmanager.job' | 'taskmanager' | 'taskmanager.job.task' | 'taskmanager.job.task.operator';

export type MetricKind = 'counter' | 'gauge';

export interface MetricSample {
  /** Flink's metric name, e.g. `numRecordsIn` or `Status.JVM.Memory.Heap.Used`. */
  name: string;
  kind: MetricKind;
  value: number;
}

/**
 * Flink's scope variables without the angle brackets: `host`, `tm_id`, `job_id`, `job_name`, `task_id`,
 * `task_name`, `task_attempt_num`, `subtask_index`, `operator_id`, `operator_name`.
 */
export type ScopeVariables = Readonly<Record<string, string>>;

export interface MetricGroup {
  readonly scope: MetricScope;
  readonly variables: ScopeVariables;
  /** The group's current values; called on every read. */
  collect(): MetricSample[];
}

export class MetricRegistry {
  readonly #groups = new Set<MetricGroup>();

  /** Adds a group; the answer removes it again (idempotent). */
  add(group: MetricGroup): () => void {
    this.#groups.add(group);
    return () => {
      this.#groups.delete(group);
    };
  }

  groups(): MetricGroup[] {
    return [...this.#groups];
  }
}
