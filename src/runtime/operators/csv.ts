/** CSV line parsing for readCsvFile: delimiters, quotes, field selection and type conversion. */
import { FlinkError } from '../../util/errors.js';

export interface CsvOptions {
  fieldDelimiter: string;
  lineDelimiter: string;
  ignoreFirstLine: boolean;
  ignoreComments: string | null;
  quoteCharacter: string | null;
  types: Array<'string' | 'number' | 'int' | 'boolean'> | null;
  includeFields: number[] | null;
}

export class CsvParseError extends FlinkError {
  constructor(message: string) {
    super('CSV_PARSE', message);
  }
}

export function splitCsv(line: string, delim: string, quote: string | null): string[] {
  if (!quote || !line.includes(quote)) return line.split(delim);
  const out: string[] = [];
  let cur = '';
  let inQuotes = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i] as string;
    if (inQuotes) {
      if (ch === quote) {
        if (line[i + 1] === quote) {
          cur += quote;
          i++;
        } else inQuotes = false;
      } else cur += ch;
    } else if (ch === quote && cur.length === 0) {
      inQuotes = true;
    } else if (line.startsWith(delim, i)) {
      out.push(cur);
      cur = '';
      i += delim.length - 1;
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

export function parseCsvLine(line: string, o: CsvOptions, where: () => string): unknown[] {
  let fields: string[] = splitCsv(line, o.fieldDelimiter, o.quoteCharacter);
  if (o.includeFields) fields = o.includeFields.map((i) => fields[i] ?? '');
  if (!o.types) return fields;
  if (fields.length < o.types.length) {
    throw new CsvParseError(`Row in ${where()} has ${fields.length} fields but ${o.types.length} types were declared: '${line.slice(0, 200)}'.`);
  }
  return o.types.map((t, i) => convert(fields[i] as string, t, i, where));
}

function convert(v: string, t: string, i: number, where: () => string): unknown {
  switch (t) {
    case 'string':
      return v;
    case 'number': {
      const n = Number(v.trim());
      if (v.trim() === '' || Number.isNaN(n)) throw new CsvParseError(`Field ${i} in ${where()} is not a number: '${v}'.`);
      return n;
    }
    case 'int': {
      if (!/^\s*[-+]?\d+\s*$/.test(v)) throw new CsvParseError(`Field ${i} in ${where()} is not an integer: '${v}'.`);
      return Number.parseInt(v, 10);
    }
    case 'boolean': {
      const s = v.trim().toLowerCase();
      if (s === 'true' || s === '1') return true;
      if (s === 'false' || s === '0') return false;
      throw new CsvParseError(`Field ${i} in ${where()} is not a boolean: '${v}'.`);
    }
    default:
      throw new CsvParseError(`Unknown CSV field type '${t}': use 'string', 'number', 'int' or 'boolean'.`);
  }
}

/**
 * For rows of plain integers (every declared type a number, a one-byte delimiter, no field selection or comment
 * prefix): a parser that reads the fields straight from the line's bytes. It returns undefined for any line it does
 * not handle (a sign-less fraction, spaces, too few fields, …); the caller then parses that line as text, which also
 * gives the errors their wording.
 */
export function numericRowParser(o: CsvOptions): ((data: Uint8Array, from: number, to: number) => unknown[] | undefined) | undefined {
  const types = o.types;
  if (!types || types.length === 0 || !types.every((t) => t === 'number' || t === 'int')) return undefined;
  if (o.includeFields || o.ignoreComments || o.fieldDelimiter.length !== 1 || o.fieldDelimiter.charCodeAt(0) > 127) return undefined;
  const delim = o.fieldDelimiter.charCodeAt(0);
  const n = types.length;
  return (data, from, to) => {
    const row: number[] = [];
    let p = from;
    for (let i = 0; i < n; i++) {
      let c = data[p];
      const negative = c === 45;
      if (negative || c === 43) p++;
      let v = 0;
      const start = p;
      while (p < to && (c = data[p] as number) >= 48 && c <= 57) {
        v = v * 10 + (c - 48);
        p++;
      }
      const digits = p - start;
      // Past 15 digits a double may not hold the value exactly: the text path rounds as Number() does.
      if (digits === 0 || digits > 15 || (p < to && data[p] !== delim)) return undefined;
      row.push(negative ? -v : v);
      p++;
    }
    return row;
  };
}
