/**
 * The part of Java's DateTimeFormatter patterns that bucket names use (`yyyy-MM-dd--HH`, `'dt='yyyyMMdd/HH`),
 * formatted in an IANA time zone. Patterns are checked when the assigner is made, so a typo fails the job at
 * submission with the letter named, not later on a TaskManager.
 */
import { UsageError } from '../../util/errors.js';

type Token = { kind: 'text'; text: string } | { kind: 'field'; letter: string; count: number };

const LETTERS = 'y, u, M, L, d, D, H, k, K, h, m, s, S, a, E';
const SUPPORTED = new Set(LETTERS.split(', '));
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/** The time zone of this process (Java's ZoneId.systemDefault()). */
export function systemTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

function parse(pattern: string, where: string): Token[] {
  const tokens: Token[] = [];
  let text = '';
  const fail = (what: string): never => {
    throw new UsageError(`${where}: ${what} in the date/time pattern '${pattern}'. Supported: the letters ${LETTERS}, quoted text ('...') and other characters as they are.`);
  };
  for (let i = 0; i < pattern.length; ) {
    const c = pattern[i] as string;
    if (c === "'") {
      if (pattern[i + 1] === "'") {
        text += "'";
        i += 2;
        continue;
      }
      let j = i + 1;
      for (;;) {
        if (j >= pattern.length) fail('an unclosed quote');
        if (pattern[j] === "'") {
          if (pattern[j + 1] === "'") {
            text += "'";
            j += 2;
            continue;
          }
          break;
        }
        text += pattern[j];
        j++;
      }
      i = j + 1;
    } else if (/[A-Za-z]/.test(c)) {
      if (!SUPPORTED.has(c)) fail(`the pattern letter '${c}' is not supported`);
      let j = i;
      while (pattern[j] === c) j++;
      if (text) tokens.push({ kind: 'text', text });
      text = '';
      tokens.push({ kind: 'field', letter: c, count: j - i });
      i = j;
    } else if ('[]{}#'.includes(c)) {
      fail(`'${c}' (optional sections and reserved characters) is not supported`);
    } else {
      text += c;
      i++;
    }
  }
  if (text) tokens.push({ kind: 'text', text });
  return tokens;
}

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

/** A compiled pattern in one time zone. */
export class DateTimePattern {
  private readonly tokens: Token[];
  private readonly parts: Intl.DateTimeFormat;
  /** Whether the result changes within a second (the pattern shows fractions of a second). */
  readonly showsMillis: boolean;

  constructor(
    readonly pattern: string,
    readonly timeZone: string,
    where: string,
  ) {
    this.tokens = parse(pattern, where);
    this.showsMillis = this.tokens.some((t) => t.kind === 'field' && t.letter === 'S');
    try {
      this.parts = new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      });
    } catch (err) {
      throw new UsageError(`${where}: unknown time zone '${timeZone}'. Give an IANA zone id such as 'UTC' or 'Europe/Berlin'.`, { cause: err });
    }
  }

  format(epochMillis: number): string {
    const f: Record<string, number> = {};
    for (const p of this.parts.formatToParts(epochMillis)) if (p.type !== 'literal') f[p.type] = Number(p.value);
    const year = f.year ?? 0;
    const month = f.month ?? 1;
    const day = f.day ?? 1;
    const hour = f.hour ?? 0;
    const millis = ((epochMillis % 1000) + 1000) % 1000;
    const civil = Date.UTC(year, month - 1, day);
    let out = '';
    for (const t of this.tokens) {
      if (t.kind === 'text') {
        out += t.text;
        continue;
      }
      const n = t.count;
      switch (t.letter) {
        case 'y':
        case 'u':
          out += n === 2 ? pad(year % 100, 2) : pad(year, n);
          break;
        case 'M':
        case 'L': {
          const name = MONTHS[month - 1] as string;
          out += n <= 2 ? pad(month, n) : n === 3 ? name.slice(0, 3) : n === 4 ? name : name[0];
          break;
        }
        case 'd':
          out += pad(day, n);
          break;
        case 'D':
          out += pad(Math.round((civil - Date.UTC(year, 0, 1)) / 86_400_000) + 1, n);
          break;
        case 'H':
          out += pad(hour, n);
          break;
        case 'k':
          out += pad(hour === 0 ? 24 : hour, n);
          break;
        case 'K':
          out += pad(hour % 12, n);
          break;
        case 'h':
          out += pad(hour % 12 === 0 ? 12 : hour % 12, n);
          break;
        case 'm':
          out += pad(f.minute ?? 0, n);
          break;
        case 's':
          out += pad(f.second ?? 0, n);
          break;
        case 'S':
          // A fraction of the second: digits from the left, as many as letters.
          out += pad(millis, 3).padEnd(n, '0').slice(0, n);
          break;
        case 'a':
          out += hour < 12 ? 'AM' : 'PM';
          break;
        case 'E': {
          const name = DAYS[new Date(civil).getUTCDay()] as string;
          out += n <= 3 ? name.slice(0, 3) : n === 4 ? name : name[0];
          break;
        }
      }
    }
    return out;
  }
}
