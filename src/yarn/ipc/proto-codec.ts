/**
 * The protobuf messages of src/yarn/proto/, loaded with protobufjs at first use.
 *
 * Why runtime loading rather than generated code: the .proto files stay the one source of truth and ship as
 * they are (no pbjs/pbts step between `npm ci` and `tsc`, no generated files to keep in step or review), and
 * protobufjs compiles each type's encoder/decoder on first use, so the cost is paid once per process, far from
 * any records path. The price: the .proto files must sit at src/yarn/proto/ of the installation (they do in the
 * checkout, and anything that packs flink-ts must take src/yarn/proto/ along with dist/), and the TypeScript
 * shapes in ../records.ts are written by hand (the unit tests round-trip them through these types).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import { FlinkError } from '../../util/errors.js';

/** The .proto files are not compiled: from dist/src/yarn/ipc/ they are four levels up, under src/yarn/proto/. */
const PROTO_DIRS = [new URL('../../../../src/yarn/proto/', import.meta.url), new URL('../proto/', import.meta.url)];
const PROTO_FILES = ['hadoop-ipc.proto', 'hadoop-security.proto', 'yarn-records.proto', 'yarn-protocols.proto'];

/** Converting decoded messages to plain objects: see ../records.ts for the shapes this gives. */
const TO_OBJECT: protobuf.IConversionOptions = { longs: Number, enums: String, arrays: true };

export class ProtoDefinitionsMissingError extends FlinkError {
  constructor(searched: string[]) {
    super(
      'YARN_PROTO_MISSING',
      `The protobuf definitions of the YARN protocols were not found (looked in ${searched.join(', ')}). ` +
        'flink-ts needs src/yarn/proto/*.proto next to its dist/ directory: install or copy the whole package, not only dist/.',
    );
  }
}

let root: protobuf.Root | undefined;

function loadRoot(): protobuf.Root {
  if (root) return root;
  const dirs = PROTO_DIRS.map((u) => fileURLToPath(u));
  const dir = dirs.find((d) => existsSync(`${d}${PROTO_FILES[0] ?? ''}`));
  if (dir === undefined) throw new ProtoDefinitionsMissingError(dirs);
  const r = new protobuf.Root();
  // Imports inside the files ("hadoop-security.proto") resolve in the same directory.
  r.resolvePath = (_origin, target) => (target.startsWith('/') ? target : `${dir}${target}`);
  root = r.loadSync(PROTO_FILES.map((f) => `${dir}${f}`));
  return root;
}

const types = new Map<string, protobuf.Type>();

/** A message type by its full name, e.g. `flinkts.yarn.AllocateRequest`. */
export function messageType(name: string): protobuf.Type {
  let t = types.get(name);
  if (!t) {
    t = loadRoot().lookupType(name);
    types.set(name, t);
  }
  return t;
}

/** The enum's numeric value for a name (for code that must compare raw header fields). */
export function enumValue(enumName: string, valueName: string): number {
  const value = loadRoot().lookupEnum(enumName).values[valueName];
  if (value === undefined) throw new Error(`${enumName} has no value ${valueName}`);
  return value;
}

/** Plain data (as in ../records.ts; enums by name or number) → the message's bytes. */
export function encodeMessage(typeName: string, value: object): Uint8Array {
  const t = messageType(typeName);
  return t.encode(t.fromObject(value as Record<string, unknown>)).finish();
}

/** Like encodeMessage, with the varint length prefix Hadoop puts before every message in a frame. */
export function encodeDelimited(typeName: string, value: object): Uint8Array {
  const t = messageType(typeName);
  return t.encodeDelimited(t.fromObject(value as Record<string, unknown>)).finish();
}

/** The message's bytes → plain data. Throws protobufjs' error for malformed input (callers wrap it). */
export function decodeMessage<T>(typeName: string, bytes: Uint8Array): T {
  const t = messageType(typeName);
  return t.toObject(t.decode(bytes), TO_OBJECT) as T;
}

/** Reads one length-delimited message at `reader`'s position and advances it. */
export function decodeDelimited<T>(typeName: string, reader: protobuf.Reader): T {
  const t = messageType(typeName);
  return t.toObject(t.decodeDelimited(reader), TO_OBJECT) as T;
}

export function newReader(bytes: Uint8Array): protobuf.Reader {
  return protobuf.Reader.create(bytes);
}
