/**
 * Command-line options the way Flink's CLI (Apache Commons CLI) reads and prints them: short and long names,
 * `-p 4` / `-p4` / `--parallelism=4`, `-Dkey=value`, parsing that can stop at the program path, and the
 * option table of `-h` (left padding 5, width 80).
 */
import { UsageError } from '../util/errors.js';

export interface OptionSpec {
  /** Short name without the dash: `p`, `sae`, `D`. */
  short: string;
  long?: string;
  /** The argument's name in help (`parallelism`); present when the option takes a value. */
  arg?: string;
  /** The value may be left out (`stop -p` without a directory). */
  optionalArg?: boolean;
  description: string;
}

export interface ParsedCommandLine {
  /** Values by short name; a flag maps to `[]`, a repeated option to every value. */
  readonly options: ReadonlyMap<string, readonly string[]>;
  /** Positional arguments; with stopAtNonOption, the program path and everything after it. */
  readonly args: readonly string[];
  has(short: string): boolean;
  value(short: string): string | undefined;
  values(short: string): readonly string[];
}

export class CommandLine implements ParsedCommandLine {
  constructor(
    readonly options: ReadonlyMap<string, readonly string[]>,
    readonly args: readonly string[],
  ) {}

  has(short: string): boolean {
    return this.options.has(short);
  }

  value(short: string): string | undefined {
    const v = this.options.get(short);
    return v === undefined ? undefined : v[v.length - 1];
  }

  values(short: string): readonly string[] {
    return this.options.get(short) ?? [];
  }
}

/**
 * Parses `args` against `specs`. With `stopAtNonOption` the first positional argument ends option parsing, so
 * everything after a program path reaches the program unchanged, even tokens that look like options.
 */
export function parseCommandLine(specs: readonly OptionSpec[], args: readonly string[], stopAtNonOption: boolean): CommandLine {
  const byShort = new Map(specs.map((s) => [s.short, s]));
  const byLong = new Map(specs.filter((s) => s.long !== undefined).map((s) => [s.long as string, s]));
  const options = new Map<string, string[]>();
  const positional: string[] = [];
  const add = (spec: OptionSpec, value?: string): void => {
    const list = options.get(spec.short) ?? [];
    if (value !== undefined) list.push(value);
    options.set(spec.short, list);
  };
  const isOptionToken = (t: string | undefined): boolean =>
    t !== undefined && t.startsWith('-') && t.length > 1 && !/^-\d/.test(t);

  let i = 0;
  const takeValue = (spec: OptionSpec, inline: string | undefined): void => {
    if (inline !== undefined) return add(spec, inline);
    const next = args[i + 1];
    if (next !== undefined && !isOptionToken(next)) {
      i++;
      return add(spec, next);
    }
    if (spec.optionalArg) return add(spec);
    throw new UsageError(`Missing argument for option: ${spec.short}`);
  };

  for (; i < args.length; i++) {
    const token = args[i] as string;
    if (token === '--') {
      positional.push(...args.slice(i + 1));
      break;
    }
    if (!isOptionToken(token)) {
      if (stopAtNonOption) {
        positional.push(...args.slice(i));
        break;
      }
      positional.push(token);
      continue;
    }
    if (token.startsWith('--')) {
      const eq = token.indexOf('=');
      const name = token.slice(2, eq < 0 ? undefined : eq);
      const spec = byLong.get(name) ?? uniqueLongPrefix(byLong, name, token);
      if (!spec) throw new UsageError(`Unrecognized option: ${token}`);
      const inline = eq < 0 ? undefined : token.slice(eq + 1);
      if (spec.arg !== undefined) takeValue(spec, inline);
      else if (inline !== undefined) throw new UsageError(`Option --${spec.long ?? spec.short} takes no value: ${token}`);
      else add(spec);
      continue;
    }
    const body = token.slice(1);
    const exact = byShort.get(body);
    if (exact) {
      if (exact.arg !== undefined) takeValue(exact, undefined);
      else add(exact);
      continue;
    }
    // `-p4`, `-Dkey=value`: the longest short name with an argument, followed by its value.
    const withValue = [...byShort.values()]
      .filter((s) => s.arg !== undefined && body.startsWith(s.short))
      .sort((a, b) => b.short.length - a.short.length)[0];
    if (withValue) {
      add(withValue, body.slice(withValue.short.length).replace(/^=/, ''));
      continue;
    }
    // `-dn`: several one-letter flags at once.
    const flags = [...body].map((c) => byShort.get(c));
    if (flags.every((f) => f !== undefined && f.arg === undefined)) {
      for (const f of flags) add(f as OptionSpec);
      continue;
    }
    throw new UsageError(`Unrecognized option: ${token}`);
  }
  return new CommandLine(options, positional);
}

function uniqueLongPrefix(byLong: Map<string, OptionSpec>, prefix: string, token: string): OptionSpec | undefined {
  if (prefix === '') return undefined;
  const matches = [...byLong.entries()].filter(([long]) => long.startsWith(prefix));
  if (matches.length > 1) {
    throw new UsageError(`Ambiguous option: '${token}' could be: ${matches.map(([l]) => `--${l}`).join(', ')}`);
  }
  return matches[0]?.[1];
}

const LEFT_PAD = 5;
const DESC_PAD = 3;
const WIDTH = 80;

/** The option table of Flink's help, options sorted by short name (case-insensitively), as Commons CLI prints it. */
export function formatOptionTable(specs: readonly OptionSpec[]): string[] {
  const sorted = [...specs].sort((a, b) => a.short.toLowerCase().localeCompare(b.short.toLowerCase()));
  const heads = sorted.map((s) => {
    let head = `${' '.repeat(LEFT_PAD)}-${s.short}`;
    if (s.long !== undefined) head += `,--${s.long}`;
    if (s.arg !== undefined) head += ` <${s.arg}>`;
    return head;
  });
  const column = Math.max(...heads.map((h) => h.length)) + DESC_PAD;
  const lines: string[] = [];
  sorted.forEach((s, idx) => {
    const wrapped = wrap(s.description, WIDTH - column);
    const first = (heads[idx] as string).padEnd(column) + (wrapped[0] ?? '');
    lines.push(first.trimEnd());
    for (const more of wrapped.slice(1)) lines.push(' '.repeat(column) + more);
  });
  return lines;
}

/** Greedy word wrap; a word longer than the width gets a line of its own. */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  for (const paragraph of text.split('\n')) {
    let line = '';
    for (const word of paragraph.split(/\s+/).filter((w) => w !== '')) {
      if (line === '') line = word;
      else if (line.length + 1 + word.length <= width) line += ` ${word}`;
      else {
        lines.push(line);
        line = word;
      }
    }
    lines.push(line);
  }
  return lines;
}
