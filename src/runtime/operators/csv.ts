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
