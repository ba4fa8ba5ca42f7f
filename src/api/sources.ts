/**
 * Source and sink building blocks with Flink's names: the rate-limited {@link DataGeneratorSource} for
 * `env.fromSource`, the {@link TextInputFormat} and {@link FileProcessingMode} of `env.readFile`, and the
 * {@link SimpleStringSchema} of `writeToSocket`.
 *
 * ```ts
 * const source = new DataGeneratorSource((i) => `event ${i}`, 1_000_000, RateLimiterStrategy.perSecond(10_000));
 * env.fromSource(source, WatermarkStrategy.noWatermarks(), 'Generator').print();
 * ```
 */
import type { RichFunction } from './functions.js';
import type { Json } from './transformation.js';
import { UsageError } from '../util/errors.js';

/** How fast a source may emit, for the whole source (each parallel instance gets its share). */
export class RateLimiterStrategy {
  private constructor(
    /** @internal records per second for the whole source; null = no limit */
    readonly recordsPerSecond: number | null,
  ) {}

  /** At most `recordsPerSecond` records per second over all parallel instances together. */
  static perSecond(recordsPerSecond: number): RateLimiterStrategy {
    if (typeof recordsPerSecond !== 'number' || !(recordsPerSecond > 0) || !Number.isFinite(recordsPerSecond)) {
      throw new UsageError(`RateLimiterStrategy.perSecond(${String(recordsPerSecond)}): give a positive number of records per second, or use RateLimiterStrategy.noOp() for no limit.`);
    }
    return new RateLimiterStrategy(recordsPerSecond);
  }

  /** No rate limit: as fast as downstream takes the records. */
  static noOp(): RateLimiterStrategy {
    return new RateLimiterStrategy(null);
  }
}

/** Turns an index (0, 1, 2, ...) into a record: a function, or an object with `map(index)` (and open/close). */
export type GeneratorFunction<T> = ((index: number) => T) | (RichFunction & { map(index: number): T });

/** What `env.fromSource` needs of a source: how to run it. */
export interface Source<T> {
  /** @internal the runtime operator, its JSON parameters and its user function */
  sourceSpec(): { operator: string; params: { [key: string]: Json }; fn: unknown; bounded: boolean };
  /** @internal keeps the element type in the signature */
  readonly _type?: T;
}

/**
 * Flink's DataGeneratorSource: the records `generatorFunction(0) .. generatorFunction(count - 1)`, the index
 * range split into one contiguous share per parallel instance. `count` of Infinity (or
 * Number.MAX_SAFE_INTEGER) makes the source unbounded.
 */
export class DataGeneratorSource<T> implements Source<T> {
  declare readonly _type?: T;
  private readonly count: number;

  constructor(
    private readonly generatorFunction: GeneratorFunction<T>,
    count: number,
    private readonly rateLimiterStrategy: RateLimiterStrategy = RateLimiterStrategy.noOp(),
  ) {
    const isFn = typeof generatorFunction === 'function';
    const isObj = generatorFunction !== null && typeof generatorFunction === 'object' && typeof (generatorFunction as { map?: unknown }).map === 'function';
    if (!isFn && !isObj) {
      throw new UsageError('DataGeneratorSource: give a generator function (index) => record, or an object with a map(index) method.');
    }
    if (count !== Infinity && (!Number.isSafeInteger(count) || count < 0)) {
      throw new UsageError(`DataGeneratorSource: count ${String(count)} is not a whole number >= 0; use Infinity (or Number.MAX_SAFE_INTEGER) for an unbounded source.`);
    }
    if (!(rateLimiterStrategy instanceof RateLimiterStrategy)) {
      throw new UsageError('DataGeneratorSource: the rate limiter must come from RateLimiterStrategy.perSecond(n) or RateLimiterStrategy.noOp().');
    }
    this.count = count === Infinity ? Number.MAX_SAFE_INTEGER : count;
  }

  /** @internal */
  sourceSpec(): { operator: string; params: { [key: string]: Json }; fn: unknown; bounded: boolean } {
    return {
      operator: 'source:data-generator',
      params: { count: this.count, recordsPerSecond: this.rateLimiterStrategy.recordsPerSecond },
      fn: this.generatorFunction,
      bounded: this.count < Number.MAX_SAFE_INTEGER,
    };
  }
}

/** Whether `readFile` reads the path once and ends, or keeps watching it for new and changed files. */
export const FileProcessingMode = {
  PROCESS_ONCE: 'PROCESS_ONCE',
  PROCESS_CONTINUOUSLY: 'PROCESS_CONTINUOUSLY',
} as const;
export type FileProcessingMode = (typeof FileProcessingMode)[keyof typeof FileProcessingMode];

/** The input format of `readFile`: a file or directory read as lines (Flink's TextInputFormat). */
export class TextInputFormat {
  private charsetName = 'UTF-8';

  constructor(readonly filePath?: string) {}

  setCharsetName(charsetName: string): this {
    this.charsetName = charsetName;
    return this;
  }
  getCharsetName(): string {
    return this.charsetName;
  }
}

/**
 * Flink's SimpleStringSchema for `writeToSocket`: a string record as its UTF-8 bytes. Like Flink's, it adds
 * no delimiter; end records with '\n' yourself when the reader expects lines.
 */
export class SimpleStringSchema {
  serialize(element: string): Uint8Array {
    return Buffer.from(String(element), 'utf8');
  }
}

/** What `writeToSocket` takes: a function or an object with `serialize(record)`, giving a string or bytes. */
export type SerializationSchema<T> = ((record: T) => string | Uint8Array) | { serialize(record: T): string | Uint8Array };
