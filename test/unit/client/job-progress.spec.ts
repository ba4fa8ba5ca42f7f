/** The progress line of an attached `bin/flink run` on a terminal. */
import assert from 'node:assert/strict';
import { formatElapsed, formatRate, headOperatorRecordsOutId, jobProgressOf, ProgressLine, sourceVertexIds } from '../../../src/client/job-progress.js';
import type { JobDetailsInfo } from '../../../src/rest/index.js';

const io = (readRecords: number, writeRecords: number): JobDetailsInfo['vertices'][number]['metrics'] =>
  ({ 'read-records': readRecords, 'write-records': writeRecords }) as JobDetailsInfo['vertices'][number]['metrics'];

const details = {
  state: 'RUNNING',
  vertices: [
    { id: 'src', metrics: io(0, 300) },
    { id: 'mid', metrics: io(300, 200) },
    { id: 'sink', metrics: io(200, 0) },
  ],
  plan: { nodes: [{ id: 'src' }, { id: 'mid', inputs: [{ id: 'src' }] }, { id: 'sink', inputs: [{ id: 'mid' }] }] },
} as unknown as JobDetailsInfo;

describe('client: job progress line', () => {
  it('counts what the sources emitted in and what the sinks took out', () => {
    assert.deepEqual(jobProgressOf(details), { state: 'RUNNING', recordsIn: 300, recordsOut: 200 });
    // The source operator's own count wins over its chain's output (a chained filter drops records).
    assert.deepEqual(jobProgressOf(details, new Map([['src', 900]])).recordsIn, 900);
    assert.deepEqual(sourceVertexIds(details.plan), ['src']);
    assert.equal(headOperatorRecordsOutId([{ id: 'numRecordsOut' }, { id: 'Source__Gen.numRecordsOut' }, { id: 'Map.numRecordsOut' }]), 'Source__Gen.numRecordsOut');
  });

  it('rewrites one line in place and erases it before other output', () => {
    const written: string[] = [];
    let now = 0;
    const line = new ProgressLine({ write: (t) => written.push(t), columns: 200 }, () => now);
    line.show({ state: 'RUNNING', recordsIn: 0, recordsOut: 0 });
    now = 2000;
    line.show({ state: 'RUNNING', recordsIn: 4000, recordsOut: 2000 });
    assert.equal(written[1], '\rRUNNING  0:02  records in 4,000 (2.0K/s)  out 2,000 (1.0K/s)\x1b[K');
    line.clear();
    line.clear();
    assert.deepEqual(written.slice(2), ['\r\x1b[K']);
  });

  it('cuts the line to the terminal width', () => {
    const written: string[] = [];
    new ProgressLine({ write: (t) => written.push(t), columns: 20 }).show({ state: 'RUNNING', recordsIn: 1, recordsOut: 1 });
    assert.equal(written[0], '\rRUNNING  0:00  reco\x1b[K');
  });

  it('formats elapsed time and rates compactly', () => {
    assert.equal(formatElapsed(65_000), '1:05');
    assert.equal(formatElapsed(3_725_000), '1:02:05');
    assert.equal(formatRate(999), '999');
    assert.equal(formatRate(12_345_678), '12.3M');
  });
});
