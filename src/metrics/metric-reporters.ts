/**
 * The metric reporters of one daemon, started from the configuration's reporter settings (config's
 * `metricReporters(conf)`): a Prometheus endpoint per configured Prometheus reporter. Nothing here stops a
 * daemon: a reporter flink-ts does not have, or one whose ports are all taken, is one warning in the log and the
 * daemon goes on without it, as Flink does.
 *
 * ```ts
 * const reporters = await MetricReporters.start(metricReporters(conf), () => [registry], { log });
 * reporters.ports;          // the port each started reporter serves on
 * await reporters.close();  // idempotent
 * ```
 */
import type { MetricReportersConfig } from '../config/index.js';
import type { MetricRegistry } from './metric-registry.js';
import { PrometheusReporter } from './prometheus-reporter.js';

export interface MetricReportersOptions {
  log: { info(msg: string): void; warn(msg: string, err?: unknown): void };
  /** The address the endpoints listen on (jobmanager.bind-host / taskmanager.bind-host); unset: all interfaces. */
  bindHost?: string;
}

export class MetricReporters {
  #closed = false;

  private constructor(private readonly reporters: PrometheusReporter[]) {}

  /** No reporters (a daemon whose reporters another part of the process runs). */
  static none(): MetricReporters {
    return new MetricReporters([]);
  }

  static async start(config: MetricReportersConfig, registries: () => readonly MetricRegistry[], o: MetricReportersOptions): Promise<MetricReporters> {
    for (const line of config.excluded) o.log.info(line);
    for (const line of config.warnings) o.log.warn(line);
    const started: PrometheusReporter[] = [];
    for (const setup of config.prometheus) {
      const reporter = new PrometheusReporter(
        { registries, log: o.log },
        { ...setup, ...(o.bindHost === undefined ? {} : { bindHost: o.bindHost }) },
      );
      try {
        await reporter.start();
        started.push(reporter);
      } catch (err) {
        o.log.warn((err as Error).message);
      }
    }
    return new MetricReporters(started);
  }

  /** The port of each started reporter. */
  get ports(): number[] {
    return this.reporters.map((r) => r.port);
  }

  /** Closes every reporter, even when one fails; safe to call twice. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.allSettled(this.reporters.map((r) => r.close()));
  }
}
