/**
 * A Node.js daemon's own metrics under Flink's `Status.JVM.*` names where a JVM figure has a Node.js
 * counterpart (heap, CPU, garbage collection), so dashboards and alerts written for Flink read them, and under
 * `Status.Node.*` for what only Node.js has (resident set size, event-loop delay and utilization).
 *
 * ```ts
 * const pm = new ProcessMetrics();
 * pm.collect();   // [{ name: 'Status.JVM.Memory.Heap.Used', kind: 'gauge', value: 12345678 }, ...]
 * pm.close();
 * ```
 */
import { availableParallelism } from 'node:os';
import { monitorEventLoopDelay, performance, PerformanceObserver, type EventLoopUtilization, type IntervalHistogram } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import type { MetricSample } from './metric-registry.js';

/** How long the figures over time (CPU load, event-loop delay) look back, at most. */
const WINDOW_MS = 10_000;

/** How often the event-loop delay is sampled; the histogram's values include this interval, which we take off. */
const DELAY_RESOLUTION_MS = 20;

/** V8's collection kinds (perf_hooks' `detail.kind`) by Flink-style collector name. */
const GC_KINDS: ReadonlyArray<[number, string]> = [
  [1, 'Scavenge'],
  [2, 'MarkSweepCompact'],
  [4, 'IncrementalMarking'],
  [8, 'ProcessWeakCallbacks'],
];

export class ProcessMetrics {
  readonly #delay: IntervalHistogram;
  readonly #gc: PerformanceObserver;
  readonly #gcCount = new Map<string, number>();
  readonly #gcMs = new Map<string, number>();
  #lastCpu = process.cpuUsage();
  #lastCpuAt = performance.now();
  #lastElu: EventLoopUtilization = performance.eventLoopUtilization();
  /** Starts a new window for the figures over time (CPU load, event-loop delay and utilization). */
  readonly #roll: NodeJS.Timeout;
  #closed = false;

  constructor() {
    this.#delay = monitorEventLoopDelay({ resolution: DELAY_RESOLUTION_MS });
    this.#delay.enable();
    this.#gc = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        const kind = (e as unknown as { detail?: { kind?: number } }).detail?.kind ?? 0;
        const name = GC_KINDS.find(([k]) => k === kind)?.[1] ?? 'Other';
        this.#gcCount.set(name, (this.#gcCount.get(name) ?? 0) + 1);
        this.#gcMs.set(name, (this.#gcMs.get(name) ?? 0) + e.duration);
      }
    });
    this.#gc.observe({ entryTypes: ['gc'] });
    // Readers (a Prometheus scrape, the REST API) come at their own pace; none of them resets what another sees.
    this.#roll = setInterval(() => this.#newWindow(), WINDOW_MS);
    this.#roll.unref();
  }

  #newWindow(): void {
    this.#delay.reset();
    this.#lastCpu = process.cpuUsage();
    this.#lastCpuAt = performance.now();
    this.#lastElu = performance.eventLoopUtilization();
  }

  collect(): MetricSample[] {
    const mem = process.memoryUsage();
    const heap = getHeapStatistics();
    const cpu = process.cpuUsage();
    // The process's share of the machine's CPUs in the current window (Flink's Status.JVM.CPU.Load).
    const wallUs = (performance.now() - this.#lastCpuAt) * 1000;
    const usedUs = cpu.user - this.#lastCpu.user + (cpu.system - this.#lastCpu.system);
    const cpuLoad = wallUs > 0 ? Math.min(1, usedUs / (wallUs * availableParallelism())) : 0;
    const elu = performance.eventLoopUtilization(this.#lastElu);
    const out: MetricSample[] = [
      gauge('Status.JVM.Memory.Heap.Used', mem.heapUsed),
      gauge('Status.JVM.Memory.Heap.Committed', mem.heapTotal),
      gauge('Status.JVM.Memory.Heap.Max', heap.heap_size_limit),
      gauge('Status.JVM.Memory.NonHeap.Used', mem.external),
      gauge('Status.JVM.Memory.Direct.MemoryUsed', mem.arrayBuffers),
      gauge('Status.JVM.CPU.Load', cpuLoad),
      gauge('Status.JVM.CPU.Time', (cpu.user + cpu.system) * 1000),
      gauge('Status.Node.Memory.RSS', mem.rss),
      gauge('Status.Node.EventLoop.Delay.Mean', delayMs(this.#delay.mean)),
      gauge('Status.Node.EventLoop.Delay.Max', delayMs(this.#delay.max)),
      gauge('Status.Node.EventLoop.Delay.P99', delayMs(this.#delay.percentile(99))),
      gauge('Status.Node.EventLoop.Utilization', Number.isFinite(elu.utilization) ? elu.utilization : 0),
      gauge('Status.Node.Uptime', Math.round(process.uptime() * 1000)),
    ];
    let allCount = 0;
    let allMs = 0;
    for (const [name, count] of this.#gcCount) {
      const ms = Math.round(this.#gcMs.get(name) ?? 0);
      allCount += count;
      allMs += ms;
      out.push(counter(`Status.JVM.GarbageCollector.${name}.Count`, count), counter(`Status.JVM.GarbageCollector.${name}.Time`, ms));
    }
    out.push(counter('Status.JVM.GarbageCollector.All.Count', allCount), counter('Status.JVM.GarbageCollector.All.Time', allMs));
    return out;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#roll);
    this.#delay.disable();
    this.#gc.disconnect();
  }
}

/** A histogram value (ns, one sampling interval included) as the delay beyond the interval, ms. */
function delayMs(ns: number): number {
  return Number.isFinite(ns) ? Math.max(0, ns / 1e6 - DELAY_RESOLUTION_MS) : 0;
}

function gauge(name: string, value: number): MetricSample {
  return { name, kind: 'gauge', value };
}

function counter(name: string, value: number): MetricSample {
  return { name, kind: 'counter', value };
}
