/**
 * The checkpoint and savepoint endpoints against the testing gateway: Flink 1.20's field names and type ids
 * (`className`), the summary's percentiles, Flink's 4xx messages, and the trigger-then-poll protocol of
 * savepoints, stop-with-savepoint and disposal.
 */
import assert from 'node:assert/strict';
import { errorFromSerializedThrowableJson } from '../../../src/rest/index.js';
import { toJsonText } from '../../../src/jobmanager/rest/json-text.js';
import { CHECKPOINT_BASE_TS, SOURCE_VERTEX, WINDOW_VERTEX, sampleCheckpointStatistics } from './checkpoint-fixtures.js';
import { call, startTestServer, type Answer, type TestServer } from './rest-test-util.js';
import { checkpointConfigInfo, jobDetails, newJobId } from './testing-dispatcher-gateway.js';

type Json = Record<string, unknown>;

const CHECKPOINT_FIELDS = [
  'alignment_buffered', 'checkpoint_type', 'checkpointed_size', 'className', 'end_to_end_duration', 'id', 'is_savepoint',
  'latest_ack_timestamp', 'num_acknowledged_subtasks', 'num_subtasks', 'persisted_data', 'processed_data', 'savepointFormat',
  'state_size', 'status', 'tasks', 'trigger_timestamp',
];
const SUMMARY_FIELDS = ['avg', 'max', 'min', 'p50', 'p90', 'p95', 'p99', 'p999'];

function json(a: Answer): Json {
  return a.json as Json;
}

function post(server: TestServer, path: string, body: unknown): Promise<Answer> {
  return call(server, 'POST', path, JSON.stringify(body), { 'Content-Type': 'application/json' });
}

describe('REST endpoint: checkpoints and savepoints', () => {
  let server: TestServer;
  let jobId: string;

  beforeEach(async () => {
    server = await startTestServer();
    jobId = server.gateway.addJob(jobDetails({ jobId: newJobId() })).jobId;
  });

  afterEach(async () => {
    await server.close();
  });

  /** Polls a status URL until the operation completed (bounded), returning every answer. */
  async function pollToCompletion(path: string): Promise<Json[]> {
    const answers: Json[] = [];
    for (let i = 0; i < 20; i++) {
      const a = await call(server, 'GET', path);
      assert.equal(a.status, 200, a.text);
      answers.push(json(a));
      if ((json(a).status as Json).id === 'COMPLETED') return answers;
    }
    assert.fail(`${path} never completed: ${JSON.stringify(answers)}`);
  }

  describe('GET /jobs/:jobid/checkpoints', () => {
    it('answers counts, the summary with percentiles, the latest of each kind and the history with type ids', async () => {
      server.gateway.checkpointStats.set(jobId, sampleCheckpointStatistics());
      const res = await call(server, 'GET', `/jobs/${jobId}/checkpoints`);
      assert.equal(res.status, 200, res.text);
      const body = json(res);
      assert.deepEqual(Object.keys(body).sort(), ['counts', 'history', 'latest', 'summary']);
      assert.deepEqual(body.counts, { restored: 1, total: 8, in_progress: 1, completed: 6, failed: 1 });

      const summary = body.summary as Record<string, Json>;
      assert.deepEqual(Object.keys(summary).sort(), [
        'alignment_buffered', 'checkpointed_size', 'end_to_end_duration', 'persisted_data', 'processed_data', 'state_size',
      ]);
      // commons-math's percentiles of [90, 100, 110, 120, 130, 250, 400], as Flink computes them.
      assert.deepEqual(summary.end_to_end_duration, { min: 90, max: 400, avg: 171, p50: 120, p90: 400, p95: 400, p99: 400, p999: 400 });
      assert.deepEqual(summary.state_size, { min: 1024, max: 8192, avg: 5120, p50: 4096, p90: 8192, p95: 8192, p99: 8192, p999: 8192 });
      assert.deepEqual(summary.alignment_buffered, { min: 0, max: 0, avg: 0, p50: 0, p90: 0, p95: 0, p99: 0, p999: 0 });

      const latest = body.latest as Record<string, Json>;
      assert.equal(latest.completed?.className, 'completed');
      assert.equal(latest.completed?.id, 2);
      assert.equal(latest.completed?.external_path, 'file:///tmp/flink-checkpoints/job/chk-2');
      assert.equal(latest.completed?.savepointFormat, null);
      assert.deepEqual(Object.keys(latest.completed ?? {}).sort(), [...CHECKPOINT_FIELDS, 'discarded', 'external_path'].sort());
      assert.equal(latest.savepoint?.is_savepoint, true);
      assert.equal(latest.savepoint?.checkpoint_type, 'SAVEPOINT');
      assert.equal(latest.savepoint?.savepointFormat, 'CANONICAL');
      assert.equal(latest.failed?.className, 'failed');
      assert.equal(latest.failed?.failure_message, 'Checkpoint expired before completing.');
      assert.equal(latest.failed?.failure_timestamp, CHECKPOINT_BASE_TS + 4000 + 600_000);
      assert.deepEqual(Object.keys(latest.failed ?? {}).sort(), [...CHECKPOINT_FIELDS, 'failure_message', 'failure_timestamp'].sort());
      assert.deepEqual(latest.restored, {
        id: 0,
        restore_timestamp: CHECKPOINT_BASE_TS - 500,
        is_savepoint: true,
        external_path: 'file:///tmp/savepoints/savepoint-cafe00-aaaaaaaaaaaa',
      });

      const history = body.history as Json[];
      assert.deepEqual(history.map((h) => [h.id, h.className, h.status]), [
        [5, 'in_progress', 'IN_PROGRESS'],
        [4, 'failed', 'FAILED'],
        [3, 'completed', 'COMPLETED'],
        [2, 'completed', 'COMPLETED'],
        [1, 'completed', 'COMPLETED'],
      ]);
      assert.deepEqual(Object.keys(history[0] ?? {}).sort(), CHECKPOINT_FIELDS);
      assert.equal(history[4]?.discarded, true);
      // The list leaves out the per-vertex lines; the details have them.
      for (const h of history) assert.deepEqual(h.tasks, {});
    });

    it('answers a job without checkpoints with zero counts, null latest entries and NaN percentiles as Java writes them', async () => {
      const res = await call(server, 'GET', `/jobs/${jobId}/checkpoints`);
      assert.equal(res.status, 200, res.text);
      const body = json(res);
      assert.deepEqual(body.latest, { completed: null, savepoint: null, failed: null, restored: null });
      assert.deepEqual(body.history, []);
      const summary = body.summary as Record<string, Json>;
      assert.deepEqual(summary.end_to_end_duration, { min: 0, max: 0, avg: 0, p50: 'NaN', p90: 'NaN', p95: 'NaN', p99: 'NaN', p999: 'NaN' });
      for (const s of Object.values(summary)) assert.deepEqual(Object.keys(s).sort(), SUMMARY_FIELDS);
    });

    it('answers 404 for a batch job (no checkpoints) and for an unknown job', async () => {
      const batch = server.gateway.addJob(jobDetails({ jobId: newJobId(), jobType: 'BATCH' })).jobId;
      const res = await call(server, 'GET', `/jobs/${batch}/checkpoints`);
      assert.equal(res.status, 404);
      assert.deepEqual(res.json, { errors: ['Checkpointing has not been enabled.'] });
      const config = await call(server, 'GET', `/jobs/${batch}/checkpoints/config`);
      assert.deepEqual(config.json, { errors: [`Checkpointing is not enabled for this job (${batch}).`] });
      const details = await call(server, 'GET', `/jobs/${batch}/checkpoints/details/1`);
      assert.deepEqual(details.json, { errors: [`Checkpointing was not enabled for job ${batch}.`] });
      const unknown = newJobId();
      const missing = await call(server, 'GET', `/v1/jobs/${unknown}/checkpoints`);
      assert.equal(missing.status, 404);
      assert.deepEqual(missing.json, { errors: [`Job ${unknown} not found`] });
    });
  });

  describe('GET /jobs/:jobid/checkpoints/config', () => {
    it("answers Flink's fields, the mode in lower case", async () => {
      server.gateway.checkpointConfigs.set(jobId, checkpointConfigInfo({ mode: 'AT_LEAST_ONCE', externalization: { enabled: true, deleteOnCancellation: false } }));
      const res = await call(server, 'GET', `/jobs/${jobId}/checkpoints/config`);
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(res.json, {
        mode: 'at_least_once',
        interval: 500,
        timeout: 600_000,
        min_pause: 0,
        max_concurrent: 1,
        externalization: { enabled: true, delete_on_cancellation: false },
        state_backend: 'HashMapStateBackend',
        checkpoint_storage: 'FileSystemCheckpointStorage',
        unaligned_checkpoints: false,
        tolerable_failed_checkpoints: 0,
        aligned_checkpoint_timeout: 0,
        checkpoints_after_tasks_finish: true,
        state_changelog_enabled: false,
        changelog_periodic_materialization_interval: 600_000,
        changelog_storage: null,
      });
    });

    it("writes the interval of a job without periodic checkpoints as Java's Long.MAX_VALUE, exactly", async () => {
      server.gateway.checkpointConfigs.set(jobId, checkpointConfigInfo({ interval: Number.MAX_SAFE_INTEGER }));
      const res = await call(server, 'GET', `/jobs/${jobId}/checkpoints/config`);
      assert.match(res.text, /"interval":9223372036854775807,/);
    });
  });

  describe('GET /jobs/:jobid/checkpoints/details/:checkpointid[/subtasks/:vertexid]', () => {
    beforeEach(() => {
      server.gateway.checkpointStats.set(jobId, sampleCheckpointStatistics());
    });

    it('answers one checkpoint with a line per vertex', async () => {
      const res = await call(server, 'GET', `/jobs/${jobId}/checkpoints/details/4`);
      assert.equal(res.status, 200, res.text);
      const body = json(res);
      assert.equal(body.className, 'failed');
      const tasks = body.tasks as Record<string, Json>;
      assert.deepEqual(Object.keys(tasks).sort(), [WINDOW_VERTEX, SOURCE_VERTEX].sort());
      assert.deepEqual(tasks[WINDOW_VERTEX], {
        id: 4,
        status: 'FAILED',
        latest_ack_timestamp: CHECKPOINT_BASE_TS + 4000 + 90,
        checkpointed_size: 4096,
        state_size: 4096,
        end_to_end_duration: 90,
        alignment_buffered: 0,
        processed_data: 0,
        persisted_data: 0,
        num_subtasks: 2,
        num_acknowledged_subtasks: 1,
      });
    });

    it("answers 404 with Flink's message for a checkpoint id it does not hold, 400 for one that is no number", async () => {
      const res = await call(server, 'GET', `/jobs/${jobId}/checkpoints/details/99`);
      assert.equal(res.status, 404);
      assert.deepEqual(res.json, { errors: ['Could not find checkpointing statistics for checkpoint 99.'] });
      const bad = await call(server, 'GET', `/jobs/${jobId}/checkpoints/details/latest`);
      assert.equal(bad.status, 400);
      assert.match((bad.json as { errors: string[] }).errors[0] ?? '', /checkpointid/);
    });

    it('answers the subtasks of one vertex: acknowledged ones in full, the others pending, and a summary', async () => {
      const res = await call(server, 'GET', `/jobs/${jobId}/checkpoints/details/4/subtasks/${WINDOW_VERTEX}`);
      assert.equal(res.status, 200, res.text);
      const body = json(res);
      assert.equal(body.num_acknowledged_subtasks, 1);
      const [first, second] = body.subtasks as Json[];
      assert.deepEqual(first, {
        className: 'completed',
        index: 0,
        status: 'completed',
        ack_timestamp: CHECKPOINT_BASE_TS + 4000 + 90,
        end_to_end_duration: 90,
        checkpointed_size: 4096,
        state_size: 4096,
        checkpoint: { sync: 3, async: 20 },
        alignment: { buffered: 0, processed: 0, persisted: 0, duration: 11 },
        start_delay: -1,
        unaligned_checkpoint: false,
        aborted: false,
      });
      assert.deepEqual(second, { className: 'pending', index: 1, status: 'pending_or_failed' });
      const summary = body.summary as Record<string, Json>;
      assert.deepEqual(Object.keys(summary).sort(), ['alignment', 'checkpoint_duration', 'checkpointed_size', 'end_to_end_duration', 'start_delay', 'state_size']);
      assert.deepEqual(summary.end_to_end_duration, { min: 90, max: 90, avg: 90, p50: 90, p90: 90, p95: 90, p99: 90, p999: 90 });
      // Not measured for any subtask: no figure, as Flink reports an empty statistic.
      assert.equal(summary.start_delay?.p50, 'NaN');

      const source = await call(server, 'GET', `/jobs/${jobId}/checkpoints/details/2/subtasks/${SOURCE_VERTEX}`);
      const sourceSummary = json(source).summary as { checkpoint_duration: { async: Json } };
      assert.deepEqual(sourceSummary.checkpoint_duration.async, { min: 5, max: 7, avg: 6, p50: 6, p90: 7, p95: 7, p99: 7, p999: 7 });
    });

    it("answers 404 with Flink's message for a vertex the checkpoint does not cover", async () => {
      const other = '0123456789abcdef0123456789abcdef';
      const res = await call(server, 'GET', `/jobs/${jobId}/checkpoints/details/2/subtasks/${other}`);
      assert.equal(res.status, 404);
      assert.deepEqual(res.json, { errors: [`There is no checkpoint statistics for task ${other}.`] });
    });
  });

  describe('POST /jobs/:jobid/savepoints, GET /jobs/:jobid/savepoints/:triggerid', () => {
    it('triggers a savepoint (202 with the request id) that the status URL reports IN_PROGRESS, then COMPLETED with its location', async () => {
      const res = await post(server, `/jobs/${jobId}/savepoints`, { 'target-directory': 'file:///tmp/sp', 'cancel-job': false });
      assert.equal(res.status, 202, res.text);
      const triggerId = json(res)['request-id'] as string;
      assert.match(triggerId, /^[0-9a-f]{32}$/);
      assert.deepEqual(server.gateway.calls.savepoints, [
        { jobId, request: { targetDirectory: 'file:///tmp/sp', then: 'continue', formatType: 'CANONICAL', triggerId: undefined } },
      ]);
      const answers = await pollToCompletion(`/jobs/${jobId}/savepoints/${triggerId}`);
      assert.deepEqual(answers[0], { status: { id: 'IN_PROGRESS' }, operation: null });
      const done = answers[answers.length - 1] as { operation: { location: string } };
      assert.deepEqual(Object.keys(done.operation), ['location']);
      assert.match(done.operation.location, new RegExp(`^file:///tmp/sp/savepoint-${jobId.slice(0, 6)}-[0-9a-f]{12}$`));
    });

    it('takes a cancel-job flag, a format and a client-chosen trigger id; nulls are defaults', async () => {
      const triggerId = 'ABCDEF0123456789abcdef0123456789';
      const res = await post(server, `/jobs/${jobId}/savepoints`, { 'target-directory': '/sp', 'cancel-job': true, formatType: 'NATIVE', triggerId });
      assert.equal(res.status, 202, res.text);
      assert.deepEqual(res.json, { 'request-id': triggerId.toLowerCase() });
      const nulls = await post(server, `/jobs/${jobId}/savepoints`, { 'target-directory': '/sp', 'cancel-job': null, formatType: null, triggerId: null });
      assert.equal(nulls.status, 202, nulls.text);
      assert.deepEqual(
        server.gateway.calls.savepoints.map((c) => c.request),
        [
          { targetDirectory: '/sp', then: 'cancel', formatType: 'NATIVE', triggerId: triggerId.toLowerCase() },
          { targetDirectory: '/sp', then: 'continue', formatType: 'CANONICAL', triggerId: undefined },
        ],
      );
    });

    it("rejects a body that does not match Flink's request type, and a missing directory with Flink's message", async () => {
      for (const body of [{ targetDirectory: '/sp' }, { 'cancel-job': 'yes' }, { formatType: 'canonical' }, { triggerId: 'nope' }, [1]]) {
        const res = await post(server, `/jobs/${jobId}/savepoints`, body);
        assert.equal(res.status, 400, JSON.stringify(body));
        assert.deepEqual(res.json, { errors: ['Request did not match expected format SavepointTriggerRequestBody.'] });
      }
      const noDir = await post(server, `/jobs/${jobId}/savepoints`, {});
      assert.equal(noDir.status, 400);
      assert.deepEqual(noDir.json, { errors: ['Config key [state.savepoints.dir] is not set. Property [target-directory] must be provided.'] });
      const noDirStop = await post(server, `/jobs/${jobId}/stop`, { drain: false });
      assert.deepEqual(noDirStop.json, { errors: ['Config key [state.savepoints.dir] is not set. Property [targetDirectory] must be provided.'] });
      assert.equal(server.gateway.calls.savepoints.length, 0);

      server.gateway.defaultSavepointDirectory = 'hdfs:///flink/savepoints';
      const empty = await call(server, 'POST', `/jobs/${jobId}/savepoints`);
      assert.equal(empty.status, 202, empty.text);
      assert.equal(server.gateway.calls.savepoints[0]?.request.targetDirectory, undefined);
    });

    it('reports a failed savepoint as COMPLETED with a failure-cause that Java and flink-ts clients decode', async () => {
      server.gateway.savepointFailures.set(jobId, new Error('the job is not running'));
      const res = await post(server, `/jobs/${jobId}/savepoints`, { 'target-directory': '/sp' });
      const answers = await pollToCompletion(`/jobs/${jobId}/savepoints/${json(res)['request-id'] as string}`);
      const op = (answers[answers.length - 1] as { operation: Json }).operation;
      assert.deepEqual(Object.keys(op), ['failure-cause']);
      const cause = op['failure-cause'] as Json;
      assert.deepEqual(Object.keys(cause).sort(), ['class', 'serialized-throwable', 'stack-trace']);
      const err = errorFromSerializedThrowableJson(cause);
      assert.equal(err.message, 'the job is not running');
    });

    it("answers 404 with Flink's message for an unknown trigger id or job, 400 for a malformed trigger id", async () => {
      const triggerId = '0123456789abcdef0123456789abcdef';
      const res = await call(server, 'GET', `/jobs/${jobId}/savepoints/${triggerId}`);
      assert.equal(res.status, 404);
      assert.deepEqual(res.json, { errors: [`There is no savepoint operation with triggerId=${triggerId} for job ${jobId}.`] });
      const bad = await call(server, 'GET', `/jobs/${jobId}/savepoints/latest`);
      assert.equal(bad.status, 400);
      const unknownJob = newJobId();
      const trigger = await post(server, `/jobs/${unknownJob}/savepoints`, { 'target-directory': '/sp' });
      assert.equal(trigger.status, 404);
      assert.deepEqual(trigger.json, { errors: [`Job ${unknownJob} not found`] });
    });
  });

  describe('POST /jobs/:jobid/stop', () => {
    it('stops with a savepoint (drain or not), polled at the savepoint status URL; the job ends FINISHED', async () => {
      const res = await post(server, `/jobs/${jobId}/stop`, { targetDirectory: 'file:///tmp/sp', drain: true });
      assert.equal(res.status, 202, res.text);
      const answers = await pollToCompletion(`/jobs/${jobId}/savepoints/${json(res)['request-id'] as string}`);
      assert.ok('location' in ((answers[answers.length - 1] as { operation: Json }).operation));
      const plain = await post(server, `/jobs/${jobId}/stop`, { targetDirectory: 'file:///tmp/sp' });
      assert.equal(plain.status, 202);
      assert.deepEqual(server.gateway.calls.savepoints.map((c) => c.request.then), ['drain', 'stop']);
      assert.equal(server.gateway.jobs.get(jobId)?.status, 'FINISHED');
      const bad = await post(server, `/jobs/${jobId}/stop`, { 'target-directory': '/sp' });
      assert.deepEqual(bad.json, { errors: ['Request did not match expected format StopWithSavepointRequestBody.'] });
    });
  });

  describe('POST /savepoint-disposal, GET /savepoint-disposal/:triggerid', () => {
    it('disposes a savepoint: 202 with the request id, then COMPLETED with an empty operation', async () => {
      const res = await post(server, '/savepoint-disposal', { 'savepoint-path': 'file:///tmp/sp/savepoint-abc' });
      assert.equal(res.status, 202, res.text);
      const answers = await pollToCompletion(`/savepoint-disposal/${json(res)['request-id'] as string}`);
      assert.deepEqual(answers[0], { status: { id: 'IN_PROGRESS' }, operation: null });
      assert.deepEqual(answers[answers.length - 1], { status: { id: 'COMPLETED' }, operation: {} });
      assert.deepEqual(server.gateway.calls.disposals, ['file:///tmp/sp/savepoint-abc']);
    });

    it('reports a failed disposal with its failure-cause', async () => {
      server.gateway.disposalFailures.set('/nope', new Error("'/nope' is not a savepoint"));
      const res = await post(server, '/savepoint-disposal', { 'savepoint-path': '/nope' });
      const answers = await pollToCompletion(`/savepoint-disposal/${json(res)['request-id'] as string}`);
      const op = (answers[answers.length - 1] as { operation: Json }).operation;
      assert.equal(errorFromSerializedThrowableJson(op['failure-cause']).message, "'/nope' is not a savepoint");
    });

    it("rejects a request without a path, and answers 404 for an unknown trigger id", async () => {
      for (const body of [{}, { 'savepoint-path': null }]) {
        const res = await post(server, '/savepoint-disposal', body);
        assert.equal(res.status, 400);
        assert.deepEqual(res.json, { errors: ['Field savepoint-path must not be omitted or be null.'] });
      }
      const unknown = await call(server, 'GET', '/savepoint-disposal/0123456789abcdef0123456789abcdef');
      assert.equal(unknown.status, 404);
      assert.equal(server.gateway.calls.disposals.length, 0);
    });
  });

  it('writes numbers past the range of a Java long as the exact long bounds', () => {
    assert.equal(toJsonText({ a: 2 ** 63, b: -(2 ** 63), c: 5, d: 'x' }), '{"a":9223372036854775807,"b":-9223372036854775808,"c":5,"d":"x"}');
    assert.equal(toJsonText([1, Number.MAX_SAFE_INTEGER]), '[1,9007199254740991]');
  });
});
