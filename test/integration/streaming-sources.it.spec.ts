/**
 * The streaming sources and sinks on a real in-process cluster (a MiniCluster with two TaskManagers of two
 * slots): socketTextStream against a TCP server of the test that closes and comes back, the rate-limited
 * DataGeneratorSource and fromSequence, readFile watching a directory while files are added, and
 * writeToSocket into a server of the test. Jobs that run until cancelled write through a sink that appends
 * each record to `<dir>/live/<subtask>` at once, so the test sees records while the job runs.
 */
import assert from 'node:assert/strict';
import { appendFile, mkdir, rename, writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { useApiTestCluster, outputLines } from './support/api-harness.js';
import { waitFor } from './support/standalone-cluster.js';

const PRELUDE =
  "import { StreamExecutionEnvironment, ParameterTool, DataGeneratorSource, RateLimiterStrategy, FileProcessingMode, TextInputFormat, SimpleStringSchema, WatermarkStrategy } from 'flink-ts';\n" +
  "import { appendFileSync } from 'node:fs';\n" +
  'const params = ParameterTool.fromArgs(process.argv.slice(2));\n' +
  "const dir = params.get('dir', '/nonexistent');\n" +
  "const port = Number(params.get('port', '0'));\n" +
  '/** A sink that makes every record visible at once: one file per subtask under dir/live. */\n' +
  "const live = () => ({ open(ctx) { this.f = dir + '/live/' + ctx.getIndexOfThisSubtask(); }, invoke(x) { appendFileSync(this.f, String(x) + '\\n'); } });\n";

/** A TCP server on 127.0.0.1 that can stop listening and listen again on the same port. */
class TestServer {
  readonly sockets: Socket[] = [];
  readonly received: string[] = [];
  private server: Server | undefined;
  port = 0;

  constructor(private readonly onConnection: (s: Socket, n: number) => void = () => {}) {}

  async listen(): Promise<void> {
    const server = createServer((s) => {
      this.sockets.push(s);
      const i = this.sockets.length - 1;
      this.received[i] = '';
      s.setEncoding('utf8');
      s.on('data', (d: string) => (this.received[i] += d));
      s.on('error', () => {});
      this.onConnection(s, this.sockets.length);
    });
    await new Promise<void>((res, rej) => {
      server.once('error', rej);
      server.listen(this.port, '127.0.0.1', () => res());
    });
    this.server = server;
    this.port = (server.address() as { port: number }).port;
  }

  /** Stops listening; open connections stay as they are. */
  async stopListening(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (s) await new Promise<void>((res) => s.close(() => res()));
  }

  connectionsClosed(): number {
    return this.sockets.filter((s) => s.closed).length;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await this.stopListening();
  }
}

describe('streaming sources and sinks on a MiniCluster', function () {
  this.timeout(120_000);
  const c = useApiTestCluster(PRELUDE);

  /** Runs `program` (with `port` in scope) against a port nothing listens on: the job must fail as `expected` says. */
  async function failsWithoutServer(program: string, expected: (port: number) => RegExp): Promise<void> {
    const server = new TestServer();
    await server.listen();
    const port = server.port;
    await server.close();
    await assert.rejects(c.run(program, { parallelism: 1, args: ['--port', String(port)] }), (e: unknown) => {
      assert.match(causes(e), expected(port));
      return true;
    });
  }

  /** Starts a job that runs until cancelled; `whileRunning` gets its id, then the test cancels it. */
  async function runUntilCancelled(body: string, o: { parallelism: number; args: string[] }, whileRunning: (jobId: string) => Promise<void>): Promise<void> {
    const known = new Set((await c.dispatcher.listJobs()).map((j) => j.jobId));
    let settled = false;
    const run = c.run(body, o).then(
      () => 'finished',
      (e: unknown) => e,
    );
    void run.then(() => (settled = true));
    const jobId = await waitFor('the job to run', 30_000, async () => {
      if (settled) throw new Error(`the job ended before it was cancelled: ${String(await run)}`);
      return (await c.dispatcher.listJobs()).find((j) => !known.has(j.jobId) && j.status === 'RUNNING')?.jobId;
    });
    try {
      await whileRunning(jobId);
    } finally {
      await c.dispatcher.cancelJob(jobId);
      await run;
    }
    const status = (await c.dispatcher.listJobs()).find((j) => j.jobId === jobId)?.status;
    assert.equal(status, 'CANCELED');
  }

  /** Waits until the live output (every subtask's file) satisfies `done`; returns its lines. */
  async function liveLines(d: string, what: string, done: (lines: string[]) => boolean): Promise<string[]> {
    return waitFor(what, 30_000, async () => {
      const lines = await outputLines(join(d, 'live')).catch(() => [] as string[]);
      return done(lines) ? lines : undefined;
    });
  }

  async function scratch(name: string): Promise<string> {
    const d = await c.scratch(name);
    await mkdir(join(d, 'live'));
    return d;
  }

  it('socketTextStream with maxRetry -1 reads on after the server closed and came back on the same port; cancel ends it', async () => {
    const d = await scratch('socket-retry');
    let closedAt = 0;
    const server = new TestServer((s, n) => {
      // The first server sends two lines, closes the connection and goes away; the second stays.
      if (n === 1) {
        s.end('one\ntwo\n');
        void server.stopListening().then(() => (closedAt = Date.now()));
      } else {
        s.write('three\r\nfour\n');
      }
    });
    await server.listen();
    try {
      await runUntilCancelled(
        "const env = StreamExecutionEnvironment.getExecutionEnvironment();\nenv.socketTextStream('127.0.0.1', port, '\\n', -1).map((l) => l.toUpperCase()).addSink(live());\nawait env.execute('socket retry');",
        { parallelism: 2, args: ['--dir', d, '--port', String(server.port)] },
        async () => {
          await liveLines(d, 'the first connection’s lines', (l) => l.length === 2);
          // The server stays away for three retry periods (the source's attempts are refused), then comes back.
          await waitFor('the server to have been down 1.5 s', 10_000, () => (closedAt > 0 && Date.now() - closedAt >= 1500 ? true : undefined));
          await server.listen();
          const lines = await liveLines(d, 'the second connection’s lines', (l) => l.length === 4);
          assert.deepEqual(lines.sort(), ['FOUR', 'ONE', 'THREE', 'TWO']);
        },
      );
      await waitFor('the source to let go of its connection', 15_000, () => (server.connectionsClosed() === server.sockets.length ? true : undefined));
      assert.equal(server.sockets.length, 2);
    } finally {
      await server.close();
    }
  });

  it('socketTextStream with maxRetry 0 (the default) ends the job when the server closes; a custom delimiter splits', async () => {
    const d = await c.scratch('socket-once');
    const server = new TestServer((s) => s.end('a;b;c'));
    await server.listen();
    try {
      await c.run(
        "const env = StreamExecutionEnvironment.getExecutionEnvironment();\nenv.socketTextStream('127.0.0.1', port, ';').writeAsText(dir + '/out');\nawait env.execute('socket once');",
        { parallelism: 1, args: ['--dir', d, '--port', String(server.port)] },
      );
      assert.deepEqual(await outputLines(join(d, 'out')), ['a', 'b', 'c']);
      assert.equal(server.sockets.length, 1, 'no reconnection with maxRetry 0');
    } finally {
      await server.close();
    }
  });

  it('socketTextStream fails the job with what to do when nothing listens', async () => {
    await failsWithoutServer("const env = StreamExecutionEnvironment.getExecutionEnvironment();\nenv.socketTextStream('127.0.0.1', port, '\\n', -1).print();\nawait env.execute('no server');", (port) => new RegExp(`could not connect to 127\\.0\\.0\\.1:${port}: ECONNREFUSED\\. Start a server there first \\(for example: nc -lk ${port}\\)`));
  });

  it('DataGeneratorSource splits its count over the subtasks with a rate limit; fromSequence counts from..to', async () => {
    const d = await c.scratch('generator');
    await c.run(
      `const env = StreamExecutionEnvironment.getExecutionEnvironment();
      const tag = { open(ctx) { this.s = ctx.getIndexOfThisSubtask(); }, map(x) { return JSON.stringify([this.s, x]); } };
      env.fromSource(new DataGeneratorSource((i) => i * 2, 1000, RateLimiterStrategy.perSecond(5000)), WatermarkStrategy.noWatermarks(), 'Generator').map(tag).writeAsText(dir + '/gen');
      env.fromSource(new DataGeneratorSource({ map: (i) => 'r' + i }, 10), WatermarkStrategy.noWatermarks(), 'Plain').writeAsText(dir + '/plain');
      env.fromSequence(5, 104).writeAsText(dir + '/seq');
      await env.execute('generators');`,
      { parallelism: 3, args: ['--dir', d] },
    );
    const gen = (await outputLines(join(d, 'gen'))).map((l) => JSON.parse(l) as [number, number]);
    assert.deepEqual(gen.map((g) => g[1]).sort((a, b) => a - b), Array.from({ length: 1000 }, (_, i) => i * 2));
    // Each subtask generated one contiguous share of the indices, as Flink splits the sequence.
    for (let s = 0; s < 3; s++) {
      const mine = gen.filter((g) => g[0] === s).map((g) => g[1] / 2).sort((a, b) => a - b);
      assert.ok(mine.length >= 333 && mine.length <= 334, `subtask ${s}: ${mine.length}`);
      assert.equal((mine.at(-1) as number) - (mine[0] as number) + 1, mine.length, `subtask ${s} has a contiguous share`);
    }
    assert.deepEqual((await outputLines(join(d, 'plain'))).sort(), Array.from({ length: 10 }, (_, i) => `r${i}`).sort());
    assert.deepEqual((await outputLines(join(d, 'seq'))).map(Number).sort((a, b) => a - b), Array.from({ length: 100 }, (_, i) => i + 5));
  });

  it('an unbounded DataGeneratorSource (count Infinity) runs until cancelled', async () => {
    const d = await scratch('generator-unbounded');
    await runUntilCancelled(
      "const env = StreamExecutionEnvironment.getExecutionEnvironment();\nenv.fromSource(new DataGeneratorSource((i) => i, Infinity, RateLimiterStrategy.perSecond(200)), WatermarkStrategy.noWatermarks(), 'Endless').addSink(live());\nawait env.execute('endless');",
      { parallelism: 2, args: ['--dir', d] },
      async () => {
        await liveLines(d, 'records from both subtasks', (l) => l.some((x) => Number(x) < 100) && l.some((x) => Number(x) > 1e15));
      },
    );
  });

  it('readFile with PROCESS_CONTINUOUSLY reads files added and changed while the job runs, skipping hidden ones', async () => {
    const d = await scratch('watch');
    const watched = join(d, 'in');
    await mkdir(watched);
    await writeFile(join(watched, 'a.txt'), 'a1\na2\n');
    await runUntilCancelled(
      "const env = StreamExecutionEnvironment.getExecutionEnvironment();\nenv.readFile(new TextInputFormat(dir + '/in'), dir + '/in', FileProcessingMode.PROCESS_CONTINUOUSLY, 100).addSink(live());\nawait env.execute('watch');",
      { parallelism: 3, args: ['--dir', d] },
      async () => {
        await liveLines(d, 'the file that was there at the start', (l) => l.length === 2);
        // Written under a hidden name and renamed into place, as a producer should, so it is read whole.
        const put = async (name: string, text: string): Promise<void> => {
          await writeFile(join(watched, `.${name}.tmp`), text);
          await rename(join(watched, `.${name}.tmp`), join(watched, name));
        };
        await put('b.txt', 'b1\nb2\nb3\n');
        await put('_ignored.txt', 'never\n');
        for (let i = 0; i < 10; i++) await put(`many-${i}.txt`, `m${i}\n`);
        await liveLines(d, 'the files added while running', (l) => l.length === 15);
        // A modified file is read again, whole.
        await appendFile(join(watched, 'a.txt'), 'a3\n');
        const lines = await liveLines(d, 'the modified file again', (l) => l.length === 18);
        assert.deepEqual(lines.sort(), ['a1', 'a1', 'a2', 'a2', 'a3', 'b1', 'b2', 'b3', ...Array.from({ length: 10 }, (_, i) => `m${i}`)].sort());
      },
    );
  });

  it('readFile with PROCESS_ONCE reads what is there and ends', async () => {
    const d = await c.scratch('read-once');
    await mkdir(join(d, 'in'));
    for (let i = 0; i < 6; i++) await writeFile(join(d, 'in', `f${i}.txt`), `x${i}\ny${i}\n`);
    await writeFile(join(d, 'in', '.hidden'), 'never\n');
    await c.run(
      "const env = StreamExecutionEnvironment.getExecutionEnvironment();\nenv.readFile(new TextInputFormat(dir + '/in'), dir + '/in', FileProcessingMode.PROCESS_ONCE).writeAsText(dir + '/out');\nawait env.execute('read once');",
      { parallelism: 3, args: ['--dir', d] },
    );
    assert.deepEqual((await outputLines(join(d, 'out'))).sort(), Array.from({ length: 6 }, (_, i) => [`x${i}`, `y${i}`]).flat().sort());
  });

  it('writeToSocket sends each subtask’s records over its own connection, serialized by the schema, nothing added', async () => {
    const d = await c.scratch('socket-sink');
    const server = new TestServer();
    await server.listen();
    try {
      await c.run(
        `const env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.fromSequence(1, 300).map((n) => 'n' + n + '\\n').writeToSocket('127.0.0.1', port, new SimpleStringSchema());
        await env.execute('socket sink');`,
        { parallelism: 3, args: ['--dir', d, '--port', String(server.port)] },
      );
      await waitFor('every connection to end', 15_000, () => (server.connectionsClosed() === 3 ? true : undefined));
      assert.equal(server.sockets.length, 3, 'one connection per sink subtask');
      const lines = server.received.join('').split('\n').filter((l) => l.length > 0);
      assert.deepEqual(lines.sort(), Array.from({ length: 300 }, (_, i) => `n${i + 1}`).sort());
    } finally {
      await server.close();
    }
    const bytes = new TestServer();
    await bytes.listen();
    try {
      await c.run(
        `const env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.fromElements('x', 'y', 'z').writeToSocket('127.0.0.1', port, (s) => new TextEncoder().encode(s));
        await env.execute('socket sink bytes');`,
        { parallelism: 1, args: ['--port', String(bytes.port)] },
      );
      await waitFor('the connection to end', 15_000, () => (bytes.connectionsClosed() === 1 ? true : undefined));
      assert.equal(bytes.received.join(''), 'xyz', 'no delimiter is added, as in Flink');
    } finally {
      await bytes.close();
    }
  });

  it('writeToSocket fails the job with what to do when nothing listens', async () => {
    await failsWithoutServer("const env = StreamExecutionEnvironment.getExecutionEnvironment();\nenv.fromElements('x').writeToSocket('127.0.0.1', port, (s) => s + '\\n');\nawait env.execute('no sink server');", (port) => new RegExp(`Socket sink could not connect to 127\\.0\\.0\\.1:${port}: ECONNREFUSED\\. Start a server there before the job`));
  });
});

/** Every message of an error's cause chain, one per line. */
function causes(e: unknown): string {
  const out: string[] = [];
  for (let cur: unknown = e; cur instanceof Error && out.length < 20; cur = cur.cause) out.push(`${cur.name}: ${cur.message}`);
  return out.join('\n');
}
