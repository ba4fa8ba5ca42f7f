/**
 * Planning an uploaded program on the JobManager (`POST /jars/:jarid/run`): a savepoint to restore from travels
 * in the planned job's configuration, as with `flink run -s`.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleProgram } from '../../../src/client/bundler.js';
import { planInWorker, programPlannerFor, runInWorker, type PlannedJob, type RunJobOutcome } from '../../../src/client/plan-worker.js';
import { Configuration } from '../../../src/config/index.js';

describe('plan worker: programs run through POST /jars/:jarid/run', function () {
  this.timeout(60_000);
  let dir: string;
  let program: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flink-plan-worker-'));
    program = join(dir, 'job.mjs');
    await writeFile(
      join(dir, 'configured.mjs'),
      "import { StreamExecutionEnvironment } from 'flink-ts';\n" +
        'const env = StreamExecutionEnvironment.getExecutionEnvironment();\n' +
        "env.configure({ 'restart-strategy': 'none' });\n" +
        "env.generateSequence(1, 10).map((n) => n).addSink(() => {});\nawait env.execute(process.argv[3]);\n",
    );
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

  it('application mode: plans a bundle the client made as it is, with its program name, -D under the program\'s own settings and the fixed job id', async () => {
    const bundle = await bundleProgram(join(dir, 'configured.mjs'));
    try {
      const planned = await planInWorker({
        programPath: bundle.path,
        bundled: { programName: 'configured.mjs' },
        args: ['--name', 'Configured'],
        defaultParallelism: 3,
        bufferTimeout: 100,
        jobId: 'a'.repeat(32),
        defaultJobConfiguration: { 'execution.checkpointing.interval': '5 s', 'restart-strategy': 'fixed-delay' },
      });
      const graph = planned.jobGraph as { jobId: string; jobName: string; jobConfiguration?: Record<string, string>; vertices: Array<{ parallelism: number }> };
      assert.equal(graph.jobId, 'a'.repeat(32));
      assert.equal(graph.jobName, 'Configured');
      assert.deepEqual(graph.jobConfiguration, { 'execution.checkpointing.interval': '5 s', 'restart-strategy': 'none' });
      assert.ok(graph.vertices.length > 0 && graph.vertices.every((v) => v.parallelism === 3), JSON.stringify(graph.vertices.map((v) => v.parallelism)));
      // The same bytes the client bundled, under the bundle's file name.
      assert.equal(planned.bundle.fileName, bundle.fileName);
      assert.deepEqual(Buffer.from(planned.bundle.data), Buffer.from(bundle.data));
    } finally {
      await bundle.dispose();
    }
  });

  it('application mode: runs a program with several jobs to its end, each execute() getting its job\'s outcome; a failure the program does not catch rejects', async () => {
    const multi = join(dir, 'multi.mjs');
    await writeFile(
      multi,
      "import { StreamExecutionEnvironment } from 'flink-ts';\n" +
        'const env = StreamExecutionEnvironment.getExecutionEnvironment();\n' +
        "env.generateSequence(1, 10).addSink(() => {});\nawait env.execute('First');\n" +
        "let failure = 'none';\n" +
        "try { env.generateSequence(1, 5).addSink(() => {}); await env.execute('Second'); } catch (e) { failure = e.message; }\n" +
        "env.generateSequence(1, 3).addSink(() => {});\nawait env.execute(`Third after ${failure}`);\n" +
        "if (process.argv[2] === '--fail-at-end') throw new Error('the program gives up at its end');\n",
    );
    const names: string[] = [];
    const ids: string[] = [];
    const runJob = async (job: PlannedJob): Promise<RunJobOutcome> => {
      const graph = job.jobGraph as { jobId: string; jobName: string };
      names.push(graph.jobName);
      ids.push(graph.jobId);
      return graph.jobName === 'Second' ? { ok: false, message: 'Second broke' } : { ok: true, jobId: graph.jobId, netRuntime: 1, accumulatorResults: {} };
    };
    const request = { programPath: multi, args: [] as string[], defaultParallelism: 1, bufferTimeout: 100, jobId: 'b'.repeat(32) };
    assert.equal(await runInWorker(request, runJob), 3);
    assert.deepEqual(names, ['First', 'Second', 'Third after Second broke']);
    assert.equal(ids[0], 'b'.repeat(32));
    assert.equal(new Set(ids).size, 3);

    await assert.rejects(runInWorker({ ...request, args: ['--fail-at-end'] }, runJob), /The main method caused an error: the program gives up at its end/);
  });
});
