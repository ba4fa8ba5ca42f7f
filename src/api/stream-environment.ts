/**
 * StreamExecutionEnvironment: the entry point of a streaming program, as in Flink.
 *
 * ```ts
 * import { StreamExecutionEnvironment } from 'flink-ts';
 * const env = StreamExecutionEnvironment.getExecutionEnvironment();
 * env.fromElements('a b', 'b c').flatMap((l, out) => l.split(' ').forEach((w) => out.collect([w, 1])))
 *   .keyBy(0).sum(1).print();
 * await env.execute('WordCount');
 * ```
 */
import {
  currentExecutionContext,
  JobExecutionResult,
  nextExecuteIndex,
  type RuntimeMode,
} from './context.js';
import { SingleOutputStreamOperator, SourceOperator } from './datastream.js';
import { SAME_AS_INPUT } from './transformation.js';
import type { SourceFunction } from './functions.js';
import { TransformationRegistry, type Json } from './transformation.js';
import { WatermarkStrategy, type TimeCharacteristic } from './watermark.js';
import { FileProcessingMode, TextInputFormat, type Source } from './sources.js';
import { UsageError } from '../util/errors.js';
import { CheckpointingOptions, lookupOption } from '../config/index.js';
import { CheckpointConfig, CheckpointingMode } from './checkpoint-config.js';
import { argText, checkedValue, InvalidSettingError, JobSettings, millisText } from './job-settings.js';
import { RESTART_STRATEGY_PREFIX, RestartStrategyConfiguration } from './restart-strategies.js';
import type { StateBackendSettings } from './state-backends.js';

export class StreamExecutionEnvironment {
  /** @internal */
  readonly registry = new TransformationRegistry();
  private parallelism: number;
  private maxParallelism = -1;
  private bufferTimeout: number;
  private runtimeMode: RuntimeMode = 'STREAMING';
  private timeCharacteristic: TimeCharacteristic = 'ProcessingTime';
  private readonly config: ExecutionConfig;
  /** Checkpointing, restart strategy and state backend, as the configuration keys the job carries. */
  private readonly settings = new JobSettings();
  private readonly checkpointConfig = new CheckpointConfig(this.settings);

  protected constructor() {
    const ctx = currentExecutionContext();
    this.parallelism = ctx.defaultParallelism;
    this.bufferTimeout = ctx.bufferTimeout;
    this.config = new ExecutionConfig(ctx.autoWatermarkInterval ?? 200, this.settings);
  }

  /**
   * Turns on checkpointing every `interval` ms (at least 10; Flink's deprecated no-argument form means 500),
   * EXACTLY_ONCE unless `mode` says AT_LEAST_ONCE. Sets `execution.checkpointing.interval` and `.mode` of the job.
   */
  enableCheckpointing(interval = 500, mode: CheckpointingMode = CheckpointingMode.EXACTLY_ONCE): this {
    const where = `env.enableCheckpointing(${argText(interval)}${mode === CheckpointingMode.EXACTLY_ONCE ? '' : `, ${argText(mode)}`})`;
    const intervalText = millisText(interval, where);
    if (typeof mode !== 'string') throw new InvalidSettingError(`${where}: use CheckpointingMode.EXACTLY_ONCE or CheckpointingMode.AT_LEAST_ONCE.`);
    // Both checked before either is set: a bad mode leaves checkpointing as it was.
    const modeText = checkedValue(CheckpointingOptions.CHECKPOINTING_MODE, mode, where);
    this.settings.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, intervalText, where);
    this.settings.set(CheckpointingOptions.CHECKPOINTING_MODE, modeText, where);
    return this;
  }
  getCheckpointConfig(): CheckpointConfig {
    return this.checkpointConfig;
  }
  /** The checkpoint interval in ms, -1 when checkpointing is off. */
  getCheckpointInterval(): number {
    return this.checkpointConfig.getCheckpointInterval();
  }
  getCheckpointingMode(): CheckpointingMode {
    return this.checkpointConfig.getCheckpointingMode();
  }

  /** How the job restarts after a failure: one of {@link RestartStrategies}. Replaces any strategy set before. */
  setRestartStrategy(restartStrategyConfiguration: RestartStrategyConfiguration): this {
    this.config.setRestartStrategy(restartStrategyConfiguration);
    return this;
  }
  getRestartStrategy(): RestartStrategyConfiguration | undefined {
    return this.config.getRestartStrategy();
  }

  /**
   * Where working state lives: `new HashMapStateBackend()` (the heap, the default), `new EmbeddedLmdbStateBackend()`
   * (local disk), or a `state.backend` name. Sets `state.backend` of the job.
   */
  setStateBackend(backend: StateBackendSettings | string): this {
    if (typeof backend === 'string') {
      this.settings.set(CheckpointingOptions.STATE_BACKEND, backend, `env.setStateBackend(${argText(backend)})`);
      return this;
    }
    if (backend === null || typeof backend !== 'object' || typeof (backend as Partial<StateBackendSettings>).stateBackendSettings !== 'function') {
      throw new InvalidSettingError("env.setStateBackend: give new HashMapStateBackend(), new EmbeddedLmdbStateBackend() or a state.backend name such as 'hashmap'.");
    }
    const { name, keys } = backend.stateBackendSettings();
    // Our own classes name our own backends: they need no check against the registry.
    this.settings.setTrusted(CheckpointingOptions.STATE_BACKEND.key, name);
    for (const [key, value] of Object.entries(keys)) this.settings.setTrusted(key, value);
    return this;
  }

  /**
   * Sets configuration keys for this job, as `-D key=value` on `bin/flink run` would (checked the same way), e.g.
   * `env.configure({ 'execution.checkpointing.interval': '10 s', 'restart-strategy': 'fixed-delay' })`.
   */
  configure(configuration: Readonly<Record<string, string>>): this {
    if (configuration === null || typeof configuration !== 'object') throw new InvalidSettingError('env.configure: give an object of configuration keys and values.');
    const checked: Array<[string, string]> = Object.entries(configuration).map(([key, value]) => {
      const where = `env.configure({ '${key}': ${argText(value)} })`;
      const registered = lookupOption(key);
      if (registered === undefined) throw new InvalidSettingError(`${where}: unknown configuration key. See docs/config.md for the keys.`);
      return [registered.option.key, checkedValue(registered.option, String(value), where)];
    });
    for (const [key, value] of checked) this.settings.setTrusted(key, value);
    return this;
  }

  /**
   * Flink 1.9's switch: what `timeWindow()` means (ProcessingTime, the default here as in 1.9, or
   * EventTime) and, with IngestionTime, sources stamp each record with the wall clock.
   */
  setStreamTimeCharacteristic(characteristic: TimeCharacteristic): this {
    if (characteristic !== 'ProcessingTime' && characteristic !== 'IngestionTime' && characteristic !== 'EventTime') {
      throw new UsageError(`setStreamTimeCharacteristic: unknown characteristic '${String(characteristic)}'; use TimeCharacteristic.ProcessingTime, IngestionTime or EventTime.`);
    }
    this.timeCharacteristic = characteristic;
    return this;
  }
  getStreamTimeCharacteristic(): TimeCharacteristic {
    return this.timeCharacteristic;
  }
  getConfig(): ExecutionConfig {
    return this.config;
  }

  static getExecutionEnvironment(): StreamExecutionEnvironment {
    return new StreamExecutionEnvironment();
  }

  setParallelism(parallelism: number): this {
    checkParallelism(parallelism, 'setParallelism');
    this.parallelism = parallelism;
    return this;
  }
  getParallelism(): number {
    return this.parallelism;
  }
  setMaxParallelism(maxParallelism: number): this {
    if (!Number.isInteger(maxParallelism) || maxParallelism < 1 || maxParallelism > 32768) {
      throw new UsageError(`setMaxParallelism(${maxParallelism}): the maximum parallelism must be an integer in 1..32768.`);
    }
    this.maxParallelism = maxParallelism;
    return this;
  }
  getMaxParallelism(): number {
    return this.maxParallelism;
  }
  /** Milliseconds after which partly filled network buffers are flushed; 0 = every record, -1 = only when full. */
  setBufferTimeout(timeoutMillis: number): this {
    if (!Number.isInteger(timeoutMillis) || timeoutMillis < -1) {
      throw new UsageError(`setBufferTimeout(${timeoutMillis}): use -1 (flush only full buffers), 0 or a positive number of milliseconds.`);
    }
    this.bufferTimeout = timeoutMillis;
    return this;
  }
  getBufferTimeout(): number {
    return this.bufferTimeout;
  }
  setRuntimeMode(mode: RuntimeMode): this {
    this.runtimeMode = mode;
    return this;
  }

  fromElements<T>(...elements: T[]): SingleOutputStreamOperator<T> {
    return this.fromCollection(elements, 'Collection Source');
  }

  fromCollection<T>(elements: Iterable<T>, name = 'Collection Source'): SingleOutputStreamOperator<T> {
    const list = [...elements];
    const t = this.registry.create({
      name,
      operator: 'source:collection',
      params: { count: list.length },
      fns: [list],
      nonParallel: true,
      chaining: 'HEAD',
    });
    return new SingleOutputStreamOperator<T>(this, t);
  }

  /** Emits the numbers from..to (inclusive), split evenly across the parallel source instances. */
  generateSequence(from: number, to: number): SingleOutputStreamOperator<number> {
    if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to) || to < from) {
      throw new UsageError(`generateSequence(${from}, ${to}): use integers with from <= to.`);
    }
    const t = this.registry.create({
      name: 'Sequence Source',
      operator: 'source:sequence',
      params: { from, to },
      chaining: 'HEAD',
    });
    return new SingleOutputStreamOperator<number>(this, t);
  }

  /** Reads a text file (or every file of a directory) line by line; parallel instances read byte ranges. */
  readTextFile(path: string, charsetName = 'UTF-8'): SingleOutputStreamOperator<string> {
    checkPath(path, 'readTextFile');
    const t = this.registry.create({
      name: `Source: ${path}`,
      operator: 'source:text-file',
      params: { path, charset: charsetName },
      chaining: 'HEAD',
    });
    return new SingleOutputStreamOperator<string>(this, t);
  }

  /**
   * Lines (or `delimiter`-separated strings) from a TCP socket. When the server closes the connection the
   * source reconnects after 500 ms as Flink's does: maxRetry 0 ends the source at the first close, -1 never,
   * n > 0 after the n-th connection closed (Flink counts the first connection too).
   *
   * Not replayable: the source keeps no position, so with checkpointing on, the records it received before a
   * failure are not read again after the restart (the JobManager logs a warning when such a job starts). Use a
   * file source or DataGeneratorSource where exactly-once results matter.
   */
  socketTextStream(hostname: string, port: number, delimiter = '\n', maxRetry = 0): SingleOutputStreamOperator<string> {
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new UsageError(`socketTextStream: invalid port ${port}; use 1..65535.`);
    }
    checkSocketTextStreamArgs(hostname, delimiter, maxRetry);
    const t = this.registry.create({
      name: 'Socket Stream',
      operator: 'source:socket',
      params: { hostname, port, delimiter, maxRetry },
      nonParallel: true,
      bounded: false,
      chaining: 'HEAD',
    });
    return new SingleOutputStreamOperator<string>(this, t);
  }

  /** A user-defined source: an (async) generator function or an object with run(ctx)/cancel(). */
  addSource<T>(source: SourceFunction<T>, name = 'Custom Source', options: { parallel?: boolean } = {}): SingleOutputStreamOperator<T> {
    const t = this.registry.create({
      name,
      operator: 'source:custom',
      params: { parallel: options.parallel ?? false },
      fns: [source],
      nonParallel: !options.parallel,
      bounded: false,
      chaining: 'HEAD',
    });
    return new SingleOutputStreamOperator<T>(this, t);
  }

  /** Runs the pipeline built so far as one job and waits for it (unless submitted detached). */
  async execute(jobName = 'Flink Streaming Job'): Promise<JobExecutionResult> {
    const ctx = currentExecutionContext();
    const sinks = [...this.registry.sinks];
    if (sinks.length === 0) {
      throw new UsageError('No operators defined in streaming topology. Cannot execute. Add a sink (print(), writeAsText(), addSink()) before calling execute().');
    }
    this.registry.clearSinks();
    const data = await ctx.execute({
      jobName,
      mode: this.runtimeMode,
      registry: this.registry,
      sinks,
      defaultParallelism: this.parallelism,
      maxParallelism: this.maxParallelism,
      bufferTimeout: this.bufferTimeout,
      autoWatermarkInterval: this.config.getAutoWatermarkInterval(),
      timeCharacteristic: this.timeCharacteristic,
      executeIndex: nextExecuteIndex(),
      jobConfiguration: this.settings.toRecord(),
    });
    return new JobExecutionResult(data);
  }

  /** Flink's newer name of generateSequence: the numbers from..to, split evenly across the parallel instances. */
  fromSequence(from: number, to: number): SingleOutputStreamOperator<number> {
    return this.generateSequence(from, to);
  }

  /**
   * A stream from a {@link Source} such as {@link DataGeneratorSource}; it runs with the environment's
   * parallelism unless set on the returned stream.
   */
  fromSource<T>(source: Source<T>, watermarkStrategy: WatermarkStrategy<T> | null, sourceName: string): SingleOutputStreamOperator<T> {
    if (source === null || typeof source !== 'object' || typeof (source as { sourceSpec?: unknown }).sourceSpec !== 'function') {
      throw new UsageError('fromSource: give a source such as new DataGeneratorSource(fn, count, rateLimiterStrategy).');
    }
    if (typeof sourceName !== 'string' || sourceName.length === 0) throw new UsageError('fromSource: give the source a name (the third argument).');
    const spec = source.sourceSpec();
    const t = this.registry.create({
      name: sourceName,
      operator: spec.operator,
      params: spec.params,
      fns: [spec.fn],
      bounded: spec.bounded,
      chaining: 'HEAD',
    });
    if (watermarkStrategy === null || watermarkStrategy === undefined || watermarkStrategy.isNoOp()) return new SingleOutputStreamOperator<T>(this, t);
    if (!(watermarkStrategy instanceof WatermarkStrategy)) {
      throw new UsageError('fromSource: the second argument must be a WatermarkStrategy, e.g. WatermarkStrategy.noWatermarks().');
    }
    // Flink generates watermarks inside the source; an assigner chained right behind it (same parallelism,
    // which follows the source's) is equivalent here.
    const stamped = this.registry.create({
      name: `${sourceName}: Timestamps/Watermarks`,
      operator: 'timestamps-watermarks',
      fns: [watermarkStrategy],
      inputs: [t],
      parallelism: SAME_AS_INPUT,
    });
    return new SourceOperator<T>(this, stamped, t);
  }

  /**
   * Reads `path` (a file or a directory's files, ignoring names starting with '.' or '_') with `format`:
   * once (PROCESS_ONCE, then the source ends) or, with PROCESS_CONTINUOUSLY, again every `interval` ms,
   * reading each new file and each modified file (whole, again) until the job is cancelled. Files are
   * spread over the parallel instances by name.
   */
  readFile(format: TextInputFormat, path: string, watchType: FileProcessingMode = FileProcessingMode.PROCESS_ONCE, interval = -1): SingleOutputStreamOperator<string> {
    if (!(format instanceof TextInputFormat)) throw new UsageError('readFile: the format must be a TextInputFormat (new TextInputFormat(path)).');
    checkPath(path, 'readFile');
    if (watchType !== FileProcessingMode.PROCESS_ONCE && watchType !== FileProcessingMode.PROCESS_CONTINUOUSLY) {
      throw new UsageError(`readFile: unknown watch type '${String(watchType)}'; use FileProcessingMode.PROCESS_ONCE or FileProcessingMode.PROCESS_CONTINUOUSLY.`);
    }
    const continuous = watchType === FileProcessingMode.PROCESS_CONTINUOUSLY;
    if (continuous && (!Number.isInteger(interval) || interval < 1)) {
      throw new UsageError(`readFile: PROCESS_CONTINUOUSLY needs a monitoring interval of at least 1 ms (got ${String(interval)}).`);
    }
    const t = this.registry.create({
      name: `Custom File Source`,
      operator: 'source:file-monitor',
      params: { path, charset: format.getCharsetName(), continuous, interval: continuous ? interval : -1 },
      bounded: !continuous,
      chaining: 'HEAD',
    });
    return new SingleOutputStreamOperator<string>(this, t);
  }
}

function checkSocketTextStreamArgs(hostname: unknown, delimiter: unknown, maxRetry: unknown): void {
  if (typeof hostname !== 'string' || hostname.length === 0) throw new UsageError('socketTextStream: the hostname must be a non-empty string.');
  if (typeof delimiter !== 'string' || delimiter.length === 0) throw new UsageError("socketTextStream: the delimiter must be a non-empty string (the default is '\\n').");
  if (typeof maxRetry !== 'number' || !Number.isInteger(maxRetry) || maxRetry < -1) {
    throw new UsageError(`socketTextStream: maxRetry ${String(maxRetry)} is invalid; use 0 (end when the server closes), n > 0 (reconnect until n connections closed) or -1 (reconnect forever).`);
  }
}

/** Settings of a job that are not about parallelism (Flink's ExecutionConfig), as far as they apply here. */
export class ExecutionConfig {
  private restartStrategy: RestartStrategyConfiguration | undefined;

  /** @internal */
  constructor(
    private autoWatermarkInterval: number,
    private readonly settings: JobSettings,
  ) {}

  /** How the job restarts after a failure (see env.setRestartStrategy). */
  setRestartStrategy(restartStrategyConfiguration: RestartStrategyConfiguration): this {
    if (!(restartStrategyConfiguration instanceof RestartStrategyConfiguration)) {
      throw new InvalidSettingError('setRestartStrategy: give one of RestartStrategies.noRestart(), fixedDelayRestart(...), failureRateRestart(...), exponentialDelayRestart(...) or fallBackRestart().');
    }
    this.settings.deletePrefix(RESTART_STRATEGY_PREFIX);
    for (const [key, value] of Object.entries(restartStrategyConfiguration.keys)) this.settings.setTrusted(key, value);
    this.restartStrategy = restartStrategyConfiguration;
    return this;
  }
  getRestartStrategy(): RestartStrategyConfiguration | undefined {
    return this.restartStrategy;
  }

  /** How often timestamp assigners emit watermarks, in ms (`pipeline.auto-watermark-interval`); 0 turns it off. */
  setAutoWatermarkInterval(intervalMillis: number): this {
    if (!Number.isInteger(intervalMillis) || intervalMillis < 0) {
      throw new UsageError(`setAutoWatermarkInterval(${intervalMillis}): use 0 (off) or a positive number of milliseconds.`);
    }
    this.autoWatermarkInterval = intervalMillis;
    return this;
  }
  getAutoWatermarkInterval(): number {
    return this.autoWatermarkInterval;
  }
}

export function checkParallelism(p: number, where: string): void {
  if (!Number.isInteger(p) || p < 1) {
    throw new UsageError(`${where}(${p}): the parallelism must be an integer >= 1.`);
  }
}

export function checkPath(path: unknown, where: string): asserts path is string {
  if (typeof path !== 'string' || path.length === 0) {
    throw new UsageError(`${where}: the path must be a non-empty string.`);
  }
}

export type { Json };
