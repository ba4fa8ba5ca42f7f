/**
 * Daemon logging in Flink's line format. Daemons started by the scripts get FLINK_LOG_FILE and write
 * there; otherwise (start-foreground, tests) lines go to stderr, or nowhere when silenced.
 */
import { appendFileSync } from 'node:fs';

export type LogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

export interface Logger {
  debug(msg: string): void;
  info(msg: string): void;
  warn(msg: string, err?: unknown): void;
  error(msg: string, err?: unknown): void;
}

type Sink = (line: string) => void;
let sink: Sink | undefined = defaultSink();

function defaultSink(): Sink | undefined {
  const file = process.env.FLINK_LOG_FILE;
  if (file) return (line) => appendFileSync(file, line);
  if (process.env.FLINK_TS_QUIET === '1') return undefined;
  return (line) => process.stderr.write(line);
}

/** Tests and the local cluster inside `flink run -t local` choose where logs go. */
export function setLogSink(s: Sink | undefined): void {
  sink = s;
}

function ts(): string {
  const d = new Date();
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())},${p(d.getMilliseconds(), 3)}`;
}

function errText(err: unknown): string {
  if (err instanceof Error) return `\n${err.stack ?? `${err.name}: ${err.message}`}`;
  return err === undefined ? '' : `\n${String(err)}`;
}

export function getLogger(component: string): Logger {
  const write = (level: LogLevel, msg: string, err?: unknown): void => {
    sink?.(`${ts()} ${level.padEnd(5)} ${component} - ${msg}${errText(err)}\n`);
  };
  return {
    debug: (m) => {
      if (process.env.FLINK_TS_DEBUG === '1') write('DEBUG', m);
    },
    info: (m) => write('INFO', m),
    warn: (m, e) => write('WARN', m, e),
    error: (m, e) => write('ERROR', m, e),
  };
}
