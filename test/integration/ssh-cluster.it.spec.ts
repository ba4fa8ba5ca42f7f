/**
 * A standalone cluster on several real hosts started over SSH: network namespaces with their own sshd, hostname
 * and /tmp (scripts/netns-hosts.sh), the installation at the same path on each, bin/start-cluster.sh and
 * bin/stop-cluster.sh run on h1 as a user logged in there would run them.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NamespaceHosts } from '../support/netns-hosts.js';
import { waitFor } from '../support/processes.js';
import { MultiHostInstall } from './support/multi-host-install.js';
import { EXAMPLES_DIR, nonEmptyLines } from './support/standalone-cluster.js';

interface TaskManagersBody {
  taskmanagers: { id: string; path: string; slotsNumber: number }[];
}

function errorLines(text: string): string[] {
  return nonEmptyLines(text).filter((l) => l.startsWith('Error: '));
}

describe('standalone cluster on several hosts over SSH (namespace hosts)', function () {
  this.timeout(240_000);

  let hosts: NamespaceHosts | undefined;
  const installs: MultiHostInstall[] = [];

  before(async function () {
    this.timeout(120_000);
    hosts = await NamespaceHosts.up(5);
  });

  // Whatever a failed test left running dies with the hosts; stop-cluster.sh first, so the daemons stop as a user's would.
  afterEach(async function () {
    this.timeout(120_000);
    for (const install of installs.splice(0)) {
      await install.script('h1', 'stop-cluster.sh').catch(() => undefined);
    }
  });

  after(async function () {
    this.timeout(120_000);
    await hosts?.close();
  });

  async function install(o: Parameters<typeof MultiHostInstall.create>[1]): Promise<MultiHostInstall> {
    assert.ok(hosts, 'the namespace hosts are up');
    const i = await MultiHostInstall.create(hosts, o);
    installs.push(i);
    return i;
  }

  async function noDaemonsAnywhere(i: MultiHostInstall): Promise<void> {
    await waitFor('no flink-ts daemon on any host', 30_000, async () => {
      for (const h of i.hosts.hosts) if ((await i.daemons(h.name)).length > 0) return undefined;
      return true;
    }, 200);
  }

  it('starts the JobManager on h1 and TaskManagers on h2 and h3 over SSH; a job runs; stop-cluster.sh leaves no daemon on any host', async () => {
    const i = await install({ name: 'basic', masters: ['h1'], workers: ['h2', 'h3'] });
    const h = i.hosts;

    const start = await i.script('h1', 'start-cluster.sh');
    assert.equal(start.exitCode, 0, start.describe);
    const out = nonEmptyLines(start.stdout);
    assert.equal(out[0], 'Starting cluster.', start.describe);
    for (const line of ['Starting standalonesession daemon on host h1.', 'Starting taskexecutor daemon on host h2.', 'Starting taskexecutor daemon on host h3.']) {
      assert.ok(out.includes(line), `missing '${line}'\n${start.describe}`);
    }
    assert.deepEqual(errorLines(start.stderr), [], start.describe);

    // Both TaskManagers registered, each at its own host's address; seen from the root namespace.
    const tms = await waitFor('2 TaskManagers at the JobManager on h1', 30_000, async () => {
      const body = await i.rest<TaskManagersBody>('h1', '/taskmanagers');
      return body.taskmanagers.length === 2 ? body.taskmanagers : undefined;
    }, 200);
    const addresses = tms.map((t) => new URL(t.path.replace(/^tcp:/, 'http:')).hostname).sort();
    assert.deepEqual(addresses, [h.host('h2').address, h.host('h3').address].sort());

    // Each host has its own /tmp, so each default pid directory holds only that host's daemon.
    assert.ok(existsSync(join(h.host('h1').tmpDir, 'flink-root-standalonesession.pid')));
    assert.ok(!existsSync(join(h.host('h1').tmpDir, 'flink-root-taskexecutor.pid')));
    for (const w of ['h2', 'h3']) {
      assert.ok(existsSync(join(h.host(w).tmpDir, 'flink-root-taskexecutor.pid')), `pid file on ${w}`);
      assert.equal((await i.daemons(w)).length, 1, `one daemon on ${w}`);
    }
    assert.ok(existsSync(join(i.logDir, 'flink-root-taskexecutor-0-h2.log')) || existsSync(join(i.logDir, 'flink-root-taskexecutor-0-h2.out')));

    const run = await i.flink(['run', '-m', `${h.host('h1').address}:8081`, '-p', '4', join(EXAMPLES_DIR, 'streaming', 'WordCount.js')]);
    assert.equal(run.exitCode, 0, run.describe);
    assert.match(run.stdout, /has finished/, run.describe);

    const stop = await i.script('h1', 'stop-cluster.sh');
    assert.equal(stop.exitCode, 0, stop.describe);
    const stopOut = nonEmptyLines(stop.stdout);
    const tmStops = ['h2', 'h3'].map((w) => stopOut.findIndex((l) => l.startsWith('Stopping taskexecutor daemon (pid: ') && l.endsWith(` on host ${w}.`)));
    const jmStop = stopOut.findIndex((l) => l.startsWith('Stopping standalonesession daemon (pid: ') && l.endsWith(' on host h1.'));
    assert.ok(tmStops.every((x) => x >= 0) && jmStop >= 0, stop.describe);
    assert.ok(tmStops.every((x) => x < jmStop), `TaskManagers stop before the JobManager\n${stop.describe}`);
    await noDaemonsAnywhere(i);
  });

  it('names each host that fails in one line (unreachable, login refused, unknown or changed host key) while the others start, and exits non-zero', async () => {
    assert.ok(hosts);
    const unreachable = hosts.unusedAddress;
    // h4 is left out of known_hosts; h5 is in it with another host's key.
    const i = await install({ name: 'failures', masters: ['h1'], workers: ['h2', 'h3', 'h4', 'h5', unreachable], knownHosts: ['h1', 'h2', 'h3'] });
    const h5 = hosts.host('h5');
    const otherKey = (await readFile(hosts.host('h2').hostKeyFile, 'utf8')).trim().split(/\s+/).slice(0, 2).join(' ');
    await writeFile(i.knownHostsFile, `${await readFile(i.knownHostsFile, 'utf8')}h5,${h5.address} ${otherKey}\n`);
    await hosts.revokeLogin('h3');

    try {
      const start = await i.script('h1', 'start-cluster.sh', [], { FLINK_START_NO_WAIT: '1' });
      assert.equal(start.exitCode, 1, start.describe);
      const errors = errorLines(start.stderr);
      const about = (host: string): string[] => errors.filter((l) => new RegExp(`\\b${host.replace(/\./g, '\\.')}\\b`).test(l));
      assert.equal(about('h3').length, 1, start.describe);
      assert.match(about('h3')[0] ?? '', /refused the SSH login of user root/);
      assert.equal(about('h4').length, 1, start.describe);
      assert.match(about('h4')[0] ?? '', /not a known host.*StrictHostKeyChecking=accept-new/);
      assert.equal(about('h5').length, 1, start.describe);
      assert.match(about('h5')[0] ?? '', /host key of h5 has changed/);
      assert.equal(about(unreachable).length, 1, start.describe);
      assert.match(about(unreachable)[0] ?? '', /unreachable|could not connect/);
      assert.ok(errors.some((l) => l.includes('4 of 5 TaskManager(s) failed to start')), start.describe);

      // The JobManager on h1 and the TaskManager on h2 started all the same.
      const tms = await waitFor('the TaskManager of h2 at the JobManager', 30_000, async () => {
        const body = await i.rest<TaskManagersBody>('h1', '/taskmanagers');
        return body.taskmanagers.length === 1 ? body.taskmanagers : undefined;
      }, 200);
      assert.match(tms[0]?.path ?? '', new RegExp(hosts.host('h2').address.replace(/\./g, '\\.')));
      for (const w of ['h3', 'h4', 'h5']) assert.deepEqual(await i.daemons(w), [], `nothing runs on ${w}`);

      const stop = await i.script('h1', 'stop-cluster.sh');
      assert.equal(stop.exitCode, 1, stop.describe);
      assert.ok(nonEmptyLines(stop.stdout).some((l) => l.startsWith('Stopping taskexecutor daemon') && l.endsWith('on host h2.')), stop.describe);
      await noDaemonsAnywhere(i);
    } finally {
      await writeFile(hosts.host('h3').authorizedKeysFile, await readFile(`${hosts.clientKey}.pub`, 'utf8'));
    }
  });

  it('refuses a host without flink-ts at the same path, or with another version, in one line each; the others start', async () => {
    assert.ok(hosts);
    const i = await install({ name: 'versions', masters: ['h1'], workers: ['h2', 'h3', 'h4'] });
    // On h3 the installation's bin/ is an empty directory, on h4 package.json says another version: mounts in
    // those hosts' own mount namespaces, which the other hosts and this test do not see.
    const empty = join(hosts.dir, 'empty-bin');
    await mkdir(empty, { recursive: true });
    const otherPackage = join(hosts.dir, 'other-package.json');
    await writeFile(otherPackage, '{\n  "name": "flink-ts",\n  "version": "0.0.1-other"\n}\n');
    const m3 = await hosts.exec('h3', 'mount', ['--bind', empty, join(i.home, 'bin')]);
    assert.equal(m3.exitCode, 0, m3.describe);
    const m4 = await hosts.exec('h4', 'mount', ['--bind', otherPackage, join(i.home, 'package.json')]);
    assert.equal(m4.exitCode, 0, m4.describe);
    try {
      const start = await i.script('h1', 'start-cluster.sh', [], { FLINK_START_NO_WAIT: '1' });
      assert.equal(start.exitCode, 1, start.describe);
      const errors = errorLines(start.stderr);
      assert.ok(errors.some((l) => l.includes(`flink-ts is not installed at ${i.home} on host h3`)), start.describe);
      assert.ok(errors.some((l) => l.includes(`host h4 has flink-ts 0.0.1-other at ${i.home}`)), start.describe);
      assert.ok(nonEmptyLines(start.stdout).includes('Starting taskexecutor daemon on host h2.'), start.describe);
      for (const w of ['h3', 'h4']) assert.deepEqual(await i.daemons(w), [], `nothing runs on ${w}`);
    } finally {
      await hosts.exec('h3', 'umount', [join(i.home, 'bin')]);
      await hosts.exec('h4', 'umount', [join(i.home, 'package.json')]);
    }
  });

  it('with StrictHostKeyChecking=accept-new adds an unknown host to known_hosts and starts it; user@host lines log in as that user', async () => {
    assert.ok(hosts);
    const i = await install({ name: 'acceptnew', masters: ['h1'], workers: ['root@h2', 'h4'], knownHosts: ['h1', 'h2'], sshOpts: '-o StrictHostKeyChecking=accept-new' });
    const start = await i.script('h1', 'start-cluster.sh');
    assert.equal(start.exitCode, 0, start.describe);
    for (const w of ['h2', 'h4']) assert.ok(nonEmptyLines(start.stdout).includes(`Starting taskexecutor daemon on host ${w}.`), start.describe);
    const [type, key] = (await readFile(hosts.host('h4').hostKeyFile, 'utf8')).trim().split(/\s+/);
    assert.ok(nonEmptyLines(await readFile(i.knownHostsFile, 'utf8')).includes(`h4 ${type} ${key}`), 'h4 is in known_hosts now');
    await waitFor('2 TaskManagers at the JobManager on h1', 30_000, async () => {
      const body = await i.rest<TaskManagersBody>('h1', '/taskmanagers');
      return body.taskmanagers.length === 2 ? true : undefined;
    }, 200);
    const stop = await i.script('h1', 'stop-cluster.sh');
    assert.equal(stop.exitCode, 0, stop.describe);
    await noDaemonsAnywhere(i);
  });

  it('in HA mode runs jobmanager.sh start <host> <webui-port> on every conf/masters host and says how many masters', async () => {
    assert.ok(hosts);
    const i = await install({
      name: 'ha',
      masters: ['h1:8081', 'h2:8082'],
      workers: ['h3'],
      extraConf: [
        'high-availability: zookeeper',
        `high-availability.zookeeper.quorum: ${hosts.gateway}:2181`,
        `high-availability.storageDir: file://${hosts.dir}/ha-recovery`,
      ],
    });
    // A spy in front of the real scripts of this installation records which host ran what; the JobManager may
    // not accept zookeeper mode yet, so what is checked is the commands, not the daemons.
    const calls = join(i.home, 'calls.log');
    for (const script of ['jobmanager.sh', 'taskmanager.sh']) {
      const real = join(i.home, 'bin', script.replace('.sh', '.real.sh'));
      await rename(join(i.home, 'bin', script), real);
      await writeFile(join(i.home, 'bin', script), `#!/usr/bin/env bash\necho "$(hostname) ${script} $*" >> ${calls}\nexec ${real} "$@"\n`);
      await chmod(join(i.home, 'bin', script), 0o755);
    }

    const start = await i.script('h1', 'start-cluster.sh', [], { FLINK_START_NO_WAIT: '1' });
    assert.equal(nonEmptyLines(start.stdout)[0], 'Starting HA cluster with 2 masters.', start.describe);
    const started = nonEmptyLines(await readFile(calls, 'utf8')).sort();
    assert.deepEqual(started, ['h1 jobmanager.sh start h1 8081', 'h2 jobmanager.sh start h2 8082', 'h3 taskmanager.sh start'], start.describe);

    await writeFile(calls, '');
    const stop = await i.script('h1', 'stop-cluster.sh');
    const stopped = nonEmptyLines(await readFile(calls, 'utf8'));
    assert.equal(stopped[0], 'h3 taskmanager.sh stop-all', stop.describe);
    assert.deepEqual(stopped.slice(1).sort(), ['h1 jobmanager.sh stop', 'h2 jobmanager.sh stop'], stop.describe);
    await noDaemonsAnywhere(i);
  });
});
