import { FlinkError } from '../../util/errors.js';

/**
 * Stable codes of {@link CodecError}:
 * - `UNSERIALIZABLE_RECORD`: a record holds a value the codec cannot carry (function, symbol, Promise, cycle...).
 * - `UNHASHABLE_KEY`: a key selector returned a value {@link hashKey} cannot hash.
 * - `CORRUPT_BUFFER`: bytes handed to the reader are not a sequence of whole records written by this codec.
 */
export type CodecErrorCode = 'UNSERIALIZABLE_RECORD' | 'UNHASHABLE_KEY' | 'CORRUPT_BUFFER';

/** A record or key the codec cannot handle; the message names the offending type and where it sits. */
export class CodecError extends FlinkError {
  declare readonly code: CodecErrorCode;

  constructor(code: CodecErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(code, message, options);
  }
}
