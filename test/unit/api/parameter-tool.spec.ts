import assert from 'node:assert/strict';
import { ParameterTool } from '../../../src/api/index.js';
import { UsageError } from '../../../src/util/errors.js';

describe('ParameterTool', () => {
  it('reads --key value and -key value pairs', () => {
    const p = ParameterTool.fromArgs(['--input', '/data/in', '-output', '/data/out']);
    assert.equal(p.get('input'), '/data/in');
    assert.equal(p.get('output'), '/data/out');
    assert.equal(p.getNumberOfParameters(), 2);
    assert.deepEqual(p.toMap(), { input: '/data/in', output: '/data/out' });
  });

  it('treats a key followed by another key (or nothing) as a flag without value', () => {
    const p = ParameterTool.fromArgs(['--verbose', '--n', '3', '--last']);
    assert.equal(p.has('verbose'), true);
    assert.equal(p.get('verbose'), undefined);
    assert.equal(p.get('verbose', 'dflt'), 'dflt');
    assert.equal(p.has('last'), true);
    assert.equal(p.get('n'), '3');
    assert.equal(p.has('missing'), false);
  });

  it('takes negative numbers as values, not as keys', () => {
    const p = ParameterTool.fromArgs(['--offset', '-5', '--scale', '-0.5']);
    assert.equal(p.getInt('offset'), -5);
    assert.equal(p.get('scale'), '-0.5');
  });

  it('getInt parses integers, returns the default when absent, and rejects other values clearly', () => {
    const p = ParameterTool.fromArgs(['--n', '42', '--x', '4.5', '--w', 'many']);
    assert.equal(p.getInt('n'), 42);
    assert.equal(p.getInt('absent', 7), 7);
    assert.equal(p.getInt('absent'), undefined);
    assert.throws(() => p.getInt('x'), (e: unknown) => e instanceof UsageError && e.message === "--x must be an integer, got '4.5'.");
    assert.throws(() => p.getInt('w'), UsageError);
  });

  it('getRequired says which argument to pass', () => {
    const p = ParameterTool.fromArgs([]);
    assert.equal(p.getNumberOfParameters(), 0);
    assert.throws(() => p.getRequired('input'), (e: unknown) => e instanceof UsageError && /No data for required key 'input': pass --input <value>\./.test(e.message));
    assert.equal(ParameterTool.fromArgs(['--input', 'a']).getRequired('input'), 'a');
  });

  it('rejects arguments that are not keys, as Flink does', () => {
    for (const args of [['input'], ['--a', '1', 'stray', 'x'], ['-'], ['--']]) {
      assert.throws(() => ParameterTool.fromArgs(args), (e: unknown) => e instanceof UsageError && /^Error parsing arguments '.*' on '.*'\. Please prefix keys with -- or -\.$/.test(e.message), args.join(' '));
    }
  });

  it('the last occurrence of a key wins', () => {
    assert.equal(ParameterTool.fromArgs(['--a', '1', '--a', '2']).get('a'), '2');
  });
});
