import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { AM_ENV, decodeEnvJson, encodeEnvJson, readApplicationMasterEnvironment, shellCommand } from '../../../src/yarn/client/index.js';

/** Runs a command line the way a NodeManager's launch script does: `exec /bin/bash -c "<command>"`, unescaped. */
function launch(command: string, env: Record<string, string> = {}): string {
  const exports = Object.entries(env)
    .map(([k, v]) => `export ${k}="${v}"\n`)
    .join('');
  return execFileSync('bash', ['-c', `${exports}exec /bin/bash -c "${command}"`], { encoding: 'utf8' });
}

describe('YARN client: container command lines and environment', () => {
  it('words with quotes, $, backquotes, backslashes and spaces arrive intact through the launch script', () => {
    const words = ['printf', '%s|', 'plain', 'two words', `it's`, '"double"', '$HOME', '`id`', 'back\\slash', ''];
    assert.equal(launch(shellCommand(words)), `plain|two words|it's|"double"|$HOME|\`id\`|back\\slash||`);
  });

  it('leaves {{VAR}}, <LOG_DIR> and <CPS> for the NodeManager to expand', () => {
    assert.equal(shellCommand(['node/bin/node', '{{PWD}}/flink-ts/x.js', '<LOG_DIR>/a']), 'node/bin/node {{PWD}}/flink-ts/x.js <LOG_DIR>/a');
  });

  it('JSON in the environment survives `export KEY="value"` as base64', () => {
    const value = { a: 'quote " dollar $HOME backquote `x`', n: [1, 2] };
    const out = launch('printf %s \\"\\$V\\"', { V: encodeEnvJson(value) });
    assert.deepEqual(decodeEnvJson(out), value);
  });

  it('the ApplicationMaster reads what the client set, and names a missing variable', () => {
    const env = {
      [AM_ENV.APPLICATION_ID]: 'application_1_0001',
      [AM_ENV.STAGING_DIR]: 'hdfs://nn:8020/user/a/.flink/application_1_0001',
      [AM_ENV.SCHEDULER_ADDRESS]: 'rm.example:8030',
      [AM_ENV.RM_WEBAPP]: 'http://rm.example:8088',
      [AM_ENV.WEBHDFS]: 'http://nn:9870',
      [AM_ENV.LOCAL_RESOURCES]: encodeEnvJson({ 'flink-ts': { resource: 'hdfs://nn/x', type: 'ARCHIVE', visibility: 'PUBLIC', size: 1, timestamp: 2 } }),
      [AM_ENV.LAYOUT]: encodeEnvJson({ node: 'node/bin/node', platformDir: 'flink-ts', files: { bundle: 'b.mjs', config: 'flink-conf.yaml', extra: [] } }),
      HADOOP_USER_NAME: 'a',
    };
    const am = readApplicationMasterEnvironment(env);
    assert.deepEqual(am.schedulerAddress, { host: 'rm.example', port: 8030 });
    assert.equal(am.localResources['flink-ts']?.timestamp, 2);
    assert.equal(am.layout.node, 'node/bin/node');
    assert.equal(am.user, 'a');
    const { [AM_ENV.STAGING_DIR]: _gone, ...missing } = env;
    assert.throws(() => readApplicationMasterEnvironment(missing), /FLINK_TS_YARN_STAGING_DIR is not set/);
  });
});
