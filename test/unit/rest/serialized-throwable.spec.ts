/**
 * The `failure-cause` of a job result: a Java-serialized org.apache.flink.util.SerializedThrowable that Flink's
 * Java client can read, which flink-ts's own client reads back whole. (That Java accepts it is proven by
 * test/integration/flink-clients.it.spec.ts, which runs Flink's client.)
 */
import assert from 'node:assert/strict';
import {
  errorFromJavaSerializedThrowable,
  errorFromSerializedThrowableJson,
  javaSerializedThrowable,
  readJavaObject,
  serializedThrowableJson,
  type JavaObject,
} from '../../../src/rest/index.js';
import { serializeError, type SerializedError } from '../../../src/util/errors.js';
import { FLINK_SERIALIZED_THROWABLE_BASE64 } from './java-fixtures.js';

function failure(): SerializedError {
  const cause = new TypeError('bad record: ✓ \u0000 😀');
  const err = serializeError(new Error('Job failed', { cause }));
  err.code = 'TASK_FAILED';
  err.recoverable = false;
  return err;
}

describe('REST contract: SerializedThrowable (failure-cause)', () => {
  it('writes a Java serialization stream of org.apache.flink.util.SerializedThrowable, one object per cause', () => {
    const err = failure();
    const bytes = javaSerializedThrowable(err);
    assert.equal(bytes.readUInt16BE(0), 0xaced, 'stream magic');
    assert.equal(bytes.readUInt16BE(2), 5, 'stream version');
    const top = readJavaObject(bytes) as JavaObject;
    assert.equal(top.className, 'org.apache.flink.util.SerializedThrowable');
    // What Java's getMessage(), getOriginalErrorClassName() and printStackTrace() will show.
    assert.equal(top.fields.get('detailMessage'), 'Error: Job failed');
    assert.equal(top.fields.get('originalErrorClassName'), 'Error');
    const printed = top.fields.get('fullStringifiedStackTrace') as string;
    assert.match(printed, /^Error: Job failed\n\tat /);
    assert.match(printed, /\nCaused by: TypeError: bad record: ✓ \u0000 😀\n\tat /);
    const cause = top.fields.get('cause') as JavaObject;
    assert.equal(cause.className, 'org.apache.flink.util.SerializedThrowable');
    assert.equal(cause.fields.get('detailMessage'), 'TypeError: bad record: ✓ \u0000 😀');
    assert.equal(cause.fields.get('cause'), null);
    assert.equal(cause.fields.get('serializedException'), null, 'only the top level carries the original error');
  });

  it('reads back the whole error, code and cause chain included', () => {
    const err = failure();
    assert.deepEqual(errorFromJavaSerializedThrowable(javaSerializedThrowable(err)), err);
    const json = serializedThrowableJson(err);
    assert.equal(json.class, 'Error');
    assert.match(json['stack-trace'], /^Error: Job failed\n\tat /);
    assert.deepEqual(errorFromSerializedThrowableJson(json), err);
  });

  it('writes strings longer than 64 KiB as long strings', () => {
    const err: SerializedError = { name: 'Error', message: 'x'.repeat(70_000), stack: `Error: ${'x'.repeat(70_000)}\n    at f (a.js:1:1)` };
    const top = readJavaObject(javaSerializedThrowable(err)) as JavaObject;
    assert.equal((top.fields.get('detailMessage') as string).length, 'Error: '.length + 70_000);
    assert.deepEqual(errorFromJavaSerializedThrowable(javaSerializedThrowable(err)), err);
  });

  it("reads a SerializedThrowable written by Flink's Java runtime from its readable fields", () => {
    const err = errorFromJavaSerializedThrowable(Buffer.from(FLINK_SERIALIZED_THROWABLE_BASE64, 'base64'));
    assert.deepEqual(err, {
      name: 'java.lang.RuntimeException',
      message: 'boom',
      stack: 'java.lang.RuntimeException: boom\n\tat com.example.Outer.call(Outer.java:42)',
      cause: {
        name: 'java.lang.IllegalStateException',
        message: 'inner state ✓',
        stack: 'java.lang.IllegalStateException: inner state ✓\n\tat com.example.Inner.run(Inner.java:7)',
      },
    });
  });

  it('falls back to class and stack-trace when the serialized bytes are not a Java stream', () => {
    assert.equal(errorFromJavaSerializedThrowable(Buffer.from('{"not":"java"}')), undefined);
    assert.equal(errorFromJavaSerializedThrowable(javaSerializedThrowable(failure()).subarray(0, 40)), undefined, 'truncated');
    const err = errorFromSerializedThrowableJson({
      class: 'java.lang.RuntimeException',
      'stack-trace': 'java.lang.RuntimeException: boom\n\tat X.y(X.java:1)',
      'serialized-throwable': Buffer.from('garbage').toString('base64'),
    });
    assert.deepEqual(err, { name: 'java.lang.RuntimeException', message: 'boom', stack: 'java.lang.RuntimeException: boom\n\tat X.y(X.java:1)' });
    assert.deepEqual(errorFromSerializedThrowableJson(null), { name: 'UnknownError', message: 'UnknownError' });
  });
});
