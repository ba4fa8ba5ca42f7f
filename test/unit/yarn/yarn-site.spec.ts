import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveYarnSettings } from '../../../src/yarn/client/index.js';

function site(props: Record<string, string>): string {
  return `<?xml version="1.0"?>\n<configuration>\n${Object.entries(props)
    .map(([k, v]) => `  <property><name>${k}</name><value>${v}</value></property>`)
    .join('\n')}\n</configuration>\n`;
}

describe('YARN client: where YARN is (yarn-site.xml)', () => {
  let dir = '';
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'yarn-site-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('takes the web and scheduler addresses from yarn-site.xml and names the file and key', async () => {
    await writeFile(join(dir, 'yarn-site.xml'), site({ 'yarn.resourcemanager.webapp.address': 'rm1.example:18088', 'yarn.resourcemanager.scheduler.address': 'rm1.example:18030' }));
    const s = resolveYarnSettings({ HADOOP_CONF_DIR: dir, HADOOP_USER_NAME: 'alice' });
    assert.deepEqual(s.webapp, [{ baseUrl: 'http://rm1.example:18088', source: `yarn.resourcemanager.webapp.address in ${join(dir, 'yarn-site.xml')}` }]);
    assert.deepEqual(s.scheduler, { host: 'rm1.example', port: 18030, source: `yarn.resourcemanager.scheduler.address in ${join(dir, 'yarn-site.xml')}` });
    assert.equal(s.user, 'alice');
  });

  it('falls back to yarn.resourcemanager.hostname with the default ports 8088 and 8030', async () => {
    await writeFile(join(dir, 'yarn-site.xml'), site({ 'yarn.resourcemanager.hostname': 'rm.example' }));
    const s = resolveYarnSettings({ HADOOP_CONF_DIR: dir });
    assert.equal(s.webapp[0]?.baseUrl, 'http://rm.example:8088');
    assert.match(s.webapp[0]?.source ?? '', /^yarn\.resourcemanager\.hostname in .*yarn-site\.xml with the default port 8088 \(yarn\.resourcemanager\.webapp\.address unset\)$/);
    assert.deepEqual([s.scheduler.host, s.scheduler.port], ['rm.example', 8030]);
  });

  it('expands ${yarn.resourcemanager.hostname} and reaches a wildcard bind address under the RM host name', async () => {
    await writeFile(join(dir, 'yarn-site.xml'), site({ 'yarn.resourcemanager.hostname': 'rm.example', 'yarn.resourcemanager.webapp.address': '${yarn.resourcemanager.hostname}:9999', 'yarn.resourcemanager.scheduler.address': '0.0.0.0:7030' }));
    const s = resolveYarnSettings({ HADOOP_CONF_DIR: dir });
    assert.equal(s.webapp[0]?.baseUrl, 'http://rm.example:9999');
    assert.deepEqual([s.scheduler.host, s.scheduler.port], ['rm.example', 7030]);
  });

  it('prefers YARN_CONF_DIR over HADOOP_CONF_DIR', async () => {
    const other = await mkdtemp(join(tmpdir(), 'yarn-site-other-'));
    try {
      await writeFile(join(dir, 'yarn-site.xml'), site({ 'yarn.resourcemanager.hostname': 'from-hadoop-conf' }));
      await writeFile(join(other, 'yarn-site.xml'), site({ 'yarn.resourcemanager.hostname': 'from-yarn-conf' }));
      assert.equal(resolveYarnSettings({ HADOOP_CONF_DIR: dir, YARN_CONF_DIR: other }).webapp[0]?.baseUrl, 'http://from-yarn-conf:8088');
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });

  it('lists every ResourceManager of an HA setup in rm-ids order', async () => {
    await writeFile(
      join(dir, 'yarn-site.xml'),
      site({
        'yarn.resourcemanager.ha.enabled': 'true',
        'yarn.resourcemanager.ha.rm-ids': 'rm1, rm2',
        'yarn.resourcemanager.hostname.rm1': 'a.example',
        'yarn.resourcemanager.webapp.address.rm2': 'b.example:8188',
      }),
    );
    const s = resolveYarnSettings({ HADOOP_CONF_DIR: dir });
    assert.deepEqual(
      s.webapp.map((e) => e.baseUrl),
      ['http://a.example:8088', 'http://b.example:8188'],
    );
    assert.match(s.webapp[1]?.source ?? '', /yarn\.resourcemanager\.webapp\.address\.rm2 in /);
    assert.equal(s.scheduler.host, 'a.example');
  });

  it('without any configuration: localhost and a source saying nothing was configured', () => {
    const s = resolveYarnSettings({ HADOOP_USER_NAME: 'bob' });
    assert.equal(s.webapp[0]?.baseUrl, 'http://localhost:8088');
    assert.match(s.webapp[0]?.source ?? '', /no yarn-site\.xml \(YARN_CONF_DIR and HADOOP_CONF_DIR unset\)/);
    assert.equal(s.confDir, undefined);
  });
});
