/**
 * File sinks on a real standalone cluster (2 TaskManagers x 2 slots), file://: no job reports success before
 * its output exists, also when a sink received no records.
 */
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { StandaloneCluster } from './support/standalone-cluster.js';
import { runSinkMatrix } from './support/sink-matrix.js';

describe('file sinks on a standalone cluster (file://)', function () {
  let cluster: StandaloneCluster;

  before(async function () {
    this.timeout(120_000);
    cluster = await StandaloneCluster.start();
  });

  after(async function () {
    this.timeout(90_000);
    await cluster?.stop();
  });

  it('writeAsText and writeAsCsv, both APIs, -p 1 and 4, empty and non-empty input: every file complete when flink run returns', async function () {
    this.timeout(300_000);
    const dir = await cluster.tempDir('sinks');
    await runSinkMatrix({
      workDir: dir,
      writeInput: async (name, text) => {
        const path = join(dir, name);
        await writeFile(path, text);
        return path;
      },
      outBase: `file://${dir}/out`,
      readerBase: join(dir, 'out'),
      reader: {
        list: async (path) => ((await stat(path)).isDirectory() ? readdir(path) : undefined),
        read: (path) => readFile(path, 'utf8'),
      },
      run: (args) => cluster.flink(args, { timeout: 120_000 }),
    });
  });
});
