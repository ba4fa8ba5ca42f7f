/**
 * ExecutionEnvironment: where a batch program starts (sources) and how it runs its sinks as one job.
 */
import { currentExecutionContext, JobExecutionResult, nextExecuteIndex } from './context.js';
import { DataSource } from './dataset.js';
import { checkParallelism, checkPath } from './stream-environment.js';
import { TransformationRegistry, type Json, type Transformation, type TransformationInit } from './transformation.js';
import { UsageError } from '../util/errors.js';

export interface CsvReaderOptions {
  fieldDelimiter?: string;
  lineDelimiter?: string;
  ignoreFirstLine?: boolean;
  /** Lines starting with this prefix are skipped. */
  ignoreComments?: string;
  quoteCharacter?: string | null;
  /** One entry per field: how to convert it. Without it every field stays a string. */
  types?: ReadonlyArray<'string' | 'number' | 'int' | 'boolean'>;
  /** Which fields to keep, as a list of positions or a mask string like "101". */
  includeFields?: ReadonlyArray<number> | string;
}


export class ExecutionEnvironment {
  /** @internal */
  readonly registry = new TransformationRegistry();
  private parallelism: number;

  protected constructor() {
    this.parallelism = currentExecutionContext().defaultParallelism;
  }

  static getExecutionEnvironment(): ExecutionEnvironment {
    return new ExecutionEnvironment();
  }

  setParallelism(parallelism: number): this {
    checkParallelism(parallelism, 'setParallelism');
    this.parallelism = parallelism;
    return this;
  }
  getParallelism(): number {
    return this.parallelism;
  }

  fromElements<T>(...elements: T[]): DataSource<T> {
    return this.fromCollection(elements);
  }
  fromCollection<T>(elements: Iterable<T>): DataSource<T> {
    const list = [...elements];
    return this.source<T>({ name: 'Collection Source', operator: 'source:collection', params: { count: list.length }, fns: [list], nonParallel: true });
  }
  generateSequence(from: number, to: number): DataSource<number> {
    if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to) || to < from) {
      throw new UsageError(`generateSequence(${from}, ${to}): use integers with from <= to.`);
    }
    return this.source<number>({ name: 'Sequence Source', operator: 'source:sequence', params: { from, to } });
  }
  readTextFile(path: string, charsetName = 'UTF-8'): DataSource<string> {
    checkPath(path, 'readTextFile');
    return this.source<string>({ name: `Source: ${path}`, operator: 'source:text-file', params: { path, charset: charsetName } });
  }
  /** Reads CSV rows as arrays (tuples). */
  readCsvFile<T extends unknown[] = unknown[]>(path: string, options: CsvReaderOptions = {}): DataSource<T> {
    checkPath(path, 'readCsvFile');
    const params: { [k: string]: Json } = {
      path,
      fieldDelimiter: options.fieldDelimiter ?? ',',
      lineDelimiter: options.lineDelimiter ?? '\n',
      ignoreFirstLine: options.ignoreFirstLine ?? false,
      ignoreComments: options.ignoreComments ?? null,
      quoteCharacter: options.quoteCharacter ?? null,
      types: options.types ? [...options.types] : null,
      includeFields: includeMask(options.includeFields),
    };
    return this.source<T>({ name: `Source: ${path}`, operator: 'source:csv-file', params });
  }

  /** Runs every sink defined so far as one job. */
  async execute(jobName = 'Flink Java Job'): Promise<JobExecutionResult> {
    const sinks = [...this.registry.sinks];
    if (sinks.length === 0) {
      throw new UsageError('No data sinks have been created yet. A program needs at least one sink that consumes data. Examples are writing the data set or printing it.');
    }
    this.registry.clearSinks();
    return this.run(jobName, sinks);
  }

  /** @internal runs one job for the given sinks (collect(), count() and print() use it). */
  async run(jobName: string, sinks: Transformation[]): Promise<JobExecutionResult> {
    const ctx = currentExecutionContext();
    const data = await ctx.execute({
      jobName,
      mode: 'BATCH',
      registry: this.registry,
      sinks,
      defaultParallelism: this.parallelism,
      maxParallelism: -1,
      bufferTimeout: -1,
      autoWatermarkInterval: 0,
      timeCharacteristic: 'ProcessingTime',
      executeIndex: nextExecuteIndex(),
    });
    return new JobExecutionResult(data);
  }

  /** @internal */
  create(init: TransformationInit): Transformation {
    return this.registry.create(init);
  }

  private source<T>(init: TransformationInit): DataSource<T> {
    return new DataSource<T>(this, this.registry.create({ chaining: 'HEAD', ...init }));
  }
}

function includeMask(fields: ReadonlyArray<number> | string | undefined): Json {
  if (fields === undefined) return null;
  if (typeof fields === 'string') {
    if (!/^[01TtFf]+$/.test(fields)) throw new UsageError(`includeFields mask '${fields}' may only contain 0/1 (or T/F).`);
    return [...fields].flatMap((c, i) => (c === '1' || c === 'T' || c === 't' ? [i] : []));
  }
  return [...fields];
}
