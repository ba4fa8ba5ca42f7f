/**
 * Event time and keyed state as a user sees them on a real standalone cluster (2 TaskManagers x 2 slots):
 * the watermarks of a running event-time job through `GET /jobs/:jobid/vertices/:vertexid/watermarks`,
 * keyed ValueState that expires by its TTL while the job runs (driven through a socket of the test), and
 * examples/streaming/StateMachineExample.js run with `bin/flink run`.
 */
import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { EXAMPLES_DIR, StandaloneCluster, nonEmptyLines, waitFor, type CommandResult } from './support/standalone-cluster.js';
import { readOutputDir } from './support/word-data.js';

const LONG_MIN = '-9223372036854775808';

interface JobDetails {
  state: string;
  vertices: Array<{ id: string; name: string; parallelism: number; status: string }>;
}
type Watermarks = Array<{ id: string; value: string }>;

function submittedJobId(r: CommandResult): string {
  assert.equal(r.exitCode, 0, r.describe);
  const m = /^Job has been submitted with JobID ([0-9a-f]{32})$/m.exec(r.stdout);
  assert.ok(m, `no "Job has been submitted with JobID" line\n${r.describe}`);
  return m[1] as string;
}

/** An unbounded event-time job: generated events 1 s of event time apart, keyed, counted, dropped. */
const EVENT_TIME_JOB = `import { StreamExecutionEnvironment, DataGeneratorSource, RateLimiterStrategy, WatermarkStrategy } from 'flink-ts';
const env = StreamExecutionEnvironment.getExecutionEnvironment();
const source = new DataGeneratorSource((i) => ({ key: i % 7, time: 1_000_000 + i * 1000 }), Infinity, RateLimiterStrategy.perSecond(200));
env
  .fromSource(source, WatermarkStrategy.forMonotonousTimestamps().withTimestampAssigner((e) => e.time), 'Events')
  .keyBy((e) => e.key)
  .map((e) => e.key)
  .addSink(() => {});
await env.execute('Watermarks');
`;

/**
 * A keyed function with a TTL'd ValueState, fed commands over a socket: `write <key> <n>` stores n, `read <key>`
 * only reads (OnCreateAndWrite: reads do not extend the lifetime). Every command is answered at once in
 * <dir>/live/<subtask> with the TaskManager's clock, as `<op> <key> <value|none> <now>`.
 */
const TTL_JOB = `import { StreamExecutionEnvironment, ParameterTool, KeyedProcessFunction, ValueStateDescriptor, StateTtlConfig, Time } from 'flink-ts';
import { appendFileSync, mkdirSync } from 'node:fs';
const params = ParameterTool.fromArgs(process.argv.slice(2));
const dir = params.get('dir');
const ttlMs = Number(params.get('ttl'));
class Remember extends KeyedProcessFunction {
  open() {
    const d = new ValueStateDescriptor('value');
    d.enableTimeToLive(StateTtlConfig.newBuilder(Time.milliseconds(ttlMs)).setUpdateType(StateTtlConfig.UpdateType.OnCreateAndWrite)
      .setStateVisibility(StateTtlConfig.StateVisibility.NeverReturnExpired).build());
    this.value = this.getRuntimeContext().getState(d);
  }
  processElement(cmd, ctx, out) {
    const [op, key, n] = cmd.split(' ');
    if (op === 'write') this.value.update(Number(n));
    out.collect(op + ' ' + key + ' ' + (this.value.value() ?? 'none') + ' ' + Date.now());
  }
}
const live = () => ({
  open(ctx) { mkdirSync(dir + '/live', { recursive: true }); this.f = dir + '/live/' + ctx.getIndexOfThisSubtask(); },
  invoke(x) { appendFileSync(this.f, x + '\\n'); },
});
const env = StreamExecutionEnvironment.getExecutionEnvironment();
env.socketTextStream('127.0.0.1', Number(params.get('port')), '\\n', 10)
  .keyBy((cmd) => cmd.split(' ')[1])
  .process(new Remember())
  .addSink(live());
await env.execute('State TTL');
`;

/** A TCP server on 127.0.0.1 that sends lines to the job's socket source once it connects. */
class CommandServer {
  private readonly server: Server = createServer((s) => this.sockets.push(s.on('error', () => {})));
  private readonly sockets: Socket[] = [];
  port = 0;
  async listen(): Promise<void> {
    await new Promise<void>((res, rej) => this.server.once('error', rej).listen(0, '127.0.0.1', () => res()));
    this.port = (this.server.address() as { port: number }).port;
  }
  connected(): boolean {
    return this.sockets.some((s) => !s.closed);
  }
  send(line: string): void {
    for (const s of this.sockets) if (!s.closed) s.write(`${line}\n`);
  }
  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((res) => this.server.close(() => res()));
  }
}

/** The answers of the TTL job so far, from every subtask's file. */
async function answers(dir: string): Promise<Array<{ op: string; key: string; value: string; now: number }>> {
  const out: Array<{ op: string; key: string; value: string; now: number }> = [];
  const live = join(dir, 'live');
  if (!existsSync(live)) return out;
  for (const [, text] of await readOutputDir(live)) {
    for (const line of nonEmptyLines(text)) {
      const [op, key, value, now] = line.split(' ') as [string, string, string, string];
      out.push({ op, key, value, now: Number(now) });
    }
  }
  return out.sort((a, b) => a.now - b.now);
}

/** Lines of a writeAsText output: a file at parallelism 1, a directory of files 1..n otherwise. */
async function outputLines(path: string): Promise<string[]> {
  if (!statSync(path).isDirectory()) return nonEmptyLines(await readFile(path, 'utf8'));
  return [...(await readOutputDir(path)).values()].flatMap((t) => nonEmptyLines(t));
}

/** Flink's StateMachineExample transitions, written out independently of the example. */
const NEXT: Record<string, Record<string, string>> = {
  Initial: { a: 'W', c: 'X' },
  W: { b: 'Y' },
  X: { b: 'Y', d: 'Z' },
  Y: { e: 'Z' },
  Z: { g: 'Terminal' },
};

describe('event time and keyed state on a standalone cluster', function () {
  this.timeout(180_000);
  let cluster: StandaloneCluster;

  before(async () => {
    cluster = await StandaloneCluster.start();
  });
  after(async () => {
    await cluster?.stop();
  });

  it("GET /jobs/:jobid/vertices/:vertexid/watermarks reports each subtask's advancing input watermark; sources report none", async () => {
    const dir = await cluster.tempDir('watermarks');
    const job = join(dir, 'watermarks.js');
    await writeFile(job, EVENT_TIME_JOB);
    const jobId = submittedJobId(await cluster.flink(['run', '-d', '-p', '2', job]));
    try {
      const details = await waitFor('both vertices running', 60_000, async () => {
        const d = await cluster.rest<JobDetails>(`/jobs/${jobId}`);
        return d.vertices.length === 2 && d.vertices.every((v) => v.status === 'RUNNING') ? d : undefined;
      });
      const [source, keyed] = details.vertices as [JobDetails['vertices'][0], JobDetails['vertices'][0]];
      const watermarks = (vertexId: string): Promise<Watermarks> => cluster.rest<Watermarks>(`/jobs/${jobId}/vertices/${vertexId}/watermarks`);

      // The keyed vertex: one entry per subtask, a Java long as a string, moving forward with event time.
      const first = await waitFor('a first watermark on both keyed subtasks', 60_000, async () => {
        const w = await watermarks(keyed.id);
        return w.length === 2 && w.every((m) => m.value !== LONG_MIN) ? w : undefined;
      });
      assert.deepEqual(first.map((m) => m.id).sort(), ['0.currentInputWatermark', '1.currentInputWatermark']);
      for (const m of first) {
        assert.match(m.value, /^\d+$/, JSON.stringify(first));
        // Event times start at 1,000,000 ms; a monotonous watermark is the last timestamp minus 1 ms.
        assert.ok(Number(m.value) >= 1_000_000 - 1, JSON.stringify(first));
      }
      const low = Math.max(...first.map((m) => Number(m.value)));
      await waitFor(`watermarks past ${low}`, 60_000, async () => {
        const w = await watermarks(keyed.id);
        return w.length === 2 && w.every((m) => Number(m.value) > low) ? w : undefined;
      });

      // The source vertex has no input, and Flink lists no input watermark for it.
      assert.deepEqual(await watermarks(source.id), []);
    } finally {
      await cluster.flink(['cancel', jobId]);
    }
    assert.equal(await cluster.awaitJobState(jobId, ['CANCELED']), 'CANCELED');
  });

  it('keyed ValueState with a TTL returns the value until the TTL has passed since the write, then nothing; a new write starts over', async () => {
    const TTL_MS = 1500;
    const dir = await cluster.tempDir('ttl');
    const job = join(dir, 'ttl.js');
    await writeFile(job, TTL_JOB);
    const server = new CommandServer();
    await server.listen();
    let jobId: string | undefined;
    try {
      jobId = submittedJobId(await cluster.flink(['run', '-d', '-p', '2', job, '--dir', dir, '--port', String(server.port), '--ttl', String(TTL_MS)]));
      await waitFor('the job connected to the test socket', 60_000, () => (server.connected() ? true : undefined));
      const answered = (op: string, key: string, n: number): Promise<Array<{ op: string; key: string; value: string; now: number }>> =>
        waitFor(`${n} answers to ${op} ${key}`, 60_000, async () => {
          const all = (await answers(dir)).filter((a) => a.op === op && a.key === key);
          return all.length >= n ? all : undefined;
        });

      server.send('write a 1');
      const [write] = await answered('write', 'a', 1);
      assert.equal(write?.value, '1');
      // Read until the value is gone; every read shows whether the TTL had passed by the job's own clock.
      let reads: Array<{ value: string; now: number }> = [];
      await waitFor('key a expired', 60_000, async () => {
        server.send('read a');
        reads = (await answers(dir)).filter((a) => a.op === 'read' && a.key === 'a');
        return reads.some((r) => r.value === 'none') ? true : undefined;
      }, 200);
      // The job stamps its answers a moment after the backend read its clock, so reads within a few ms of
      // the TTL may go either way.
      const MARGIN_MS = 50;
      for (const r of reads) {
        const age: number = r.now - (write?.now ?? 0);
        if (age < TTL_MS - MARGIN_MS) assert.equal(r.value, '1', `a read ${age} ms after the write, within the TTL, saw ${r.value}`);
        if (age >= TTL_MS + MARGIN_MS) assert.equal(r.value, 'none', `a read ${age} ms after the write, past the TTL, saw ${r.value}`);
      }
      const firstExpired = reads.find((r) => r.value === 'none');
      assert.ok((firstExpired?.now ?? 0) - (write?.now ?? 0) >= TTL_MS - MARGIN_MS, 'the value did not expire early');
      assert.ok(reads.some((r) => r.value === '1'), 'the value was readable before it expired');

      // Other keys are separate, and a new write after expiry is a fresh value.
      server.send('write b 7');
      server.send('write a 2');
      const [b] = await answered('write', 'b', 1);
      const writesOfA = await answered('write', 'a', 2);
      assert.equal(b?.value, '7');
      assert.equal(writesOfA[1]?.value, '2');
    } finally {
      if (jobId) await cluster.flink(['cancel', jobId]);
      await server.close();
    }
    assert.equal(await cluster.awaitJobState(jobId as string, ['CANCELED']), 'CANCELED');
  });

  it('StateMachineExample.js alerts exactly on the invalid events its generator made, and completes the valid sessions', async () => {
    const dir = await cluster.tempDir('state-machine');
    const alertsPath = join(dir, 'alerts');
    const eventsPath = join(dir, 'events');
    const sessionsPath = join(dir, 'sessions');
    const r = await cluster.flink([
      'run', '-p', '2', join(EXAMPLES_DIR, 'streaming', 'StateMachineExample.js'),
      '--events', '20000', '--error-rate', '0.02', '--seed', '42',
      '--output', alertsPath, '--events-output', eventsPath, '--sessions-output', sessionsPath,
    ]);
    assert.equal(r.exitCode, 0, r.describe);
    assert.match(r.stdout, /Job with JobID [0-9a-f]{32} has finished\./, r.describe);

    // Replay the generated events through the state machine here, per address, in their order.
    const events = await outputLines(eventsPath);
    assert.equal(events.length, 20000);
    const state = new Map<string, string>();
    const expectedAlerts: string[] = [];
    const expectedSessions: string[] = [];
    const markedInvalid: string[] = [];
    for (const line of events) {
      const m = /^(\d+) #(\d+) ([a-g])( \(invalid\))?$/.exec(line);
      assert.ok(m, `event line ${JSON.stringify(line)}`);
      const [, address, seq, type, invalid] = m as unknown as [string, string, string, string, string | undefined];
      const current = state.get(address) ?? 'Initial';
      const next = NEXT[current]?.[type];
      if (invalid) markedInvalid.push(`ALERT ${address}:${current} -> ${type} (event #${seq})`);
      if (next === undefined) expectedAlerts.push(`ALERT ${address}:${current} -> ${type} (event #${seq})`);
      else if (next === 'Terminal') {
        state.delete(address);
        expectedSessions.push(`SESSION ${address} complete after ${seq} events`);
      } else state.set(address, next);
    }
    // The generator's own record of what it broke agrees with the replay, and it broke some (about 2 %).
    assert.deepEqual(markedInvalid, expectedAlerts);
    assert.ok(expectedAlerts.length > 200 && expectedAlerts.length < 700, `${expectedAlerts.length} invalid events`);

    assert.deepEqual((await outputLines(alertsPath)).sort(), [...expectedAlerts].sort());
    assert.deepEqual((await outputLines(sessionsPath)).sort(), [...expectedSessions].sort());
  });
});
