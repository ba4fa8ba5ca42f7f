/**
 * Seed 004's first streaming walkthrough, step by step on a real standalone cluster started by
 * bin/start-cluster.sh: a text server (here the test's, on 127.0.0.1, standing in for `nc -lk 9999`),
 * `bin/flink run examples/streaming/SocketWindowWordCount.js --port <p>`, the words typed, the 5-second
 * counts in the TaskManager's .out file, then `bin/flink list` and `bin/flink cancel`.
 */
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { EXAMPLES_DIR, StandaloneCluster, nonEmptyLines, waitFor } from './support/standalone-cluster.js';

const SOCKET_WINDOW_WORDCOUNT = join(EXAMPLES_DIR, 'streaming', 'SocketWindowWordCount.js');

/** What `nc -lk <port>` is in the walkthrough: a server that keeps listening; the test types into it. */
class TextServer {
  readonly clients: Socket[] = [];
  private constructor(private readonly server: Server) {}
  static async start(): Promise<TextServer> {
    const server = createServer();
    const s = new TextServer(server);
    server.on('connection', (c) => {
      c.on('error', () => {});
      s.clients.push(c);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', resolve);
    });
    return s;
  }
  get port(): number {
    return (this.server.address() as { port: number }).port;
  }
  type(line: string): void {
    for (const c of this.clients) c.write(`${line}\n`);
  }
  async close(): Promise<void> {
    for (const c of this.clients) c.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

/** Sums `word : count` lines per word (a burst of input can straddle two 5-second windows). */
function sumCounts(lines: string[]): Map<string, number> {
  const sums = new Map<string, number>();
  for (const l of lines) {
    const m = /^(\S+) : (\d+)$/.exec(l);
    assert.ok(m, `a line of the .out file is not "word : count": ${JSON.stringify(l)}`);
    sums.set(m[1] as string, (sums.get(m[1] as string) ?? 0) + Number(m[2]));
  }
  return sums;
}

describe('seed 004 walkthrough: SocketWindowWordCount on a standalone cluster', function () {
  this.timeout(120_000);
  let cluster: StandaloneCluster;
  let server: TextServer;

  before(async function () {
    this.timeout(120_000);
    cluster = await StandaloneCluster.start({ taskManagers: 1 });
    server = await TextServer.start();
  });
  after(async () => {
    await server?.close();
    await cluster?.stop();
  });

  it('without --port it says how to run it and exits non-zero', async () => {
    const r = await cluster.flink(['run', SOCKET_WINDOW_WORDCOUNT]);
    assert.notEqual(r.exitCode, 0, r.describe);
    assert.match(r.stdout + r.stderr, /No port specified/);
    assert.match(r.stdout + r.stderr, /nc -lk <port>/);
  });

  it('counts the typed words per 5-second window in the TaskManager .out file; list and cancel work', async () => {
    const run = cluster.flink(['run', SOCKET_WINDOW_WORDCOUNT, '--hostname', '127.0.0.1', '--port', String(server.port)], { timeout: 110_000 });
    let jobId = '';
    try {
      await waitFor('the job to connect to the text server', 60_000, async () => (server.clients.length > 0 ? true : undefined));
      jobId = await waitFor('the job RUNNING in bin/flink list', 30_000, async () => {
        const list = await cluster.flink(['list']);
        const m = /: ([0-9a-f]{32}) : Socket Window WordCount \(RUNNING\)/.exec(list.stdout);
        return m ? (m[1] as string) : undefined;
      });
      server.type('a a b b c c c a e');
      const counts = await waitFor('the window counts in the .out file', 30_000, async () => {
        const lines = nonEmptyLines(await cluster.readLog('taskexecutor', 0, 'out'));
        const sums = sumCounts(lines);
        return sums.get('e') === 1 && sums.get('a') === 3 && sums.get('b') === 2 && sums.get('c') === 3 ? sums : undefined;
      });
      assert.deepEqual([...counts].sort(), [['a', 3], ['b', 2], ['c', 3], ['e', 1]]);
      // A later line lands in a later window: its counts are printed on their own.
      server.type('b e e');
      await waitFor('the second window in the .out file', 30_000, async () => {
        const sums = sumCounts(nonEmptyLines(await cluster.readLog('taskexecutor', 0, 'out')));
        return sums.get('e') === 3 && sums.get('b') === 3 ? true : undefined;
      });
      const c = await cluster.flink(['cancel', jobId]);
      assert.equal(c.exitCode, 0, c.describe);
      assert.match(c.stdout, new RegExp(`Cancelled job ${jobId}\\.`));
    } finally {
      if (jobId === '') {
        const list = await cluster.flink(['list']);
        const m = /: ([0-9a-f]{32}) : Socket Window WordCount/.exec(list.stdout);
        if (m) await cluster.flink(['cancel', m[1] as string]);
      }
    }
    const r = await run;
    // The attached client reports the cancellation and exits non-zero, as Flink's does.
    assert.notEqual(r.exitCode, 0, r.describe);
    assert.equal(await cluster.awaitJobState(jobId, ['CANCELED', 'FAILED', 'FINISHED']), 'CANCELED');
  });
});
