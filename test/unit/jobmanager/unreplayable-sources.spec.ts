/**
 * The JobManager's warning about sources that cannot be replayed: once per job, only when the job checkpoints
 * (by its own settings or the cluster's) and has such a source.
 */
import assert from 'node:assert/strict';
import { StreamExecutionEnvironment } from '../../../src/api/index.js';
import { Configuration } from '../../../src/config/index.js';
import type { JobGraph } from '../../../src/graph/index.js';
import { unreplayableSources, warnIfSourcesCannotReplay } from '../../../src/jobmanager/checkpoint/unreplayable-sources.js';
import { setLogSink } from '../../../src/util/logger.js';
import { planOf } from '../graph/testing-pipeline.js';

async function socketJob(checkpointing: boolean): Promise<JobGraph> {
  return planOf(async () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    if (checkpointing) env.enableCheckpointing(1000);
    env.socketTextStream('localhost', 9999).union(env.fromSequence(1, 3).map(String)).print();
    await env.execute('socket words');
  });
}

function warnings(run: () => void): string[] {
  const lines: string[] = [];
  setLogSink((line) => void lines.push(line));
  try {
    run();
  } finally {
    setLogSink(undefined);
  }
  return lines.filter((l) => l.includes(' WARN '));
}

describe('warning about sources that cannot be replayed', () => {
  it('names the socket source once when the job checkpoints', async () => {
    const graph = await socketJob(true);
    assert.deepEqual(unreplayableSources(graph), ['Socket Stream']);
    const lines = warnings(() => {
      warnIfSourcesCannotReplay(graph);
      warnIfSourcesCannotReplay(graph);
    });
    assert.equal(lines.length, 1, lines.join(''));
    assert.match(lines[0] as string, /WARN +org\.apache\.flink\.runtime\.jobmaster\.JobMaster - Job socket words \([0-9a-f]+\) checkpoints every 1000 ms, but its source 'Socket Stream' cannot be replayed: the records it received before a failure are not read again after a restart/);
  });

  it("counts the cluster's checkpoint interval too, and says nothing without checkpointing or without such a source", async () => {
    const graph = await socketJob(false);
    assert.deepEqual(warnings(() => warnIfSourcesCannotReplay(graph)), []);
    const cluster = Configuration.fromMap({ 'execution.checkpointing.interval': '30 s' });
    assert.match(warnings(() => warnIfSourcesCannotReplay(graph, cluster)).join(''), /checkpoints every 30000 ms/);
    const replayable = await planOf(async () => {
      const env = StreamExecutionEnvironment.getExecutionEnvironment();
      env.enableCheckpointing(1000);
      env.fromSequence(1, 3).print();
      await env.execute('sequence');
    });
    assert.deepEqual(unreplayableSources(replayable), []);
    assert.deepEqual(warnings(() => warnIfSourcesCannotReplay(replayable)), []);
  });
});
