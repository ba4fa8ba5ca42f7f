/** Flink's ParameterTool: `--input x --output y` program arguments. */
import { UsageError } from '../util/errors.js';

export class ParameterTool {
  private constructor(private readonly data: Map<string, string>) {}

  /** Parses `--key value`, `-key value` and bare `--flag` (value "__NO_VALUE_KEY", as in Flink). */
  static fromArgs(args: readonly string[]): ParameterTool {
    const data = new Map<string, string>();
    for (let i = 0; i < args.length; i++) {
      const a = args[i] as string;
      if (!a.startsWith('-') || a === '-' || a === '--') {
        throw new UsageError(`Error parsing arguments '${args.join(' ')}' on '${a}'. Please prefix keys with -- or -.`);
      }
      const key = a.replace(/^--?/, '');
      const next = args[i + 1];
      if (next !== undefined && !(next.startsWith('-') && Number.isNaN(Number(next)))) {
        data.set(key, next);
        i++;
      } else {
        data.set(key, '__NO_VALUE_KEY');
      }
    }
    return new ParameterTool(data);
  }

  has(key: string): boolean {
    return this.data.has(key);
  }
  get(key: string, defaultValue?: string): string | undefined {
    const v = this.data.get(key);
    return v === undefined || v === '__NO_VALUE_KEY' ? defaultValue : v;
  }
  getRequired(key: string): string {
    const v = this.get(key);
    if (v === undefined) throw new UsageError(`No data for required key '${key}': pass --${key} <value>.`);
    return v;
  }
  getInt(key: string, defaultValue?: number): number | undefined {
    const v = this.get(key);
    if (v === undefined) return defaultValue;
    const n = Number(v);
    if (!Number.isInteger(n)) throw new UsageError(`--${key} must be an integer, got '${v}'.`);
    return n;
  }
  getLong(key: string, defaultValue?: number): number | undefined {
    return this.getInt(key, defaultValue);
  }
  getDouble(key: string, defaultValue?: number): number | undefined {
    const v = this.get(key);
    if (v === undefined) return defaultValue;
    const n = Number(v);
    if (v.trim() === '' || Number.isNaN(n)) throw new UsageError(`--${key} must be a number, got '${v}'.`);
    return n;
  }
  getBoolean(key: string, defaultValue?: boolean): boolean | undefined {
    const v = this.get(key);
    if (v === undefined) return this.data.get(key) === '__NO_VALUE_KEY' ? true : defaultValue;
    if (v === 'true' || v === 'false') return v === 'true';
    throw new UsageError(`--${key} must be true or false, got '${v}'.`);
  }
  getNumberOfParameters(): number {
    return this.data.size;
  }
  toMap(): Record<string, string> {
    return Object.fromEntries(this.data);
  }
}
