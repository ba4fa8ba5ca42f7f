/**
 * Planning an uploaded program on the JobManager (`POST /jars/:jarid/run`): a savepoint to restore from travels
 * in the planned job's configuration, as with `flink run -s`.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { programPlannerFor } from '../../../src/client/plan-worker.js';
import { Configuration } from '../../../src/config/index.js';

describe('plan worker: programs run through POST /jars/:jarid/run', function () {
  this.timeout(60_000);
  let dir: string;
  let program: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flink-plan-worker-'));
    program = join(dir, 'job.mjs');
    await writeFile(
      program,
      "import { StreamExecutionEnvironment } from 'flink-ts';\n" +
        'const env = StreamExecutionEnvironment.getExecutionEnvironment();\n' +
        "env.generateSequence(1, 10).addSink(() => {});\nawait env.execute('Uploaded');\n",
    );
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('puts savepointPath and allowNonRestoredState into the job configuration; without them there is none', async () => {
    const plan = programPlannerFor(Configuration.fromMap({}));
    const restored = await plan(program, { programArgs: [], savepointPath: 'hdfs:///sp/savepoint-abcdef-0123456789ab', allowNonRestoredState: true });
    assert.deepEqual((restored.jobGraph as { jobConfiguration?: unknown }).jobConfiguration, {
      'execution.savepoint.path': 'hdfs:///sp/savepoint-abcdef-0123456789ab',
      'execution.savepoint.ignore-unclaimed-state': 'true',
    });
    const fresh = await plan(program, { programArgs: [] });
    assert.equal((fresh.jobGraph as { jobConfiguration?: unknown }).jobConfiguration, undefined);
  });
});
