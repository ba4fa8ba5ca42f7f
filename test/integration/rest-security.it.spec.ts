/**
 * Who may bring jobs to a real standalone cluster, and what uploads cost it: TLS with client certificates on the
 * REST endpoint, web.submit.enable, the cap on stored uploads, and the JobManager's memory under many large
 * parallel uploads (measured on the real process).
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, openAsBlob } from 'node:fs';
import { mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { Configuration, restSslClientOptions } from '../../src/config/index.js';
import { makeTestPki } from '../support/test-pki.js';
import { EXAMPLES_DIR, StandaloneCluster } from './support/standalone-cluster.js';

const MIB = 1024 * 1024;

/** A field of /proc/<pid>/status in MiB (VmRSS, VmHWM). */
function procStatusMiB(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(m[1]) / 1024;
}

describe('REST security on a real cluster', function () {
  this.timeout(180_000);

  describe('TLS with client certificates (security.ssl.rest.*)', () => {
    let cluster: StandaloneCluster | undefined;
    let pkiDir: string | undefined;

    before(async () => {
      pkiDir = await mkdtemp(join(tmpdir(), 'flink-it-pki-'));
      const pki = await makeTestPki(pkiDir);
      const settings = {
        'security.ssl.rest.enabled': 'true',
        'security.ssl.rest.authentication-enabled': 'true',
        'security.ssl.rest.keystore': pki.encryptedKeystore,
        'security.ssl.rest.key-password': pki.keyPassword,
        'security.ssl.rest.truststore': pki.ca,
      };
      const restTls = restSslClientOptions(Configuration.fromMap(settings));
      cluster = await StandaloneCluster.start({
        taskManagers: 1,
        slotsPerTaskManager: 2,
        extraConf: Object.entries(settings).map(([k, v]) => `${k}: ${v}`),
        ...(restTls ? { restTls } : {}),
      });
    });
    after(async () => {
      await cluster?.stop();
      if (pkiDir) await rm(pkiDir, { recursive: true, force: true });
    });

    it('starts (start-cluster.sh waits over https), runs and lists jobs with bin/flink over https', async () => {
      const c = cluster as StandaloneCluster;
      assert.match(c.restUrl, /^https:/);
      const dir = await c.tempDir('tls-run');
      const input = join(dir, 'words.txt');
      const output = join(dir, 'counts');
      await writeFile(input, 'to be or not to be\n');
      const run = await c.flink(['run', join(EXAMPLES_DIR, 'batch', 'WordCount.js'), '--input', input, '--output', output]);
      assert.equal(run.exitCode, 0, run.describe);
      const jobId = /Job with JobID ([0-9a-f]{32}) has finished\./.exec(run.stdout)?.[1];
      assert.ok(jobId, run.describe);
      assert.match(await readFile(output, 'utf8'), /^be 2$/m);

      const list = await c.flink(['list', '-a']);
      assert.equal(list.exitCode, 0, list.describe);
      assert.match(list.stdout, new RegExp(` : ${jobId} : .* \\(FINISHED\\)$`, 'm'), list.describe);
    });

    it('shows the key password as ****** in /jobmanager/config', async () => {
      const c = cluster as StandaloneCluster;
      const entries = await c.rest<Array<{ key: string; value: string }>>('/jobmanager/config');
      assert.deepEqual(entries.find((e) => e.key === 'security.ssl.rest.key-password'), { key: 'security.ssl.rest.key-password', value: '******' });
      assert.equal(entries.find((e) => e.key === 'security.ssl.rest.enabled')?.value, 'true');
    });

    it('refuses plain HTTP and a client without a certificate', async () => {
      const c = cluster as StandaloneCluster;
      await assert.rejects(fetch(`http://${c.address}/overview`, { signal: AbortSignal.timeout(10_000) }));

      const noCert = await c.flink(['list', '-D', 'security.ssl.rest.authentication-enabled=false']);
      assert.equal(noCert.exitCode, 1, noCert.describe);
      assert.match(noCert.stderr, /the JobManager refused this client's certificate \(or its absence\)/, noCert.describe);
      assert.doesNotMatch(noCert.stderr, /^\s+at /m, `no stack trace:\n${noCert.describe}`);
    });
  });

  describe('web.submit.enable: false', () => {
    let cluster: StandaloneCluster | undefined;
    before(async () => {
      cluster = await StandaloneCluster.start({ taskManagers: 1, slotsPerTaskManager: 1, extraConf: ['web.submit.enable: false'] });
    });
    after(async () => cluster?.stop());

    it('reports web-submit: false, refuses bin/flink run naming the key, and still lists jobs', async () => {
      const c = cluster as StandaloneCluster;
      const config = await c.rest<{ features: Record<string, unknown> }>('/config');
      assert.equal(config.features['web-submit'], false);

      const input = join(await c.tempDir('in'), 'words.txt');
      await writeFile(input, 'to be or not to be\n');
      const run = await c.flink(['run', join(EXAMPLES_DIR, 'batch', 'WordCount.js'), '--input', input]);
      assert.notEqual(run.exitCode, 0, run.describe);
      assert.match(run.stdout + run.stderr, /web\.submit\.enable: false/, run.describe);
      assert.doesNotMatch(run.stdout + run.stderr, /^\s+at /m, `no stack trace:\n${run.describe}`);

      const list = await c.flink(['list']);
      assert.equal(list.exitCode, 0, list.describe);
    });
  });

  describe('uploads', () => {
    const uploads = 16;
    const sizeMb = 32;
    let cluster: StandaloneCluster | undefined;
    before(async () => {
      cluster = await StandaloneCluster.start({
        taskManagers: 1,
        slotsPerTaskManager: 1,
        extraConf: [`web.upload.max-files: ${uploads}`, 'web.upload.max-total-size: 2gb'],
      });
    });
    after(async () => cluster?.stop());

    it(`keeps ${uploads} parallel uploads of ${sizeMb} MB on disk, not in the JobManager's memory, and caps how many it keeps`, async () => {
      const c = cluster as StandaloneCluster;
      const [jm] = await c.pids('standalonesession');
      assert.ok(jm !== undefined);
      // A sparse file: the test itself holds neither the bytes in memory nor on disk.
      const file = join(await c.tempDir('upload'), 'big-program.mjs');
      await writeFile(file, '');
      await truncate(file, sizeMb * 1_000_000);

      const before = procStatusMiB(jm, 'VmRSS');
      let peak = before;
      let hwm = true;
      try {
        writeFileSync(`/proc/${jm}/clear_refs`, '5'); // VmHWM := VmRSS, so VmHWM below is the peak of the uploads
      } catch {
        hwm = false;
      }
      const poll = setInterval(() => (peak = Math.max(peak, procStatusMiB(jm, 'VmRSS'))), 50);
      const answers = await Promise.all(
        Array.from({ length: uploads }, async () => {
          const form = new FormData();
          form.append('jarfile', await openAsBlob(file), 'big-program.mjs');
          const res = await c.restResponse('/jars/upload', { method: 'POST', body: form, signal: AbortSignal.timeout(120_000) });
          return { status: res.status, body: (await res.json()) as { filename?: string; errors?: string[] } };
        }),
      ).finally(() => clearInterval(poll));
      if (hwm) peak = Math.max(peak, procStatusMiB(jm, 'VmHWM'));

      assert.deepEqual(answers.map((a) => a.status), Array(uploads).fill(200), JSON.stringify(answers.map((a) => a.body)));
      const total = (uploads * sizeMb * 1_000_000) / MIB;
      // Today about +40 MiB; reading uploads into memory would cost at least the total (488 MiB).
      assert.ok(peak - before < 150, `JobManager RSS grew from ${before.toFixed(0)} to ${peak.toFixed(0)} MiB for ${total.toFixed(0)} MiB of uploads`);

      const more = await c.restResponse('/jars/upload', { method: 'POST', body: (() => {
        const form = new FormData();
        form.append('jarfile', new Blob(['export {};']), 'one-more.mjs');
        return form;
      })() });
      assert.equal(more.status, 409);
      assert.deepEqual(await more.json(), {
        errors: [
          `The cluster already holds ${uploads} uploaded programs (web.upload.max-files: ${uploads}). ` +
            'Delete programs you no longer need (DELETE /jars/:jarid) or raise web.upload.max-files.',
        ],
      });

      for (const a of answers) {
        const id = basename(a.body.filename ?? '');
        assert.equal((await c.restResponse(`/jars/${encodeURIComponent(id)}`, { method: 'DELETE' })).status, 200);
      }
      assert.deepEqual((await c.rest<{ files: unknown[] }>('/jars')).files, []);
    });
  });
});
