import { FlinkError } from '../util/errors.js';

/**
 * A configuration value that cannot be used, a malformed flink-conf.yaml, or a required option that is unset.
 * The message is always one line naming where the value came from (file and line, `-D key`, environment
 * variable) and what to write instead; `file`, `line` and `key` carry the same facts for programs.
 */
export class ConfigurationError extends FlinkError {
  readonly file?: string;
  readonly line?: number;
  readonly key?: string;

  constructor(message: string, options: { file?: string; line?: number; key?: string; cause?: unknown } = {}) {
    super('CONFIG_INVALID', oneLine(message), options.cause === undefined ? {} : { cause: options.cause });
    if (options.file !== undefined) this.file = options.file;
    if (options.line !== undefined) this.line = options.line;
    if (options.key !== undefined) this.key = options.key;
  }
}

/** Scripts print the message as the single line a user sees, so control characters must not break it up. */
function oneLine(text: string): string {
  return text.replace(/\r?\n|\r/g, '\\n').replace(/\t/g, ' ');
}
