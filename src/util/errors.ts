/**
 * Error conventions: one class per condition, each with a stable `code` for anything a user sees and a
 * `cause`. Errors that cross processes travel as {@link SerializedError} data.
 */
/** An error as it travels between processes and to users: data, not an Error instance. */
export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
  /** Stable code for conditions a user sees, e.g. `TASK_MANAGER_LOST`. */
  code?: string;
  cause?: SerializedError;
  /** Whether restarting the job could help (false for a bad program, true for a lost TaskManager). */
  recoverable?: boolean;
}

export class FlinkError extends Error {
  readonly code: string;
  /** Whether restarting the job could help. */
  readonly recoverable: boolean;

  constructor(code: string, message: string, options: { cause?: unknown; recoverable?: boolean } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.recoverable = options.recoverable ?? false;
  }
}

/** A mistake in how the user called something: shown as a message, never as a stack trace. */
export class UsageError extends FlinkError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('USAGE', message, options);
  }
}

export function serializeError(err: unknown, depth = 0): SerializedError {
  if (err instanceof Error) {
    const out: SerializedError = { name: err.name, message: err.message };
    if (err.stack !== undefined) out.stack = err.stack;
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string') out.code = code;
    const recoverable = (err as { recoverable?: unknown }).recoverable;
    if (typeof recoverable === 'boolean') out.recoverable = recoverable;
    if (err.cause !== undefined && depth < 8) out.cause = serializeError(err.cause, depth + 1);
    return out;
  }
  return { name: 'Error', message: typeof err === 'string' ? err : safeString(err) };
}

/** Rebuilds an Error from data so `cause` chains and stacks survive the trip. */
export function deserializeError(data: SerializedError): Error {
  const cause = data.cause ? deserializeError(data.cause) : undefined;
  const err = new FlinkError(data.code ?? 'REMOTE', data.message, { cause, recoverable: data.recoverable ?? false });
  err.name = data.name;
  if (data.stack !== undefined) err.stack = data.stack;
  return err;
}

/** `Name: message` plus the stack and every cause, the way Flink prints a failure cause. */
export function formatErrorChain(data: SerializedError): string {
  const parts: string[] = [];
  let cur: SerializedError | undefined = data;
  let first = true;
  while (cur) {
    const head = `${first ? '' : 'Caused by: '}${cur.name}: ${cur.message}`;
    const stack = cur.stack ? stripHead(cur.stack) : '';
    parts.push(stack ? `${head}\n${stack}` : head);
    cur = cur.cause;
    first = false;
  }
  return parts.join('\n');
}

function stripHead(stack: string): string {
  // V8 stacks start with "Name: message"; keep only the frames.
  return stack
    .split('\n')
    .filter((l) => /^\s+at /.test(l))
    .join('\n');
}

function safeString(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}
