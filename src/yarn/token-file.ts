/**
 * Hadoop credentials files ("token storage"): what YARN writes to `$HADOOP_TOKEN_FILE_LOCATION` in every container
 * and what a ContainerLaunchContext carries as its `tokens` bytes.
 *
 * Layout: `HDTS`, a version byte, then the body. Version 0 (Writable, what Hadoop writes by default): a vint count
 * of tokens, each `Text alias`, `vint idLen, id`, `vint pwLen, pw`, `Text kind`, `Text service`; then a vint count
 * of secrets, each `Text alias`, `vint len, bytes`. Version 1: one length-delimited protobuf `Credentials`
 * (src/yarn/proto/hadoop-security.proto).
 */
import { readFile } from 'node:fs/promises';
import { decodeDelimited, encodeDelimited, newReader } from './ipc/proto-codec.js';
import { WritableFormatError, WritableReader, WritableWriter } from './hadoop-writable.js';
import type { HadoopToken } from './records.js';
import { AmRmTokenMissingError, TokenFileError } from './yarn-errors.js';

/** The kind of the token an ApplicationMaster authenticates to the ResourceManager scheduler with. */
export const AMRM_TOKEN_KIND = 'YARN_AM_RM_TOKEN';
/** The kind of the per-node tokens the ResourceManager hands out in allocate responses. */
export const NM_TOKEN_KIND = 'NMToken';
export const TOKEN_FILE_ENV = 'HADOOP_TOKEN_FILE_LOCATION';

const MAGIC = Buffer.from('HDTS', 'latin1');

export type CredentialsFormat = 'writable' | 'protobuf';

/** Tokens and secrets by alias, in file order. */
export interface Credentials {
  tokens: Map<string, HadoopToken>;
  secrets: Map<string, Uint8Array>;
}

export function emptyCredentials(): Credentials {
  return { tokens: new Map(), secrets: new Map() };
}

/** Reads the credentials file at `path`, by default `$HADOOP_TOKEN_FILE_LOCATION` (set in every YARN container). */
export async function readTokenFile(path: string | undefined = process.env[TOKEN_FILE_ENV]): Promise<Credentials> {
  if (path === undefined || path === '') {
    throw new TokenFileError(`$${TOKEN_FILE_ENV}`, `${TOKEN_FILE_ENV} is not set`, 'This runs only inside a YARN container, where the NodeManager sets it.');
  }
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new TokenFileError(path, (err as Error).message, `Check ${TOKEN_FILE_ENV}.`, err);
  }
  return parseCredentials(bytes, path);
}

/** Parses a credentials file in either version; `source` names it in errors. */
export function parseCredentials(bytes: Uint8Array, source = 'credentials'): Credentials {
  if (bytes.length < 5 || !MAGIC.equals(bytes.subarray(0, 4))) {
    throw new TokenFileError(source, 'it does not start with HDTS', 'It is not a Hadoop credentials file.');
  }
  const version = bytes[4];
  const body = bytes.subarray(5);
  try {
    if (version === 0) return parseWritable(body);
    if (version === 1) return parseProtobuf(body);
  } catch (err) {
    throw new TokenFileError(source, `version ${version} body is malformed: ${(err as Error).message}`, 'The file is truncated or corrupt.', err);
  }
  throw new TokenFileError(source, `unknown version ${version}`, 'flink-ts reads versions 0 (Writable) and 1 (protobuf).');
}

function parseWritable(body: Uint8Array): Credentials {
  const r = new WritableReader(body);
  const out = emptyCredentials();
  const tokens = r.length('token count');
  for (let i = 0; i < tokens; i++) {
    const alias = r.text('token alias');
    const identifier = r.bytes(r.length('identifier length'));
    const password = r.bytes(r.length('password length'));
    const kind = r.text('token kind');
    const service = r.text('token service');
    out.tokens.set(alias, { identifier: copy(identifier), password: copy(password), kind, service });
  }
  const secrets = r.length('secret count');
  for (let i = 0; i < secrets; i++) {
    const alias = r.text('secret alias');
    out.secrets.set(alias, copy(r.bytes(r.length('secret length'))));
  }
  if (r.remaining !== 0) throw new WritableFormatError(`${r.remaining} bytes after the last secret`);
  return out;
}

interface CredentialsProto {
  tokens: { alias: string; token?: HadoopToken }[];
  secrets: { alias: string; secret?: Uint8Array }[];
}

function parseProtobuf(body: Uint8Array): Credentials {
  const proto = decodeDelimited<CredentialsProto>('flinkts.hadoop.security.Credentials', newReader(body));
  const out = emptyCredentials();
  for (const e of proto.tokens) if (e.token) out.tokens.set(e.alias, e.token);
  for (const e of proto.secrets) out.secrets.set(e.alias, e.secret ?? new Uint8Array(0));
  return out;
}

/** The bytes of a credentials file; Writable (version 0) unless asked otherwise, as Hadoop writes them. */
export function serializeCredentials(creds: Credentials, format: CredentialsFormat = 'writable'): Buffer {
  if (format === 'protobuf') {
    const proto: CredentialsProto = {
      tokens: [...creds.tokens].map(([alias, token]) => ({ alias, token })),
      secrets: [...creds.secrets].map(([alias, secret]) => ({ alias, secret })),
    };
    return Buffer.concat([MAGIC, Uint8Array.of(1), encodeDelimited('flinkts.hadoop.security.Credentials', proto)]);
  }
  const w = new WritableWriter().raw(MAGIC).raw(Uint8Array.of(0)).vlong(creds.tokens.size);
  for (const [alias, t] of creds.tokens) w.text(alias).lengthPrefixed(t.identifier).lengthPrefixed(t.password).text(t.kind).text(t.service);
  w.vlong(creds.secrets.size);
  for (const [alias, secret] of creds.secrets) w.text(alias).lengthPrefixed(secret);
  return w.toBuffer();
}

/**
 * The credentials to hand to containers an ApplicationMaster starts: everything but the AMRMToken, which would
 * let any of them speak to the ResourceManager as the AM.
 */
export function withoutAmRmToken(creds: Credentials): Credentials {
  return {
    tokens: new Map([...creds.tokens].filter(([, t]) => t.kind !== AMRM_TOKEN_KIND)),
    secrets: new Map(creds.secrets),
  };
}

/** The first token of `kind`; YARN gives the AMRMToken an empty service, so kind is how to find it. */
export function findToken(creds: Credentials, kind: string): HadoopToken | undefined {
  for (const t of creds.tokens.values()) if (t.kind === kind) return t;
  return undefined;
}

/** The AMRMToken of this attempt's credentials, or an error saying where it was looked for. */
export function amRmTokenOf(creds: Credentials, source: string): HadoopToken {
  const token = findToken(creds, AMRM_TOKEN_KIND);
  if (!token) throw new AmRmTokenMissingError(source, [...creds.tokens.values()].map((t) => t.kind));
  return token;
}

function copy(bytes: Uint8Array): Uint8Array {
  return Uint8Array.from(bytes);
}
