/**
 * The JobMaster's clean-up after a failed or cancelled job removes the hidden temporary files of writeAsText /
 * writeAsCsv, and nothing of a FileSink writing into the same directory (its pending files may be needed by a
 * restore).
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JobGraph } from '../../../src/graph/index.js';
import { cleanupFileSinks } from '../../../src/jobmanager/jobmaster/file-sinks.js';

function graphWithTextSink(path: string, parallelism: number): JobGraph {
  const op = { id: 1, operator: 'sink:text', name: 'Sink', uid: null, params: { path, writeMode: 'OVERWRITE' } };
  return { workingDirectory: '/', vertices: [{ parallelism, operators: [op] }] } as unknown as JobGraph;
}

describe('JobMaster file sink clean-up', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ut-jm-sinks-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const fileSinkFiles = [
    '.part-5f0c1e2a-1b2c-4d3e-8f90-a1b2c3d4e5f6-0.inprogress.0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d',
    '..part-5f0c1e2a-1b2c-4d3e-8f90-a1b2c3d4e5f6-1.inprogress.0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d.inprogress.a1b2c3d4e5f6',
    'part-5f0c1e2a-1b2c-4d3e-8f90-a1b2c3d4e5f6-2',
  ];

  it('a single text sink: only `.<its name>.inprogress.<hex>` goes', async () => {
    for (const f of [...fileSinkFiles, '.out.txt.inprogress.0a1b2c3d4e5f', '.other.txt.inprogress.0a1b2c3d4e5f']) await writeFile(join(dir, f), 'x');
    await cleanupFileSinks(graphWithTextSink(join(dir, 'out.txt'), 1));
    assert.deepEqual((await readdir(dir)).sort(), [...fileSinkFiles, '.other.txt.inprogress.0a1b2c3d4e5f'].sort());
  });

  it('a parallel text sink: only `.<n>.inprogress.<hex>` in its directory goes', async () => {
    const out = join(dir, 'out');
    await mkdir(out);
    for (const f of [...fileSinkFiles, '.1.inprogress.0a1b2c3d4e5f', '.12.inprogress.ffee', '1']) await writeFile(join(out, f), 'x');
    await cleanupFileSinks(graphWithTextSink(out, 4));
    assert.deepEqual((await readdir(out)).sort(), [...fileSinkFiles, '1'].sort());
  });
});
