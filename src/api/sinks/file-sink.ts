/**
 * Exactly-once file sinks in row format: `FileSink` (Flink 1.12+, `stream.sinkTo(sink)`) and its older twin
 * `StreamingFileSink` (`stream.addSink(sink)`). Both write the same files the same way.
 *
 * ```ts
 * const sink = FileSink.forRowFormat('hdfs:///logs', new SimpleStringEncoder())
 *   .withRollingPolicy(DefaultRollingPolicy.builder().withMaxPartSize(64 * 1024 * 1024).build())
 *   .withOutputFileConfig(OutputFileConfig.builder().withPartSuffix('.txt').build())
 *   .build();
 * stream.sinkTo(sink);
 * ```
 *
 * Records go to hidden in-progress part files, one per bucket directory; a part file closes when the rolling
 * policy says so and at every checkpoint, and becomes visible (renamed to `part-<uuid>-<n>`) when the checkpoint
 * after it completes, or at the end of a bounded input. Without checkpointing an unbounded job's files stay hidden.
 */
import { formatRecord } from '../format.js';
import { UsageError } from '../../util/errors.js';
import { DateTimeBucketAssigner, type BucketAssigner } from './bucket-assigners.js';
import { DefaultRollingPolicy, type RollingPolicy } from './rolling-policies.js';

/** Turns a record into the bytes of its row (Flink's Encoder): a string (written as UTF-8) or bytes. */
export interface Encoder<IN> {
  encode(element: IN): string | Uint8Array;
}

const CHARSETS: Readonly<Record<string, BufferEncoding>> = {
  'utf-8': 'utf8',
  utf8: 'utf8',
  'us-ascii': 'ascii',
  ascii: 'ascii',
  'iso-8859-1': 'latin1',
  latin1: 'latin1',
  'utf-16le': 'utf16le',
};

/** Each record as its string form (as `print()` shows it) plus '\n', in a charset (default UTF-8). */
export class SimpleStringEncoder<IN = unknown> implements Encoder<IN> {
  private readonly charset: BufferEncoding;
  constructor(charsetName = 'UTF-8') {
    const cs = typeof charsetName === 'string' ? CHARSETS[charsetName.toLowerCase()] : undefined;
    if (!cs) throw new UsageError(`SimpleStringEncoder: unsupported charset '${String(charsetName)}'; use UTF-8, US-ASCII, ISO-8859-1 or UTF-16LE.`);
    this.charset = cs;
  }
  encode(element: IN): string | Uint8Array {
    const line = `${formatRecord(element)}\n`;
    return this.charset === 'utf8' ? line : Buffer.from(line, this.charset);
  }
}

/** How part files are named: `<prefix>-<uuid>-<counter><suffix>` (defaults: 'part', ''). */
export class OutputFileConfig {
  constructor(
    private readonly partPrefix = 'part',
    private readonly partSuffix = '',
  ) {
    for (const [what, v] of [
      ['prefix', partPrefix],
      ['suffix', partSuffix],
    ] as const) {
      if (typeof v !== 'string' || v.includes('/')) throw new UsageError(`OutputFileConfig: the part ${what} must be a string without '/', got ${JSON.stringify(v)}.`);
    }
    if (partPrefix.length === 0) throw new UsageError('OutputFileConfig: the part prefix must not be empty.');
  }
  static builder(): OutputFileConfigBuilder {
    return new OutputFileConfigBuilder();
  }
  getPartPrefix(): string {
    return this.partPrefix;
  }
  getPartSuffix(): string {
    return this.partSuffix;
  }
}

export class OutputFileConfigBuilder {
  private prefix = 'part';
  private suffix = '';
  withPartPrefix(prefix: string): this {
    this.prefix = prefix;
    return this;
  }
  withPartSuffix(suffix: string): this {
    this.suffix = suffix;
    return this;
  }
  build(): OutputFileConfig {
    return new OutputFileConfig(this.prefix, this.suffix);
  }
}

/** Everything the runtime needs of a row-format file sink. */
export interface RowFormatSpec<IN = unknown> {
  readonly basePath: string;
  readonly encoder: Encoder<IN> | ((element: IN) => string | Uint8Array);
  readonly bucketAssigner: BucketAssigner<IN>;
  readonly rollingPolicy: RollingPolicy<IN>;
  /** How often (ms) open part files are checked against the rolling policy's time limits. */
  readonly bucketCheckInterval: number;
  readonly outputFileConfig: OutputFileConfig;
}

const DEFAULT_BUCKET_CHECK_INTERVAL = 60_000;

export class RowFormatBuilder<IN, S> {
  private bucketAssigner: BucketAssigner<IN> | undefined;
  private rollingPolicy: RollingPolicy<IN> | undefined;
  private bucketCheckInterval = DEFAULT_BUCKET_CHECK_INTERVAL;
  private outputFileConfig = new OutputFileConfig();

  /** @internal */
  constructor(
    private readonly where: string,
    private readonly basePath: string,
    private readonly encoder: RowFormatSpec<IN>['encoder'],
    private readonly make: (spec: RowFormatSpec<IN>) => S,
  ) {}

  /** Which bucket (subdirectory) each record goes to; default `new DateTimeBucketAssigner()` (hourly). */
  withBucketAssigner(assigner: BucketAssigner<IN>): this {
    if (assigner === null || typeof assigner !== 'object' || typeof assigner.getBucketId !== 'function') {
      throw new UsageError(`${this.where}.withBucketAssigner: give an object with getBucketId(element, context), such as new DateTimeBucketAssigner() or new BasePathBucketAssigner().`);
    }
    this.bucketAssigner = assigner;
    return this;
  }
  /** When part files roll; default `DefaultRollingPolicy.builder().build()`. */
  withRollingPolicy(policy: RollingPolicy<IN>): this {
    const ok = policy !== null && typeof policy === 'object' && ['shouldRollOnEvent', 'shouldRollOnProcessingTime'].every((m) => typeof (policy as unknown as Record<string, unknown>)[m] === 'function');
    if (!ok) {
      throw new UsageError(`${this.where}.withRollingPolicy: give a rolling policy, such as DefaultRollingPolicy.builder().build() or OnCheckpointRollingPolicy.build().`);
    }
    this.rollingPolicy = policy;
    return this;
  }
  /** How often (ms) the time limits of the rolling policy are checked; default 60 000. */
  withBucketCheckInterval(intervalMs: number): this {
    if (typeof intervalMs !== 'number' || !Number.isFinite(intervalMs) || intervalMs <= 0) {
      throw new UsageError(`${this.where}.withBucketCheckInterval: the interval must be a positive number of milliseconds, got ${String(intervalMs)}.`);
    }
    this.bucketCheckInterval = intervalMs;
    return this;
  }
  withOutputFileConfig(config: OutputFileConfig): this {
    if (!(config instanceof OutputFileConfig)) throw new UsageError(`${this.where}.withOutputFileConfig: give an OutputFileConfig, e.g. OutputFileConfig.builder().withPartPrefix('part').build().`);
    this.outputFileConfig = config;
    return this;
  }
  build(): S {
    return this.make({
      basePath: this.basePath,
      encoder: this.encoder,
      bucketAssigner: this.bucketAssigner ?? new DateTimeBucketAssigner<IN>(),
      rollingPolicy: this.rollingPolicy ?? DefaultRollingPolicy.builder().build<IN>(),
      bucketCheckInterval: this.bucketCheckInterval,
      outputFileConfig: this.outputFileConfig,
    });
  }
}

function checkPath(path: unknown, where: string): asserts path is string {
  if (typeof path !== 'string' || path.length === 0) throw new UsageError(`${where}: the base path must be a non-empty string (a path, file:// or hdfs:// URI).`);
}

function checkEncoder<IN>(encoder: unknown, where: string): RowFormatSpec<IN>['encoder'] {
  if (encoder === undefined) return new SimpleStringEncoder<IN>();
  if (typeof encoder === 'function') return encoder as (element: IN) => string | Uint8Array;
  if (encoder !== null && typeof encoder === 'object' && typeof (encoder as { encode?: unknown }).encode === 'function') return encoder as Encoder<IN>;
  throw new UsageError(`${where}.forRowFormat: give an encoder: an object with encode(element) returning a string or bytes (such as new SimpleStringEncoder()), or such a function.`);
}

/** Flink's unified-sink-API file sink: `stream.sinkTo(FileSink.forRowFormat(path, encoder).build())`. */
export class FileSink<IN = unknown> {
  /** @internal */
  readonly spec: RowFormatSpec<IN>;
  private constructor(spec: RowFormatSpec<IN>) {
    this.spec = spec;
  }
  /** Row-encoded part files below `basePath` (a path, `file://` or `hdfs://` URI); encoder default SimpleStringEncoder. */
  static forRowFormat<IN = unknown>(basePath: string, encoder?: Encoder<IN> | ((element: IN) => string | Uint8Array)): RowFormatBuilder<IN, FileSink<IN>> {
    checkPath(basePath, 'FileSink.forRowFormat');
    return new RowFormatBuilder<IN, FileSink<IN>>('FileSink', basePath, checkEncoder<IN>(encoder, 'FileSink'), (spec) => new FileSink<IN>(spec));
  }
}

/** Flink's older file sink, a SinkFunction: `stream.addSink(StreamingFileSink.forRowFormat(path, encoder).build())`. */
export class StreamingFileSink<IN = unknown> {
  /** @internal */
  readonly spec: RowFormatSpec<IN>;
  private constructor(spec: RowFormatSpec<IN>) {
    this.spec = spec;
  }
  static forRowFormat<IN = unknown>(basePath: string, encoder?: Encoder<IN> | ((element: IN) => string | Uint8Array)): RowFormatBuilder<IN, StreamingFileSink<IN>> {
    checkPath(basePath, 'StreamingFileSink.forRowFormat');
    return new RowFormatBuilder<IN, StreamingFileSink<IN>>('StreamingFileSink', basePath, checkEncoder<IN>(encoder, 'StreamingFileSink'), (spec) => new StreamingFileSink<IN>(spec));
  }
}
