/**
 * How the cluster scripts run a bin/ script on one host: directly on this host, or over SSH on another. Output
 * arrives as whole lines, as they come, so the lines of hosts working in parallel never mix mid-line.
 */

/** Where a host's output lines go. */
export interface OutputSink {
  stdout(line: string): void;
  stderr(line: string): void;
}

export interface HostRunner {
  /** The host as conf/masters or conf/workers names it (or this host's name), for messages. */
  readonly host: string;
  /** Connects and checks the installation there; rejects with a HostError naming the host. Idempotent. */
  open(): Promise<void>;
  /** Runs `<bin dir>/<script> <args>` there; rejects with HostCommandFailedError unless it exits with 0. */
  run(script: string, args: readonly string[], out: OutputSink): Promise<void>;
  /** Idempotent. */
  close(): Promise<void>;
}

/** Cuts a byte stream into lines; a last line without newline comes out at {@link end}. */
export class LineSplitter {
  private pending = '';
  private readonly decoder = new TextDecoder();

  constructor(private readonly emit: (line: string) => void) {}

  push(chunk: Buffer | string): void {
    this.pending += typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true });
    let nl: number;
    while ((nl = this.pending.indexOf('\n')) >= 0) {
      this.emit(this.pending.slice(0, nl).replace(/\r$/, ''));
      this.pending = this.pending.slice(nl + 1);
    }
  }

  end(): void {
    this.pending += this.decoder.decode();
    if (this.pending !== '') this.emit(this.pending);
    this.pending = '';
  }
}

/** Quotes a word for a POSIX shell. */
export function shQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** `script arg...` as a user reads it in a message. */
export function describeCommand(script: string, args: readonly string[]): string {
  return [script, ...args].join(' ');
}
