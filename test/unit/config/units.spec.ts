import assert from 'node:assert/strict';
import { ConfigurationError, parseDuration, parseDynamicProperty, parseMemorySize } from '../../../src/config/index.js';

describe('config units', () => {
  describe('parseDuration', () => {
    const cases: Array<[string, number]> = [
      ['10000', 10_000],
      ['0', 0],
      ['10 s', 10_000],
      ['10s', 10_000],
      ['10 sec', 10_000],
      ['1 min', 60_000],
      ['1m', 60_000],
      ['5 minutes', 300_000],
      ['2 h', 7_200_000],
      ['100 ms', 100],
      ['100ms', 100],
      ['1d', 86_400_000],
      ['3 days', 259_200_000],
      ['1 S', 1_000],
      ['  30 s  ', 30_000],
      ['1500 us', 1.5],
      ['2000000 ns', 2],
    ];
    for (const [text, ms] of cases) {
      it(`reads '${text}' as ${ms} ms`, () => assert.equal(parseDuration(text), ms));
    }

    for (const bad of ['', 'ten', '10 parsecs', '-5', '1.5 s', 's']) {
      it(`rejects '${bad}' with a ConfigurationError naming the units`, () => {
        assert.throws(
          () => parseDuration(bad),
          (err: unknown) => err instanceof ConfigurationError && err.code === 'CONFIG_INVALID' && /ms, s, min, h, d/.test(err.message),
        );
      });
    }
  });

  describe('parseMemorySize', () => {
    const cases: Array<[string, number]> = [
      ['512', 512],
      ['512b', 512],
      ['32kb', 32 * 1024],
      ['32 k', 32 * 1024],
      ['1024m', 1024 ** 3],
      ['1600mb', 1600 * 1024 ** 2],
      ['1g', 1024 ** 3],
      ['2 GB', 2 * 1024 ** 3],
      ['1t', 1024 ** 4],
      ['64 mebibytes', 64 * 1024 ** 2],
    ];
    for (const [text, bytes] of cases) {
      it(`reads '${text}' as ${bytes} bytes`, () => assert.equal(parseMemorySize(text), bytes));
    }

    it('rejects fractions with advice to use a smaller unit', () => {
      assert.throws(() => parseMemorySize('1.5g'), /fractions are not allowed, use a smaller unit/);
    });
    for (const bad of ['', 'big', '10 parsecs', '-1m', '99999999999999999999']) {
      it(`rejects '${bad}'`, () => {
        assert.throws(() => parseMemorySize(bad), (err: unknown) => err instanceof ConfigurationError && /memory size|too large/.test(err.message));
      });
    }
  });

  describe('parseDynamicProperty', () => {
    it('splits at the first =', () => {
      assert.deepEqual(parseDynamicProperty('env.java.opts=-Da=b'), ['env.java.opts', '-Da=b']);
      assert.deepEqual(parseDynamicProperty('rest.port=8082'), ['rest.port', '8082']);
      assert.deepEqual(parseDynamicProperty('pipeline.name='), ['pipeline.name', '']);
    });
    for (const bad of ['rest.port', '=8081', '', ' =x']) {
      it(`rejects '${bad}'`, () => {
        assert.throws(() => parseDynamicProperty(bad), (err: unknown) => err instanceof ConfigurationError && /expected -D key=value/.test(err.message));
      });
    }
  });
});
