/**
 * The `failure-cause` of a job result, as Flink sends it: `{class, stack-trace, serialized-throwable}` where
 * `serialized-throwable` is an `org.apache.flink.util.SerializedThrowable` in Java's object serialization format
 * (the Java Object Serialization Stream Protocol, version 5), base64. Flink's Java client deserializes that
 * field, so it must be real Java serialization.
 *
 * What we write is the smallest stream Java accepts for the class: the serialVersionUIDs of
 * `SerializedThrowable` (7284183123441947635), `Exception` and `Throwable`, and only the fields we have values
 * for (Java leaves the fields a stream does not carry at their defaults: no stack trace elements, no suppressed
 * exceptions). Each level of the cause chain is one SerializedThrowable with
 * - `detailMessage` = `Name: message`, `originalErrorClassName` = the error's name,
 * - `fullStringifiedStackTrace` = the Java-style printed trace of that level and its causes,
 * - `cause` = the next level.
 * The top level's `serializedException` (in Flink: the original exception, serialized by its own runtime) holds
 * the flink-ts SerializedError as UTF-8 JSON. A Java client cannot deserialize that and, as Flink does for any
 * exception whose class it lacks, uses the SerializedThrowable itself; a flink-ts client gets the error back
 * whole, code and all.
 */
import { formatErrorChain, type SerializedError } from '../util/errors.js';
import {
  SC_SERIALIZABLE,
  SC_WRITE_METHOD,
  StreamWriter,
  TC_ARRAY,
  TC_ENDBLOCKDATA,
  TC_NULL,
  TC_OBJECT,
  readJavaObject,
  type ClassSpec,
  type JavaObject,
  type JavaValue,
} from './java-serialization.js';
import type { SerializedThrowableJson } from './job-messages.js';

export const SERIALIZED_THROWABLE_CLASS = 'org.apache.flink.util.SerializedThrowable';

const THROWABLE: ClassSpec = {
  name: 'java.lang.Throwable',
  suid: -3042686055658047285n,
  flags: SC_SERIALIZABLE | SC_WRITE_METHOD,
  fields: [
    { code: 'L', name: 'cause', signature: 'Ljava/lang/Throwable;' },
    { code: 'L', name: 'detailMessage', signature: 'Ljava/lang/String;' },
  ],
  superClass: null,
};

const EXCEPTION: ClassSpec = { name: 'java.lang.Exception', suid: -3387516993124229948n, flags: SC_SERIALIZABLE, fields: [], superClass: THROWABLE };

const SERIALIZED_THROWABLE: ClassSpec = {
  name: SERIALIZED_THROWABLE_CLASS,
  suid: 7284183123441947635n,
  flags: SC_SERIALIZABLE,
  // Sorted by name, as Java writes them.
  fields: [
    { code: 'L', name: 'fullStringifiedStackTrace', signature: 'Ljava/lang/String;' },
    { code: 'L', name: 'originalErrorClassName', signature: 'Ljava/lang/String;' },
    { code: '[', name: 'serializedException', signature: '[B' },
  ],
  superClass: EXCEPTION,
};

const BYTE_ARRAY: ClassSpec = { name: '[B', suid: -5984413125824719648n, flags: SC_SERIALIZABLE, fields: [], superClass: null };

/** A Java-like printed stack trace: frames start with a tab, causes with `Caused by:`. */
export function javaLikeStackTrace(err: SerializedError): string {
  return formatErrorChain(err).replace(/^\s+at /gm, '\tat ');
}

function writeThrowable(w: StreamWriter, err: SerializedError, original: Uint8Array | undefined): void {
  w.u1(TC_OBJECT);
  w.classDesc(SERIALIZED_THROWABLE);
  w.newHandle();
  // Class data, topmost class first. Throwable: cause, detailMessage, then the end of its writeObject data.
  if (err.cause !== undefined) writeThrowable(w, err.cause, undefined);
  else w.u1(TC_NULL);
  w.string(err.message === '' ? err.name : `${err.name}: ${err.message}`);
  w.u1(TC_ENDBLOCKDATA);
  // SerializedThrowable: fullStringifiedStackTrace, originalErrorClassName, serializedException.
  w.string(javaLikeStackTrace(err));
  w.string(err.name);
  if (original === undefined) {
    w.u1(TC_NULL);
  } else {
    w.u1(TC_ARRAY);
    w.classDesc(BYTE_ARRAY);
    w.newHandle();
    w.i4(original.length);
    w.raw(original);
  }
}

/** The error as a Java-serialized `org.apache.flink.util.SerializedThrowable`. */
export function javaSerializedThrowable(err: SerializedError): Buffer {
  const w = new StreamWriter();
  w.header();
  writeThrowable(w, err, Buffer.from(JSON.stringify(err), 'utf8'));
  return w.bytes();
}

/** The `failure-cause` JSON of a job result. */
export function serializedThrowableJson(err: SerializedError): SerializedThrowableJson {
  return {
    class: err.name,
    'stack-trace': javaLikeStackTrace(err),
    'serialized-throwable': javaSerializedThrowable(err).toString('base64'),
  };
}

function isSerializedError(v: unknown, depth = 0): v is SerializedError {
  if (typeof v !== 'object' || v === null || depth > 16) return false;
  const e = v as Record<string, unknown>;
  if (typeof e.name !== 'string' || typeof e.message !== 'string') return false;
  if (e.stack !== undefined && typeof e.stack !== 'string') return false;
  if (e.code !== undefined && typeof e.code !== 'string') return false;
  if (e.recoverable !== undefined && typeof e.recoverable !== 'boolean') return false;
  return e.cause === undefined || isSerializedError(e.cause, depth + 1);
}

/** One level of a Java throwable as a SerializedError, from the fields any SerializedThrowable carries. */
function fromJavaThrowable(obj: JavaObject, depth: number): SerializedError {
  const str = (k: string): string | undefined => {
    const v = obj.fields.get(k);
    return typeof v === 'string' ? v : undefined;
  };
  const name = str('originalErrorClassName') ?? obj.className;
  const detail = str('detailMessage') ?? '';
  const message = detail.startsWith(`${name}: `) ? detail.slice(name.length + 2) : detail;
  const out: SerializedError = { name, message };
  const printed = str('fullStringifiedStackTrace');
  if (printed !== undefined) out.stack = (printed.split(/\r?\nCaused by: /, 1)[0] as string).trimEnd();
  const cause = obj.fields.get('cause');
  if (cause !== null && typeof cause === 'object' && !Array.isArray(cause) && !Buffer.isBuffer(cause) && cause !== obj && depth < 16) {
    out.cause = fromJavaThrowable(cause, depth + 1);
  }
  return out;
}

/** The error inside a `serialized-throwable` field, or undefined if the bytes are not a SerializedThrowable. */
export function errorFromJavaSerializedThrowable(data: Buffer): SerializedError | undefined {
  let top: JavaValue;
  try {
    top = readJavaObject(data);
  } catch {
    return undefined;
  }
  if (top === null || typeof top !== 'object' || Array.isArray(top) || Buffer.isBuffer(top)) return undefined;
  const original = top.fields.get('serializedException');
  if (Buffer.isBuffer(original)) {
    try {
      const parsed: unknown = JSON.parse(original.toString('utf8'));
      if (isSerializedError(parsed)) return parsed;
    } catch {
      // A Java exception: fall back to the readable fields.
    }
  }
  return fromJavaThrowable(top, 0);
}

/**
 * Rebuilds the failure cause of a job result: from the serialized throwable when it can be read (flink-ts
 * servers, and Flink's as far as the readable fields go), else from `class` and `stack-trace`.
 */
export function errorFromSerializedThrowableJson(v: unknown): SerializedError {
  const fc = (typeof v === 'object' && v !== null ? v : {}) as Record<string, unknown>;
  const serialized = fc['serialized-throwable'];
  if (typeof serialized === 'string') {
    const err = errorFromJavaSerializedThrowable(Buffer.from(serialized, 'base64'));
    if (err) return err;
  }
  const name = typeof fc.class === 'string' ? fc.class : 'UnknownError';
  const stack = typeof fc['stack-trace'] === 'string' ? fc['stack-trace'] : undefined;
  const firstLine = stack?.split('\n', 1)[0] ?? '';
  const message = firstLine.startsWith(`${name}: `) ? firstLine.slice(name.length + 2) : firstLine || name;
  return stack === undefined ? { name, message } : { name, message, stack };
}
