import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../../../src/config/cli.js', import.meta.url));

interface Result {
  status: number | null;
  stdout: string;
  stderr: string;
}

describe('config cli', () => {
  const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'flink-ts-config-cli-'));
  let counter = 0;

  after(() => fs.rmSync(tmpRoot, { recursive: true, force: true }));

  function confWith(text: string): { dir: string; file: string } {
    const dir = path.join(tmpRoot, `conf-${++counter}`);
    fs.mkdirSync(dir);
    const file = path.join(dir, 'flink-conf.yaml');
    fs.writeFileSync(file, text);
    return { dir, file };
  }

  function cli(args: string[], env: NodeJS.ProcessEnv = {}): Result {
    const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
    // The caller's own Flink settings must not leak into what the test expects.
    for (const name of ['FLINK_CONF_DIR', 'FLINK_LOG_DIR', 'FLINK_PID_DIR', 'FLINK_SSH_OPTS']) if (!(name in env)) delete childEnv[name];
    const result = spawnSync(process.execPath, [CLI, ...args], { env: childEnv, encoding: 'utf8', timeout: 30_000 });
    if (result.error) throw result.error;
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  }

  function assertNoStack(result: Result): void {
    assert.doesNotMatch(result.stderr, /^\s+at /m, `no stack trace expected:\n${result.stderr}`);
    assert.equal(result.stderr.trimEnd().split('\n').length, 1, `one line expected:\n${result.stderr}`);
  }

  it('check: a valid configuration exits 0 silently', () => {
    const { dir } = confWith('taskmanager.numberOfTaskSlots: 2\n');
    const result = cli(['--configDir', dir, 'check']);
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout, '');
    assert.equal(result.stderr, '');
  });

  it('check: the shipped configuration is valid', () => {
    const result = cli(['check']);
    assert.equal(result.status, 0, result.stderr);
  });

  it('check: a bad value prints the one error line and exits 1', () => {
    const { dir, file } = confWith('rest.port: 8081\ntaskmanager.numberOfTaskSlots: two\n');
    const result = cli(['--configDir', dir, 'check']);
    assert.equal(result.status, 1);
    assert.equal(result.stdout, '');
    assert.equal(
      result.stderr,
      `Invalid configuration in ${file}:2: taskmanager.numberOfTaskSlots: 'two' is not an integer. Use a whole number, e.g. taskmanager.numberOfTaskSlots: 1\n`,
    );
  });

  it('check: malformed YAML, nested keys and unknown keys exit 1 with file and line', () => {
    for (const [text, line, pattern] of [
      ['rest.port: 8081\nparallelism.default: [1\n', 3, /malformed YAML/],
      ['jobmanager:\n  rpc.port: 6123\n', 1, /jobmanager: nested values are not supported/],
      ['rest.port: 8081\nrest.prot: 8082\n', 2, /rest\.prot: unknown configuration key\. Did you mean rest\.port\?/],
    ] as const) {
      const { dir, file } = confWith(text);
      const result = cli(['--configDir', dir, 'check']);
      assert.equal(result.status, 1, text);
      assert.ok(result.stderr.startsWith(`Invalid configuration in ${file}:${line}: `), result.stderr);
      assert.match(result.stderr, pattern);
      assertNoStack(result);
    }
  });

  it('check: keys of Apache Flink that flink-ts does not use give one warning each and exit 0', () => {
    const { dir, file } = confWith('metrics.latency.interval: 1000\nrest.port: 8081\nsecurity.kerberos.login.use-ticket-cache: true\n');
    const result = cli(['--configDir', dir, '-D', 'web.tmpdir=/tmp/web', 'check']);
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout, '');
    const suffix = 'has no effect in flink-ts (an Apache Flink key that flink-ts does not use)';
    assert.deepEqual(result.stderr.trimEnd().split('\n'), [
      `Warning: metrics.latency.interval (line 1 of ${file}) ${suffix}`,
      `Warning: security.kerberos.login.use-ticket-cache (line 3 of ${file}) ${suffix}`,
      `Warning: -D web.tmpdir ${suffix}`,
    ]);
    // `get` is read by the scripts: values only, no warnings.
    const get = cli(['--configDir', dir, 'get', 'rest.port']);
    assert.equal(get.status, 0, get.stderr);
    assert.equal(get.stdout, '8081\n');
    assert.equal(get.stderr, '');
  });

  it('check: too little heap per slot is an error before any daemon starts', () => {
    const { dir } = confWith('taskmanager.heap.size: 64m\ntaskmanager.numberOfTaskSlots: 8\n');
    const result = cli(['--configDir', dir, 'check']);
    assert.equal(result.status, 1);
    assert.match(result.stderr, /gives each slot 8\.0 MiB of heap; a slot needs at least 16mb/);
    assertNoStack(result);
  });

  it('check: a bad -D names -D <key>', () => {
    const result = cli(['-D', 'heartbeat.timeout=soon', 'check'], { FLINK_CONF_DIR: confWith('').dir });
    assert.equal(result.status, 1);
    assert.match(result.stderr, /^Invalid configuration in -D heartbeat\.timeout: 'soon' is not a duration/);
    assertNoStack(result);
  });

  it('check: a -D without = is an error', () => {
    const result = cli(['-D', 'rest.port', 'check'], { FLINK_CONF_DIR: confWith('').dir });
    assert.equal(result.status, 1);
    assert.match(result.stderr, /expected -D key=value/);
    assertNoStack(result);
  });

  it('check: a --configDir that does not exist exits 1', () => {
    const missing = path.join(tmpRoot, 'nope');
    const result = cli(['--configDir', missing, 'check']);
    assert.equal(result.status, 1);
    assert.ok(result.stderr.includes(missing), result.stderr);
    assertNoStack(result);
  });

  it('get: prints effective values one per line, empty for unset without default', () => {
    const { dir } = confWith('rest.port: 9091\nheartbeat.timeout: 2 min\ntaskmanager.heap.size: 1g\nhigh-availability: zookeeper\nio.tmp.dirs: /a,/b\n');
    const result = cli([
      '--configDir',
      dir,
      'get',
      'rest.port',
      'heartbeat.timeout',
      'taskmanager.heap.size',
      'high-availability',
      'high-availability.storageDir',
      'io.tmp.dirs',
      'env.pid.dir',
      'jobmanager.rpc.address',
    ]);
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout, ['9091', '120000', '1073741824', 'ZOOKEEPER', '', '/a,/b', '/tmp', 'localhost', ''].join('\n'));
  });

  it('get: -D (separate or attached), --configDir=, deprecated keys and environment overrides', () => {
    const { dir } = confWith('rest.port: 9091\nenv.pid.dir: /file\n');
    const result = cli([`--configDir=${dir}`, '-D', 'rest.port=9092', '-Dparallelism.default=3', 'get', 'rest.port', 'web.port', 'parallelism.default', 'env.pid.dir'], {
      FLINK_PID_DIR: '/env',
    });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout, '9092\n9092\n3\n/env\n');
  });

  it('get: FLINK_CONF_DIR selects the configuration', () => {
    const { dir } = confWith('taskmanager.numberOfTaskSlots: 6\n');
    const result = cli(['get', 'taskmanager.numberOfTaskSlots'], { FLINK_CONF_DIR: dir });
    assert.equal(result.stdout, '6\n');
  });

  it('get: an unknown key exits 1 with a suggestion and prints no values', () => {
    const result = cli(['get', 'rest.port', 'taskmanager.numberOfTaskSlot'], { FLINK_CONF_DIR: confWith('').dir });
    assert.equal(result.status, 1);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /Unknown configuration key 'taskmanager\.numberOfTaskSlot'\. Did you mean taskmanager\.numberOfTaskSlots\?/);
    assertNoStack(result);
  });

  it('usage mistakes exit 2 with the usage line', () => {
    for (const args of [[], ['frobnicate'], ['get'], ['--bogus', 'check'], ['--configDir']]) {
      const result = cli(args, { FLINK_CONF_DIR: confWith('').dir });
      assert.equal(result.status, 2, `args ${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, /Usage: cli\.js/);
      assertNoStack(result);
    }
    const help = cli(['--help']);
    assert.equal(help.status, 0);
    assert.match(help.stdout, /Usage: cli\.js/);
  });
});
