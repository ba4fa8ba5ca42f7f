/**
 * The slow path behind the codec's errors: which values cannot travel, and where in a record the first such
 * value sits. The encoder never tracks paths while it writes; only after it fails does this walk the record
 * again, with the same traversal rules, to name the place.
 */
import { types } from 'node:util';
import { CodecError } from './codec-error.js';
import { MAX_DEPTH } from './tags.js';

/**
 * Why an object that is neither a plain object nor a supported built-in cannot be sent, or undefined when it
 * can be sent as a plain object of its own enumerable properties (class instances).
 */
export function unencodableObjectKind(o: object): string | undefined {
  if (typeof o === 'function') return 'a function';
  if (types.isPromise(o)) return 'a Promise';
  if (types.isWeakMap(o) || types.isWeakSet(o)) return `a ${types.isWeakMap(o) ? 'WeakMap' : 'WeakSet'}`;
  if (o instanceof WeakRef) return 'a WeakRef';
  if (types.isSharedArrayBuffer(o)) return 'a SharedArrayBuffer (shared memory cannot cross processes)';
  if (types.isRegExp(o)) return 'a RegExp (send its source and flags as strings)';
  if (types.isNativeError(o) || o instanceof Error) return 'an Error (send {name, message} or String(err))';
  if (types.isGeneratorObject(o) || types.isMapIterator(o) || types.isSetIterator(o)) return 'an iterator';
  return undefined;
}

/** What a primitive or object is, for an error message, when it cannot be encoded; undefined if it can. */
function unencodableKind(v: unknown): string | undefined {
  switch (typeof v) {
    case 'function':
      return 'a function';
    case 'symbol':
      return 'a symbol';
    case 'object':
      if (v === null || Array.isArray(v)) return undefined;
      if (v instanceof Date || v instanceof Map || v instanceof Set || ArrayBuffer.isView(v)) return undefined;
      if (types.isDate(v) || types.isMap(v) || types.isSet(v) || types.isAnyArrayBuffer(v)) {
        return types.isSharedArrayBuffer(v) ? unencodableObjectKind(v) : undefined;
      }
      return unencodableObjectKind(v);
    default:
      return undefined;
  }
}

export interface UnencodableLocation {
  /** JavaScript-like path from the record root, e.g. `record[1].fn`. */
  path: string;
  /** What was found there, e.g. `a function`. */
  what: string;
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

function propertyPath(parent: string, key: string): string {
  return IDENTIFIER.test(key) ? `${parent}.${key}` : `${parent}[${JSON.stringify(key)}]`;
}

function keyLabel(key: unknown, index: number): string {
  if (typeof key === 'string') return JSON.stringify(key);
  if (typeof key === 'number' || typeof key === 'boolean' || key === null || key === undefined) return String(key);
  if (typeof key === 'bigint') return `${key}n`;
  return `<key #${index}>`;
}

/** Finds the first value in `root` (in encoding order) that the codec cannot encode. */
export function findUnencodable(root: unknown, rootName = 'record'): UnencodableLocation | undefined {
  const ancestors = new Set<object>();
  const visit = (v: unknown, path: string, depth: number): UnencodableLocation | undefined => {
    const what = unencodableKind(v);
    if (what !== undefined) return { path, what };
    if (typeof v !== 'object' || v === null) return undefined;
    if (ancestors.has(v)) return { path, what: 'a cyclic reference to one of its own ancestors' };
    if (depth >= MAX_DEPTH) return { path, what: `nested deeper than ${MAX_DEPTH} levels` };
    if (v instanceof Date || types.isDate(v) || ArrayBuffer.isView(v) || types.isAnyArrayBuffer(v)) return undefined;
    ancestors.add(v);
    try {
      if (Array.isArray(v)) {
        for (let i = 0; i < v.length; i++) {
          const found = visit(v[i], `${path}[${i}]`, depth + 1);
          if (found) return found;
        }
      } else if (v instanceof Map || types.isMap(v)) {
        let i = 0;
        for (const [k, val] of v as Map<unknown, unknown>) {
          const found =
            visit(k, `${path}<Map key #${i}>`, depth + 1) ?? visit(val, `${path}.get(${keyLabel(k, i)})`, depth + 1);
          if (found) return found;
          i++;
        }
      } else if (v instanceof Set || types.isSet(v)) {
        let i = 0;
        for (const el of v as Set<unknown>) {
          const found = visit(el, `${path}<Set element #${i}>`, depth + 1);
          if (found) return found;
          i++;
        }
      } else {
        const rec = v as Record<string, unknown>;
        for (const key of Object.keys(rec)) {
          const found = visit(rec[key], propertyPath(path, key), depth + 1);
          if (found) return found;
        }
      }
    } finally {
      ancestors.delete(v);
    }
    return undefined;
  };
  return visit(root, rootName, 0);
}

/** Paths into very deep records would swamp the message; keep both ends. */
function shortenPath(path: string): string {
  return path.length <= 200 ? path : `${path.slice(0, 100)}...${path.slice(-80)}`;
}

/** The error for a record the encoder could not write, naming the first value that cannot travel. */
export function unserializable(record: unknown, what: string): CodecError {
  const found = findUnencodable(record);
  const where = found ? `${shortenPath(found.path)} is ${found.what}` : `the record contains ${what}`;
  return new CodecError(
    'UNSERIALIZABLE_RECORD',
    `Cannot serialize record: ${where}. Records may hold primitives (not symbols), arrays, plain objects, class ` +
      'instances (sent as plain objects of their own enumerable properties), Date, Map, Set and typed arrays; ' +
      'map the value to plain data before emitting it.',
  );
}
