import assert from 'node:assert/strict';
import { parseCommandLine } from '../../../src/client/cli-options.js';
import { RUN_OPTIONS, GENERAL_OPTIONS } from '../../../src/client/cli-help.js';
import { YARN_SESSION_OPTIONS, yarnOptionProperties, yarnRunOptions } from '../../../src/client/yarn-cli-options.js';

describe('YARN command-line options', () => {
  it('flink run -m yarn-cluster -y...: each option becomes its configuration key; -yn and -yj only warn', () => {
    const specs = [...GENERAL_OPTIONS, ...RUN_OPTIONS, ...yarnRunOptions()];
    const cl = parseCommandLine(
      specs,
      ['-m', 'yarn-cluster', '-yn', '3', '-ys', '2', '-yjm', '1024', '-ytm2g', '-ynm', 'My job', '-yqu', 'prod', '-yD', 'yarn.tags=a,b', '-yt', 'lib', '-yt', 'data.csv', '-yid', 'application_1_0001', 'job.js', '-ys', '9'],
      true,
    );
    const { properties, warnings } = yarnOptionProperties(cl, 'y');
    assert.deepEqual(properties, {
      'taskmanager.numberOfTaskSlots': '2',
      'jobmanager.memory.process.size': '1024m',
      'taskmanager.memory.process.size': '2g',
      'yarn.application.name': 'My job',
      'yarn.application.queue': 'prod',
      'yarn.application.id': 'application_1_0001',
      'yarn.ship-files': 'lib;data.csv',
      'yarn.tags': 'a,b',
    });
    assert.deepEqual(warnings, ['The option -yn is ignored: TaskManager containers are started as the jobs need slots.']);
    assert.deepEqual(cl.args, ['job.js', '-ys', '9'], "the program's own arguments are left alone");
  });

  it('yarn-session.sh options without the y, long forms too', () => {
    const cl = parseCommandLine(YARN_SESSION_OPTIONS, ['-s', '4', '--taskManagerMemory=1536', '-nm', 'session', '-d', '-Drest.port=0'], false);
    assert.deepEqual(yarnOptionProperties(cl, '').properties, {
      'taskmanager.numberOfTaskSlots': '4',
      'taskmanager.memory.process.size': '1536m',
      'yarn.application.name': 'session',
      'rest.port': '0',
    });
    assert.ok(cl.has('d'));
  });

  it('a bad value names the option', () => {
    const cl = parseCommandLine(YARN_SESSION_OPTIONS, ['-s', 'two', '-tm', 'lots'], false);
    assert.throws(() => yarnOptionProperties(cl, ''), /-s must be a positive number: two/);
    const mem = parseCommandLine(YARN_SESSION_OPTIONS, ['-tm', 'lots'], false);
    assert.throws(() => yarnOptionProperties(mem, ''), /The memory of -tm must be a size like 1024 \(MiB\) or 2g: lots/);
  });
});
