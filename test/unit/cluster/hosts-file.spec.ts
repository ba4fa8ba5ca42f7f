/** conf/masters and conf/workers as the cluster scripts read them. */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hostLines, HostsFileError, parseMasterEntry, parseWorkerEntry, readMasters, readWorkers } from '../../../src/cluster/index.js';

describe('hosts files (conf/masters, conf/workers)', () => {
  let dir: string;
  beforeEach(async () => (dir = await mkdtemp(join(tmpdir(), 'flink-hosts-file-'))));
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it('drops comments, blanks, spaces, carriage returns and topology paths', () => {
    assert.deepEqual(hostLines('# masters\n h1 \n\n/rack1/h2 # second\r\nh3\t\n  # only a comment\n'), ['h1', 'h2', 'h3']);
  });

  it('reads host, host:port, [v6]:port, bare IPv6 and user@ in conf/masters', () => {
    assert.deepEqual(parseMasterEntry('h1'), { host: 'h1', user: undefined, webUiPort: undefined });
    assert.deepEqual(parseMasterEntry('h1:8082'), { host: 'h1', user: undefined, webUiPort: 8082 });
    assert.deepEqual(parseMasterEntry('h1:'), { host: 'h1', user: undefined, webUiPort: undefined });
    assert.deepEqual(parseMasterEntry('[::1]:8081'), { host: '::1', user: undefined, webUiPort: 8081 });
    assert.deepEqual(parseMasterEntry('fe80::1'), { host: 'fe80::1', user: undefined, webUiPort: undefined });
    assert.deepEqual(parseMasterEntry('flink@h2:8081'), { host: 'h2', user: 'flink', webUiPort: 8081 });
  });

  it('refuses a masters line whose port is not a port, naming the file and line', () => {
    assert.throws(() => parseMasterEntry('h1:web', '/c/masters'), (e: unknown) => e instanceof HostsFileError && /\/c\/masters: 'h1:web' has the web UI port 'web'/.test(e.message));
    assert.throws(() => parseMasterEntry('h1:70000'), HostsFileError);
    assert.throws(() => parseWorkerEntry('@h2'), /is not a host; write host or user@host/);
  });

  it("reads conf/workers one entry per line (a host twice is two TaskManagers), and conf/slaves when there is no conf/workers", async () => {
    await writeFile(join(dir, 'workers'), 'h2\nops@h3\nh2\n');
    assert.deepEqual(readWorkers(dir).map((w) => `${w.user ?? ''}@${w.host}`), ['@h2', 'ops@h3', '@h2']);
    await rm(join(dir, 'workers'));
    await writeFile(join(dir, 'slaves'), 'old1\n');
    assert.deepEqual(readWorkers(dir).map((w) => w.host), ['old1']);
  });

  it("says what Flink says when a file is missing", async () => {
    assert.throws(() => readMasters(dir), { message: "No masters file. Please specify masters in 'conf/masters'." });
    assert.throws(() => readWorkers(dir), { message: "No workers file. Please specify workers in 'conf/workers'." });
  });

  it('refuses conf/workers and conf/slaves with different hosts when starting, takes both when stopping', async () => {
    await writeFile(join(dir, 'workers'), 'h2\n');
    await writeFile(join(dir, 'slaves'), 'h2\nh3\n');
    assert.throws(() => readWorkers(dir), (e: unknown) => e instanceof HostsFileError && e.message.includes(join(dir, 'workers')) && e.message.includes(join(dir, 'slaves')));
    assert.deepEqual(readWorkers(dir, true).map((w) => w.host), ['h2', 'h2', 'h3']);
    await writeFile(join(dir, 'slaves'), 'h2\n');
    assert.deepEqual(readWorkers(dir).map((w) => w.host), ['h2']);
  });
});
