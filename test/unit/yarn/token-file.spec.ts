/**
 * Hadoop vints and credentials files. The reference files were written by Hadoop 3.4.1's own Credentials class
 * (test/unit/yarn/fixtures/TokenFileVector.java, run against the jars scripts/hadoop.sh caches), so these tests check
 * the format against Hadoop, not against our own reading of it.
 */
import assert from 'node:assert/strict';
import { encodeVLong, WritableReader, WritableFormatError } from '../../../src/yarn/hadoop-writable.js';
import {
  AMRM_TOKEN_KIND,
  AmRmTokenMissingError,
  TokenFileError,
  amRmTokenOf,
  emptyCredentials,
  parseCredentials,
  serializeCredentials,
  withoutAmRmToken,
} from '../../../src/yarn/index.js';

/** Hadoop's Credentials.writeTokenStorageToStream, SerializedFormat.WRITABLE (version 0). */
const JAVA_WRITABLE = Buffer.from(
  [
    'SERUUwACAAMBAgMNYW1ybS1wYXNzd29yZBBZQVJOX0FNX1JNX1RPS0VOAA5oZGZzOi8vbm46ODAyMI4BLAABAgMEBQYHCAkKCwwN',
    'Dg8QERITFBUWFxgZGhscHR4fICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj9AQUJDREVGR0hJSktMTU5PUFFSU1RVVldY',
    'WVpbXF1eX2BhYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ent8fX5/gIGCg4SFhoeIiYqLjI2Oj5CRkpOUlZaXmJmam5ydnp+goaKj',
    'pKWmp6ipqqusra6vsLGys7S1tre4ubq7vL2+v8DBwsPExcbHyMnKy8zNzs/Q0dLT1NXW19jZ2tvc3d7f4OHi4+Tl5ufo6err7O3u',
    '7/Dx8vP09fb3+Pn6+/z9/v8AAQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyAhIiMkJSYnKCkqK4/IAAAAAAAAAAAAAAAA',
    'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
    'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
    'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAVSERGU19ERUxFR0FUSU9OX1RPS0VODjEyNy4wLjAuMTo4MDIw',
    'AQpqb2Itc2VjcmV0CXMzY3JldCDDqQ==',
  ].join(''),
  'base64',
);
/** The same credentials as SerializedFormat.PROTOBUF (version 1). */
const JAVA_PROTOBUF = Buffer.from(
  [
    'SERUUwH+BAosCgASKAoDAQIDEg1hbXJtLXBhc3N3b3JkGhBZQVJOX0FNX1JNX1RPS0VOIgAKtAQKDmhkZnM6Ly9ubjo4MDIwEqEE',
    'CqwCAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+P0BBQkNERUZH',
    'SElKS0xNTk9QUVJTVFVWV1hZWltcXV5fYGFiY2RlZmdoaWprbG1ub3BxcnN0dXZ3eHl6e3x9fn+AgYKDhIWGh4iJiouMjY6PkJGS',
    'k5SVlpeYmZqbnJ2en6ChoqOkpaanqKmqq6ytrq+wsbKztLW2t7i5uru8vb6/wMHCw8TFxsfIycrLzM3Oz9DR0tPU1dbX2Nna29zd',
    '3t/g4eLj5OXm5+jp6uvs7e7v8PHy8/T19vf4+fr7/P3+/wABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4fICEiIyQlJico',
    'KSorEsgBAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
    'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
    'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAaFUhERlNfREVMRUdBVElPTl9U',
    'T0tFTiIOMTI3LjAuMC4xOjgwMjASFwoKam9iLXNlY3JldBoJczNjcmV0IMOp',
  ].join(''),
  'base64',
);

describe('Hadoop vints (WritableUtils)', () => {
  it('encodes small values in one byte and larger ones as a length byte plus big-endian bytes', () => {
    const hex = (v: number): string => Buffer.from(encodeVLong(v)).toString('hex');
    assert.equal(hex(0), '00');
    assert.equal(hex(127), '7f');
    assert.equal(hex(-112), '90');
    assert.equal(hex(128), '8f80'); // -113: one positive byte
    assert.equal(hex(300), '8e012c'); // -114: two positive bytes
    assert.equal(hex(-113), '8770'); // -121: one negative byte, one's complement of 112
    assert.equal(hex(-256), '87ff');
    assert.equal(hex(-257), '860100');
    assert.equal(hex(2 ** 31 - 1), '8c7fffffff');
    assert.equal(hex(-(2 ** 31)), '847fffffff');
  });

  it('reads back every value it writes, across the byte-length boundaries', () => {
    const values = [0, 1, -1, 127, 128, -112, -113, 255, 256, 65535, 65536, -65537, 2 ** 24, 2 ** 32, -(2 ** 40), Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER];
    for (const v of values) {
      const r = new WritableReader(encodeVLong(v));
      assert.equal(r.vlong(), v);
      assert.equal(r.remaining, 0);
    }
  });

  it('refuses a truncated vint or a length longer than the data', () => {
    assert.throws(() => new WritableReader(Uint8Array.of(0x8e, 0x01)).vlong(), WritableFormatError);
    assert.throws(() => new WritableReader(Uint8Array.of(0x05, 0x01)).text('alias'), /length of alias at byte 0 is 5, but 1 bytes are left/);
  });
});

describe('credentials files (HADOOP_TOKEN_FILE_LOCATION)', () => {
  for (const [format, bytes] of [['Writable', JAVA_WRITABLE], ['protobuf', JAVA_PROTOBUF]] as const) {
    it(`reads the ${format} file Hadoop writes: tokens by alias, with kind and service, and secrets`, () => {
      const creds = parseCredentials(bytes);
      assert.deepEqual([...creds.tokens.keys()].sort(), ['', 'hdfs://nn:8020']);
      const amrm = creds.tokens.get('');
      assert.equal(amrm?.kind, AMRM_TOKEN_KIND);
      assert.equal(amrm?.service, '');
      assert.deepEqual(Buffer.from(amrm?.identifier ?? []), Buffer.from([1, 2, 3]));
      assert.equal(Buffer.from(amrm?.password ?? []).toString(), 'amrm-password');
      const hdfs = creds.tokens.get('hdfs://nn:8020');
      assert.equal(hdfs?.kind, 'HDFS_DELEGATION_TOKEN');
      assert.equal(hdfs?.service, '127.0.0.1:8020');
      assert.equal(hdfs?.identifier.length, 300);
      assert.equal(hdfs?.identifier[299], 299 & 0xff);
      assert.equal(hdfs?.password.length, 200);
      assert.equal(Buffer.from(creds.secrets.get('job-secret') ?? []).toString('utf8'), 's3cret \u00e9');
    });
  }

  it('writes byte for byte what Hadoop writes, in both versions', () => {
    // Java's HashMap order is in the file; parsing keeps file order, so writing again must give the same bytes.
    assert.deepEqual(serializeCredentials(parseCredentials(JAVA_WRITABLE)), JAVA_WRITABLE);
    assert.deepEqual(serializeCredentials(parseCredentials(JAVA_PROTOBUF), 'protobuf'), JAVA_PROTOBUF);
  });

  it('passes containers everything but the AMRMToken', () => {
    const creds = parseCredentials(JAVA_WRITABLE);
    assert.equal(amRmTokenOf(creds, 'test').kind, AMRM_TOKEN_KIND);
    const forContainers = parseCredentials(serializeCredentials(withoutAmRmToken(creds)));
    assert.deepEqual([...forContainers.tokens.values()].map((t) => t.kind), ['HDFS_DELEGATION_TOKEN']);
    assert.deepEqual([...forContainers.secrets.keys()], ['job-secret']);
    assert.throws(
      () => amRmTokenOf(forContainers, 'the container file'),
      (err: unknown) => err instanceof AmRmTokenMissingError && err.code === 'YARN_AMRM_TOKEN_MISSING' && /HDFS_DELEGATION_TOKEN/.test(err.message),
    );
  });

  it('writes an empty credentials file as Hadoop does (no tokens, no secrets)', () => {
    assert.deepEqual(serializeCredentials(emptyCredentials()), Buffer.from('HDTS\x00\x00\x00', 'latin1'));
  });

  it('says what is wrong with a file that is not one, is truncated or has an unknown version', () => {
    const bad = (bytes: Uint8Array, re: RegExp): void =>
      assert.throws(() => parseCredentials(bytes, '/tmp/tokens'), (err: unknown) => err instanceof TokenFileError && err.code === 'YARN_TOKEN_FILE_INVALID' && re.test(err.message));
    bad(Buffer.from('HDFS\x00\x00\x00', 'latin1'), /\/tmp\/tokens: it does not start with HDTS/);
    bad(JAVA_WRITABLE.subarray(0, 40), /version 0 body is malformed/);
    bad(Buffer.from('HDTS\x07\x00', 'latin1'), /unknown version 7/);
    bad(Buffer.concat([JAVA_WRITABLE, Buffer.from([0])]), /1 bytes after the last secret/);
  });
});
