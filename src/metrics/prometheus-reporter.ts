/**
 * Flink's Prometheus reporter: an HTTP endpoint that, on each scrape, reads the daemon's metric registries and
 * answers them in Prometheus's text format with Flink's names and labels:
 * - name: `flink_` + the logical scope's parts joined by `_` + `_` + the metric name, every character outside
 *   `[a-zA-Z0-9:_]` replaced by `_` (`flink_taskmanager_job_task_operator_numRecordsIn`);
 * - labels: the group's variables (`job_name`, `task_name`, `subtask_index`, `host`, `tm_id`, ...), their values
 *   filtered the same way unless `filterLabelValueCharacters` is false;
 * - counters and gauges are both Prometheus gauges, as Flink exports them; groups with the same metric name are
 *   one family with a series each.
 *
 * ```ts
 * const reporter = new PrometheusReporter({ registries: () => [registry] }, { name: 'prom', ports: '9249-9260', portKey: 'metrics.reporter.prom.port' });
 * await reporter.start();   // takes the first free port of the range
 * reporter.port;            // e.g. 9250
 * await reporter.close();
 * ```
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Gauge, Registry } from 'prom-client';
import { FlinkError } from '../util/errors.js';
import { listen } from '../util/listen.js';
import type { MetricGroup, MetricRegistry, MetricSample } from './metric-registry.js';
import { ReporterFilter } from './reporter-filter.js';

const INVALID_CHARACTERS = /[^a-zA-Z0-9:_]/g;

/** Flink's character filter of the Prometheus reporter: what Prometheus does not allow in a name becomes `_`. */
export function replaceInvalidChars(text: string): string {
  return text.replace(INVALID_CHARACTERS, '_');
}

/** The Prometheus name of a metric of a group with this logical scope (`taskmanager.job.task`). */
export function prometheusName(scope: string, metricName: string): string {
  return `flink_${scope.split('.').map(replaceInvalidChars).join('_')}_${replaceInvalidChars(metricName)}`;
}

/** What the reporter makes of variables: which to leave out, which to add, whether values are filtered. */
export interface LabelSettings {
  readonly filterLabelValueCharacters: boolean;
  readonly excludedVariables: readonly string[];
  readonly additionalVariables: Readonly<Record<string, string>>;
}

/** A group's labels: its variables less the excluded ones, plus the additional ones it does not have. */
export function labelsOf(variables: Readonly<Record<string, string>>, settings: LabelSettings): Record<string, string> {
  const value = settings.filterLabelValueCharacters ? replaceInvalidChars : (v: string): string => v;
  const labels: Record<string, string> = {};
  for (const [name, v] of Object.entries(variables)) {
    if (!settings.excludedVariables.includes(name)) labels[replaceInvalidChars(name)] = value(v);
  }
  for (const [name, v] of Object.entries(settings.additionalVariables)) {
    const label = replaceInvalidChars(name);
    if (!(label in labels)) labels[label] = value(v);
  }
  return labels;
}

interface Family {
  help: string;
  labelNames: Set<string>;
  series: Array<{ labels: Record<string, string>; value: number }>;
}

/**
 * The exposition of these groups: one Prometheus registry built for this scrape, so series of groups that are
 * gone (a cancelled job's tasks) are gone from the next scrape without bookkeeping.
 */
export async function exposition(groups: readonly MetricGroup[], settings: LabelSettings, filter: ReporterFilter): Promise<{ text: string; contentType: string }> {
  const families = new Map<string, Family>();
  for (const group of groups) {
    let samples: MetricSample[];
    try {
      samples = group.collect();
    } catch {
      // A group whose source is closing has nothing to say; the others still make the scrape.
      continue;
    }
    const labels = labelsOf(group.variables, settings);
    const promScope = group.scope.split('.').map(replaceInvalidChars).join('_');
    for (const s of samples) {
      if (!filter.accepts(group.scope, s.name, s.kind)) continue;
      const name = prometheusName(group.scope, s.name);
      let family = families.get(name);
      if (family === undefined) {
        family = { help: `${s.name} (scope: ${promScope})`, labelNames: new Set(), series: [] };
        families.set(name, family);
      }
      for (const l of Object.keys(labels)) family.labelNames.add(l);
      family.series.push({ labels, value: s.value });
    }
  }
  const registry = new Registry();
  for (const [name, family] of families) {
    const gauge = new Gauge({ name, help: family.help, labelNames: [...family.labelNames], registers: [registry] });
    for (const { labels, value } of family.series) gauge.set(labels, value);
  }
  return { text: await registry.metrics(), contentType: registry.contentType };
}

/** No port of the configured ports was free (or allowed) on this host. */
export class PrometheusPortsTakenError extends FlinkError {
  constructor(message: string, cause: unknown) {
    super('PROMETHEUS_PORTS_TAKEN', message, { cause });
  }
}

/** Flink's port specs ("9249", "9249-9260", "9249,9300-9310") as the ports to try, in order. */
export function portsOf(spec: string): number[] {
  const ports: number[] = [];
  for (const part of spec.split(',')) {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
    if (!m) continue;
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    for (let p = from; p <= Math.min(to, 65535); p++) ports.push(p);
  }
  return ports;
}

export interface PrometheusReporterComponents {
  /** The registries to read on each scrape (a daemon's one; all of them in the embedded local cluster). */
  registries: () => readonly MetricRegistry[];
  log?: { info(msg: string): void; warn(msg: string, err?: unknown): void };
}

export interface PrometheusReporterInit extends Partial<LabelSettings> {
  /** The reporter's name (`prom` of metrics.reporter.prom.*), for messages. */
  name: string;
  /** The port spec to take the first free port of. */
  ports: string;
  /** The key the ports come from, for messages. */
  portKey: string;
  /** The address to listen on; unset: all interfaces, as Flink's reporter does. */
  bindHost?: string;
  includes?: readonly string[];
  excludes?: readonly string[];
}

export class PrometheusReporter {
  readonly #registries: () => readonly MetricRegistry[];
  readonly #log: PrometheusReporterComponents['log'];
  readonly #init: PrometheusReporterInit;
  readonly #settings: LabelSettings;
  readonly #filter: ReporterFilter;
  #server: Server | undefined;
  #port = -1;
  #closed = false;

  constructor(components: PrometheusReporterComponents, init: PrometheusReporterInit) {
    this.#registries = components.registries;
    this.#log = components.log;
    this.#init = init;
    this.#settings = {
      filterLabelValueCharacters: init.filterLabelValueCharacters ?? true,
      excludedVariables: init.excludedVariables ?? [],
      additionalVariables: init.additionalVariables ?? {},
    };
    this.#filter = ReporterFilter.of(init.includes ?? ['*:*:*'], init.excludes ?? []);
  }

  /** The port it serves on; -1 before start. */
  get port(): number {
    return this.#port;
  }

  /** Listens on the first port of the range that is free; throws {@link PrometheusPortsTakenError} if none is. */
  async start(): Promise<void> {
    const ports = portsOf(this.#init.ports);
    const failures: string[] = [];
    for (const port of ports) {
      if (this.#closed) return;
      const server = createServer((req, res) => void this.#handle(req, res));
      try {
        await listen(server, port, this.#init.bindHost);
      } catch (err) {
        // Flink takes any failure as "port taken" and tries the next one.
        failures.push(`${port}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
        continue;
      }
      const address = server.address();
      this.#port = typeof address === 'object' && address !== null ? address.port : port;
      this.#server = server;
      const where = this.#init.bindHost ?? 'all interfaces';
      this.#log?.info(`Prometheus reporter '${this.#init.name}' serves metrics on port ${this.#port} (${where}) at /metrics.`);
      return;
    }
    const host = this.#init.bindHost ?? '*';
    throw new PrometheusPortsTakenError(
      `The Prometheus reporter '${this.#init.name}' could not listen on any port of ${this.#init.portKey}: ${this.#init.ports} on ${host} ` +
        `(${failures.slice(0, 5).join(', ')}${failures.length > 5 ? ', ...' : ''}). Its metrics are not exposed here; ` +
        `give ${this.#init.portKey} a range with a free port for each daemon on this host, e.g. 9249-9260.`,
      undefined,
    );
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' }).end('Only GET and HEAD are allowed.\n');
        return;
      }
      const path = (req.url ?? '/').split('?')[0];
      if (path === '/-/healthy') {
        res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Exporter is healthy.\n');
        return;
      }
      const groups = this.#registries().flatMap((r) => r.groups());
      const { text, contentType } = await exposition(groups, this.#settings, this.#filter);
      res.writeHead(200, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(text) });
      res.end(req.method === 'HEAD' ? undefined : text);
    } catch (err) {
      this.#log?.warn(`Prometheus reporter '${this.#init.name}' could not answer a scrape.`, err);
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(`${(err as Error).message}\n`);
    }
  }

  /** Stops serving; safe to call twice. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const server = this.#server;
    this.#server = undefined;
    if (server === undefined) return;
    // A scraper's keep-alive connection must not hold the daemon's shutdown.
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
