import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as config from '../../../src/config/index.js';
import { ALL_OPTIONS, Configuration, OPTION_GROUPS, flinkHome, type ConfigOption } from '../../../src/config/index.js';

const GEN_DOCS = fileURLToPath(new URL('../../../src/config/gen-docs.js', import.meta.url));

describe('config option registry', () => {
  it('every key and deprecated key belongs to exactly one option', () => {
    const seen = new Set<string>();
    for (const option of ALL_OPTIONS) {
      for (const key of [option.key, ...option.deprecatedKeys]) {
        assert.ok(!seen.has(key), `duplicate key ${key}`);
        seen.add(key);
      }
    }
  });

  it('every option has a description, and every enum default is one of its values', () => {
    for (const option of ALL_OPTIONS) {
      assert.ok(option.description.length > 10, `${option.key} needs a description`);
      assert.ok(Object.isFrozen(option), `${option.key} must be frozen`);
      if (option.type === 'enum') {
        assert.ok(option.enumValues && option.enumValues.length > 0, option.key);
        if (option.defaultValue !== undefined) assert.ok(option.enumValues.includes(option.defaultValue as string), option.key);
      }
    }
  });

  it('every default passes the option validation', () => {
    for (const option of ALL_OPTIONS) {
      if (option.defaultValue === undefined) continue;
      assert.equal(option.validate?.(option.defaultValue), undefined, `default of ${option.key}`);
    }
  });

  it('every option accepts a value written back from get()', () => {
    // What `cli get` prints and what toMap() sends to TaskManagers must parse again.
    const defaults = Configuration.fromMap({});
    for (const option of ALL_OPTIONS as readonly ConfigOption<unknown>[]) {
      const value = defaults.getOptional(option);
      if (value === undefined) continue;
      const text = Array.isArray(value) ? value.join(option.listSeparators?.[0] ?? ';') : String(value);
      assert.deepEqual(Configuration.fromMap({ [option.key]: text }).get(option), value, option.key);
    }
  });

  it('the groups exported from index.ts are exactly ALL_OPTIONS', () => {
    const exported = OPTION_GROUPS.flatMap((group) => {
      const holder = (config as unknown as Record<string, Record<string, ConfigOption<unknown>>>)[group.name];
      assert.ok(holder, `${group.name} is exported`);
      return Object.values(holder);
    });
    assert.deepEqual(new Set(exported), new Set(ALL_OPTIONS));
  });

  it('holds the keys of flink-compat §5 with their defaults', () => {
    const byKey = new Map(ALL_OPTIONS.map((o) => [o.key, o] as const));
    const expected: Record<string, unknown> = {
      'state.backend': 'hashmap',
      'state.checkpoints.dir': undefined,
      'state.savepoints.dir': undefined,
      'state.checkpoints.num-retained': 1,
      'execution.checkpointing.interval': undefined,
      'execution.checkpointing.mode': 'EXACTLY_ONCE',
      'execution.checkpointing.timeout': 600_000,
      'execution.checkpointing.max-concurrent-checkpoints': 1,
      'execution.checkpointing.min-pause': 0,
      'restart-strategy': undefined,
      'restart-strategy.fixed-delay.attempts': 1,
      'restart-strategy.fixed-delay.delay': 1_000,
      'restart-strategy.failure-rate.max-failures-per-interval': 1,
      'restart-strategy.failure-rate.failure-rate-interval': 60_000,
      'restart-strategy.failure-rate.delay': 1_000,
      'restart-strategy.exponential-delay.initial-backoff': 1_000,
      'restart-strategy.exponential-delay.max-backoff': 300_000,
      'restart-strategy.exponential-delay.backoff-multiplier': 2.0,
      'restart-strategy.exponential-delay.reset-backoff-threshold': 3_600_000,
      'restart-strategy.exponential-delay.jitter-factor': 0.1,
      'yarn.application-attempts': 1,
      'yarn.containers.vcores': -1,
      'yarn.appmaster.vcores': 1,
      'yarn.application.queue': undefined,
      'yarn.ship-files': undefined,
      'yarn.staging-directory': undefined,
      'blob.storage.directory': undefined,
      'web.submit.enable': true,
      'web.upload.dir': undefined,
      'cluster.evenly-spread-out-slots': false,
    };
    for (const [key, defaultValue] of Object.entries(expected)) {
      const option = byKey.get(key);
      assert.ok(option, `${key} is registered`);
      assert.deepEqual(option.defaultValue, defaultValue, key);
    }
  });

  it('docs/config.md is what gen-docs prints', () => {
    const result = spawnSync(process.execPath, [GEN_DOCS], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(result.status, 0, result.stderr);
    const docs = fs.readFileSync(path.join(flinkHome(), 'docs', 'config.md'), 'utf8');
    assert.equal(docs, result.stdout, 'docs/config.md is stale: run node dist/src/config/gen-docs.js > docs/config.md');
    for (const option of ALL_OPTIONS) assert.ok(docs.includes(`| \`${option.key}\` |`), option.key);
  });
});
