/**
 * Batch and streaming jobs on a real standalone cluster (issue 2): one JobManager and two TaskManagers with
 * two slots each, started by bin/start-cluster.sh on loopback; jobs submitted with bin/flink and checked
 * against results computed in the test.
 */
import assert from 'node:assert/strict';
import { appendFile, cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  EXAMPLES_DIR,
  StandaloneCluster,
  freePort,
  nonEmptyLines,
  waitFor,
  type CommandResult,
} from './support/standalone-cluster.js';
import { diffCounts, expectedCounts, generateText, parseCountLines, readOutputDir } from './support/word-data.js';

const BATCH_WORDCOUNT = join(EXAMPLES_DIR, 'batch', 'WordCount.js');
const STREAMING_WORDCOUNT = join(EXAMPLES_DIR, 'streaming', 'WordCount.js');
const SEED = 20240917;

interface JobDetails {
  jid: string;
  name: string;
  state: string;
  vertices: { id: string; name: string; parallelism: number; status: string; tasks: Record<string, number> }[];
}
interface TaskManagerInfo {
  id: string;
  path: string;
  dataPort: number;
  slotsNumber: number;
  freeSlots: number;
}

function submittedJobId(r: CommandResult): string {
  const m = /^Job has been submitted with JobID ([0-9a-f]{32})$/m.exec(r.stdout);
  assert.ok(m, `no "Job has been submitted with JobID" line\n${r.describe}`);
  return m[1] as string;
}

function assertFinished(r: CommandResult): string {
  assert.equal(r.exitCode, 0, r.describe);
  const jobId = submittedJobId(r);
  const out = nonEmptyLines(r.stdout);
  assert.ok(out.includes('Program execution finished'), r.describe);
  assert.ok(out.includes(`Job with JobID ${jobId} has finished.`), r.describe);
  assert.ok(out.some((l) => /^Job Runtime: \d+ ms$/.test(l)), r.describe);
  return jobId;
}

/** Reads `<word> <count>` output files 1..n and checks every word lives in exactly one file. */
function wordsByFile(files: Map<string, string>, parallelism: number): Map<string, { file: string; counts: number[] }> {
  assert.deepEqual([...files.keys()].sort(), Array.from({ length: parallelism }, (_, i) => String(i + 1)).sort());
  const byWord = new Map<string, { file: string; counts: number[] }>();
  for (const [file, text] of files) {
    for (const { word, count } of parseCountLines(text, `output file ${file}`)) {
      const seen = byWord.get(word);
      if (seen === undefined) byWord.set(word, { file, counts: [count] });
      else {
        assert.equal(seen.file, file, `word "${word}" appears in files ${seen.file} and ${file}`);
        seen.counts.push(count);
      }
    }
  }
  return byWord;
}

describe('jobs on a standalone cluster (2 TaskManagers x 2 slots)', function () {
  this.timeout(120_000);

  let cluster: StandaloneCluster;
  let inputFile: string;
  let expected: Map<string, number>;

  before(async function () {
    this.timeout(120_000);
    cluster = await StandaloneCluster.start();
    const dir = await cluster.tempDir('input');
    inputFile = join(dir, 'words.txt');
    const text = generateText(SEED, 3 * 1024 * 1024);
    await writeFile(inputFile, text);
    expected = expectedCounts(text);
  });

  after(async function () {
    this.timeout(90_000);
    await cluster?.stop();
  });

  it('batch WordCount at -p 4 writes files 1..4 whose union is exactly the expected counts', async () => {
    const out = join(await cluster.tempDir('batch-wc'), 'out');
    const r = await cluster.flink(['run', '-p', '4', BATCH_WORDCOUNT, '--input', inputFile, '--output', out]);
    const jobId = assertFinished(r);

    const byWord = wordsByFile(await readOutputDir(out), 4);
    const actual = new Map<string, number>();
    for (const [word, { counts }] of byWord) {
      assert.equal(counts.length, 1, `word "${word}" was written ${counts.length} times`);
      actual.set(word, counts[0] as number);
    }
    assert.equal(diffCounts(actual, expected), undefined);
    assert.equal(actual.size, expected.size);
    // Every reducer got words: the work was split four ways.
    const perFile = new Map<string, number>();
    for (const { file } of byWord.values()) perFile.set(file, (perFile.get(file) ?? 0) + 1);
    assert.equal(perFile.size, 4, `words per file: ${JSON.stringify([...perFile])}`);

    const job = await cluster.rest<JobDetails>(`/jobs/${jobId}`);
    assert.equal(job.state, 'FINISHED');
    assert.equal(job.name, 'WordCount Example');
    assert.ok(job.vertices.some((v) => v.parallelism === 4), JSON.stringify(job.vertices));
  });

  it('batch WordCount without --output prints the counts in the client', async () => {
    const r = await cluster.flink(['run', '-p', '4', BATCH_WORDCOUNT, '--input', inputFile]);
    const jobId = assertFinished(r);
    const countLines = nonEmptyLines(r.stdout).filter(
      (l) =>
        l !== 'Printing result to stdout. Use --output to specify output path.' &&
        l !== 'Program execution finished' &&
        !l.startsWith('Job has been submitted with JobID') &&
        l !== `Job with JobID ${jobId} has finished.` &&
        !/^Job Runtime: \d+ ms$/.test(l),
    );
    const printed = new Map<string, number>();
    for (const { word, count } of parseCountLines(countLines.join('\n'), 'client stdout')) {
      assert.ok(!printed.has(word), `"${word}" printed twice`);
      printed.set(word, count);
    }
    assert.equal(diffCounts(printed, expected), undefined);
  });

  it('streaming WordCount at -p 4 emits running counts 1..N per word, each word in exactly one file', async () => {
    const out = join(await cluster.tempDir('stream-wc'), 'out');
    const r = await cluster.flink(['run', '-p', '4', STREAMING_WORDCOUNT, '--input', inputFile, '--output', out]);
    assertFinished(r);

    const byWord = wordsByFile(await readOutputDir(out), 4);
    assert.equal(byWord.size, expected.size);
    const files = new Set<string>();
    for (const [word, { file, counts }] of byWord) {
      const total = expected.get(word);
      assert.ok(total !== undefined, `unexpected word "${word}"`);
      assert.equal(counts.length, total, `word "${word}": ${counts.length} updates, expected ${total}`);
      for (let i = 0; i < counts.length; i++) {
        if (counts[i] !== i + 1) assert.fail(`word "${word}" in file ${file}: update ${i + 1} says ${counts[i]}, expected ${i + 1}`);
      }
      files.add(file);
    }
    assert.equal(files.size, 4);
  });

  it('a keyed job sends every key to exactly one subtask, and all 4 subtasks get keys', async () => {
    const dir = await cluster.tempDir('keyed');
    const job = join(dir, 'keyed-job.js');
    const out = join(dir, 'out');
    await writeFile(
      job,
      `import { StreamExecutionEnvironment, ParameterTool } from 'flink-ts';
const params = ParameterTool.fromArgs(process.argv.slice(2));
const keys = Number(params.get('keys'));
const env = StreamExecutionEnvironment.getExecutionEnvironment();
env
  .generateSequence(0, keys * 10 - 1)
  .map((n) => 'key-' + (n % keys))
  .keyBy((k) => k)
  .map({
    open(ctx) { this.subtask = ctx.getIndexOfThisSubtask(); },
    map(k) { return k + ' ' + this.subtask; },
  })
  .writeAsText(params.get('output'), 'OVERWRITE');
await env.execute('Keyed Subtasks');
`,
    );
    const keys = 1000;
    const r = await cluster.flink(['run', '-p', '4', job, '--keys', String(keys), '--output', out]);
    assertFinished(r);

    const subtaskOf = new Map<string, number>();
    const records = new Map<string, number>();
    for (const [file, text] of await readOutputDir(out)) {
      for (const line of nonEmptyLines(text)) {
        const m = /^(key-\d+) (\d+)$/.exec(line);
        assert.ok(m, `file ${file}: unexpected line ${JSON.stringify(line)}`);
        const [, key, sub] = m as unknown as [string, string, string];
        const subtask = Number(sub);
        // The sink runs chained behind the keyed map: file n is written by subtask n-1.
        assert.equal(String(subtask + 1), file, `key ${key} reported subtask ${subtask} but is in file ${file}`);
        const before = subtaskOf.get(key);
        assert.ok(before === undefined || before === subtask, `key ${key} went to subtasks ${before} and ${subtask}`);
        subtaskOf.set(key, subtask);
        records.set(key, (records.get(key) ?? 0) + 1);
      }
    }
    assert.equal(subtaskOf.size, keys, 'every key arrived');
    for (const [key, n] of records) assert.equal(n, 10, `key ${key}: ${n} records`);
    assert.deepEqual([...new Set(subtaskOf.values())].sort(), [0, 1, 2, 3]);
  });

  it('a -p 4 job runs in parallel across both TaskManager processes', async () => {
    const dir = await cluster.tempDir('parallel');
    const job = join(dir, 'ticker.js');
    const marker = `tick${process.pid}x${Date.now()}`;
    await writeFile(
      job,
      `import { StreamExecutionEnvironment, ParameterTool } from 'flink-ts';
const marker = ParameterTool.fromArgs(process.argv.slice(2)).get('marker');
const env = StreamExecutionEnvironment.getExecutionEnvironment();
env
  .addSource({
    open(ctx) { this.subtask = ctx.getIndexOfThisSubtask(); },
    async run(ctx) {
      for (let i = 0; ctx.isRunning(); i++) {
        ctx.collect(marker + ' ' + this.subtask + ' ' + i);
        await new Promise((r) => setTimeout(r, 20));
        await ctx.yield();
      }
    },
  }, 'Ticker', { parallel: true })
  .print();
await env.execute('Parallel Ticker');
`,
    );
    const r = await cluster.flink(['run', '-d', '-p', '4', job, '--marker', marker]);
    assert.equal(r.exitCode, 0, r.describe);
    const jobId = submittedJobId(r);
    try {
      await waitFor('all 4 subtasks RUNNING', 30_000, async () => {
        const j = await cluster.rest<JobDetails>(`/jobs/${jobId}`);
        return j.vertices.every((v) => v.tasks['RUNNING'] === v.parallelism) ? j : undefined;
      });
      const job = await cluster.rest<JobDetails>(`/jobs/${jobId}`);
      assert.equal(job.state, 'RUNNING');
      assert.ok(job.vertices.length > 0 && job.vertices.every((v) => v.parallelism === 4), JSON.stringify(job.vertices));

      // Four slots, four subtasks: both TaskManagers are full while the job runs.
      const tms = (await cluster.rest<{ taskmanagers: TaskManagerInfo[] }>('/taskmanagers')).taskmanagers;
      assert.equal(tms.length, 2);
      for (const tm of tms) assert.equal(tm.freeSlots, 0, `TaskManager ${tm.id} has ${tm.freeSlots} free slot(s)`);
      const overview = await cluster.rest<{ 'slots-available': number; 'jobs-running': number }>('/overview');
      assert.equal(overview['slots-available'], 0);

      // print() writes to each TaskManager's .out file; every subtask shows up, split over the two processes.
      const prefixesByTm = await waitFor('ticks from 4 subtasks in the .out files', 30_000, async () => {
        const found: Set<string>[] = [];
        for (const n of [0, 1]) {
          const text = await cluster.readLog('taskexecutor', n, 'out');
          const prefixes = new Set<string>();
          for (const m of text.matchAll(new RegExp(`^(\\d)> ${marker} (\\d) \\d+$`, 'gm'))) {
            // The print prefix is subtask + 1, as in Flink.
            assert.equal(Number(m[1]), Number(m[2]) + 1, `line "${m[0]}"`);
            prefixes.add(m[1] as string);
          }
          found.push(prefixes);
        }
        return (found[0] as Set<string>).size + (found[1] as Set<string>).size === 4 ? found : undefined;
      });
      const [tm0, tm1] = prefixesByTm as [Set<string>, Set<string>];
      assert.ok(tm0.size > 0 && tm1.size > 0, `subtasks by TaskManager: ${[...tm0]} / ${[...tm1]}`);
      assert.deepEqual([...tm0, ...tm1].sort(), ['1', '2', '3', '4']);
    } finally {
      await cluster.flink(['cancel', jobId]);
    }
    assert.equal(await cluster.awaitJobState(jobId, ['CANCELED', 'FAILED', 'FINISHED']), 'CANCELED');
    await waitFor('all slots free again', 15_000, async () => {
      const o = await cluster.rest<{ 'slots-available': number }>('/overview');
      return o['slots-available'] === 4 ? true : undefined;
    });
  });

  it('flink info prints the plan JSON between dashed lines', async () => {
    const r = await cluster.flink(['info', '-p', '4', BATCH_WORDCOUNT]);
    assert.equal(r.exitCode, 0, r.describe);
    const lines = r.stdout.split('\n');
    const start = lines.indexOf('----------------------- Execution Plan -----------------------');
    const end = lines.indexOf('--------------------------------------------------------------', start + 1);
    assert.ok(start >= 0 && end > start, r.describe);
    const plan = JSON.parse(lines.slice(start + 1, end).join('\n')) as {
      nodes: { id: number; type: string; contents: string; parallelism: number; predecessors?: { id: number }[] }[];
    };
    assert.ok(Array.isArray(plan.nodes) && plan.nodes.length >= 3, JSON.stringify(plan));
    for (const node of plan.nodes) {
      assert.equal(typeof node.id, 'number');
      assert.equal(typeof node.type, 'string');
      assert.ok(Number.isInteger(node.parallelism) && node.parallelism >= 1, JSON.stringify(node));
    }
    assert.ok(plan.nodes.some((n) => /Source/.test(n.type)), 'a source node');
    assert.ok(plan.nodes.some((n) => /Sink/.test(n.type)), 'a sink node');
    assert.ok(plan.nodes.some((n) => n.parallelism === 4), '-p 4 reaches the plan');
    const ids = new Set(plan.nodes.map((n) => n.id));
    for (const n of plan.nodes) for (const p of n.predecessors ?? []) assert.ok(ids.has(p.id), `dangling predecessor ${p.id}`);
    // Planning is not running: nothing was submitted.
    assert.ok(!/Job has been submitted/.test(r.stdout), r.describe);
  });

  it('answers the REST API on the real cluster, with and without the /v1 prefix', async () => {
    const overview = await cluster.rest<Record<string, unknown>>('/overview');
    assert.equal(overview['taskmanagers'], 2);
    assert.equal(overview['slots-total'], 4);
    assert.equal(overview['slots-available'], 4);
    assert.equal(typeof overview['flink-version'], 'string');
    const v1 = await cluster.rest<Record<string, unknown>>('/v1/overview');
    assert.deepEqual(Object.keys(v1).sort(), Object.keys(overview).sort());
    assert.equal(v1['slots-total'], 4);

    const tms = (await cluster.rest<{ taskmanagers: TaskManagerInfo[] }>('/taskmanagers')).taskmanagers;
    assert.equal(tms.length, 2);
    assert.equal(new Set(tms.map((t) => t.id)).size, 2);
    for (const tm of tms) {
      assert.equal(tm.slotsNumber, 2);
      assert.ok(Number.isInteger(tm.dataPort) && tm.dataPort > 0);
    }

    const jmConfig = await cluster.rest<{ key: string; value: string }[]>('/jobmanager/config');
    const conf = new Map(jmConfig.map((e) => [e.key, e.value]));
    assert.equal(conf.get('rest.port'), String(cluster.restPort));
    assert.equal(conf.get('jobmanager.rpc.port'), String(cluster.rpcPort));
    assert.equal(conf.get('taskmanager.numberOfTaskSlots'), '2');

    const config = await cluster.rest<Record<string, unknown>>('/config');
    for (const key of ['refresh-interval', 'timezone-name', 'timezone-offset', 'flink-version', 'flink-revision', 'features']) {
      assert.ok(key in config, `/config has ${key}`);
    }

    const jobs = (await cluster.rest<{ jobs: { jid: string; name: string; state: string; tasks: Record<string, number> }[] }>('/jobs/overview')).jobs;
    const finished = jobs.find((j) => j.name === 'WordCount Example' && j.state === 'FINISHED');
    assert.ok(finished, `a finished WordCount in /jobs/overview: ${JSON.stringify(jobs)}`);
    assert.ok(typeof finished.tasks['total'] === 'number');
    const details = await cluster.rest<JobDetails>(`/v1/jobs/${finished.jid}`);
    assert.equal(details.jid, finished.jid);
    assert.ok(details.vertices.length > 0);
    for (const v of details.vertices) {
      assert.ok(Number.isInteger(v.parallelism) && v.parallelism >= 1);
      assert.equal(v.status, 'FINISHED');
    }
    const listed = (await cluster.rest<{ jobs: { id: string; status: string }[] }>('/jobs')).jobs;
    assert.ok(listed.some((j) => j.id === finished.jid && j.status === 'FINISHED'));

    const missing = await cluster.restResponse('/jobs/00000000000000000000000000000000');
    assert.equal(missing.status, 404);
    const body = (await missing.json()) as { errors?: unknown };
    assert.ok(Array.isArray(body.errors), JSON.stringify(body));
  });

  it('runs an uploaded program through POST /jars/upload and /jars/:jarid/run', async () => {
    const out = join(await cluster.tempDir('jar-run'), 'out');
    const form = new FormData();
    form.append('jarfile', new Blob([await readFile(BATCH_WORDCOUNT)]), 'WordCount.js');
    const uploaded = await cluster.rest<{ filename: string; status: string }>('/jars/upload', { method: 'POST', body: form });
    assert.equal(uploaded.status, 'success');
    const jarId = uploaded.filename.split('/').pop() as string;
    assert.match(jarId, /_WordCount\.js$/);
    const jars = await cluster.rest<{ files: { id: string; name: string }[] }>('/jars');
    assert.ok(jars.files.some((f) => f.id === jarId && f.name === 'WordCount.js'), JSON.stringify(jars));

    const run = await cluster.rest<{ jobid: string }>(`/jars/${jarId}/run`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ programArgs: `--input ${inputFile} --output ${out}`, parallelism: 4 }),
    });
    assert.match(run.jobid, /^[0-9a-f]{32}$/);
    assert.equal(await cluster.awaitJobState(run.jobid, ['FINISHED', 'FAILED', 'CANCELED'], 60_000), 'FINISHED');
    const byWord = wordsByFile(await readOutputDir(out), 4);
    const actual = new Map([...byWord].map(([w, { counts }]) => [w, counts[0] as number]));
    assert.equal(diffCounts(actual, expected), undefined);
  });

  it('bin/flink run -t local runs WordCount without any cluster', async () => {
    // A configuration whose JobManager address has nothing behind it: only the in-process cluster can answer.
    const dir = await cluster.tempDir('local');
    const small = join(dir, 'small.txt');
    const text = generateText(SEED + 1, 20_000, 200);
    await writeFile(small, text);
    const confDir = join(dir, 'conf');
    await cp(cluster.confDir, confDir, { recursive: true });
    const closedPort = await freePort();
    await appendFile(join(confDir, 'flink-conf.yaml'), `\nrest.port: ${closedPort}\njobmanager.rpc.port: ${closedPort}\n`);
    const env = { FLINK_CONF_DIR: confDir };
    const list = await cluster.flink(['list'], { env, timeout: 15_000 });
    assert.notEqual(list.exitCode, 0, `nothing answers at port ${closedPort}\n${list.describe}`);
    const r = await cluster.flink(['run', '-t', 'local', '-p', '2', BATCH_WORDCOUNT, '--input', small], { env });
    assert.equal(r.exitCode, 0, r.describe);
    const printed = new Map(
      parseCountLines(
        nonEmptyLines(r.stdout)
          .filter((l) => /^\w+ \d+$/.test(l))
          .join('\n'),
        'stdout',
      ).map(({ word, count }) => [word, count]),
    );
    assert.equal(diffCounts(printed, expectedCounts(text)), undefined);

    const builtIn = await cluster.flink(['run', '-t', 'local', BATCH_WORDCOUNT], { env });
    assert.equal(builtIn.exitCode, 0, builtIn.describe);
    const counts = parseCountLines(nonEmptyLines(builtIn.stdout).filter((l) => /^\w+ \d+$/.test(l)).join('\n'), 'stdout');
    assert.ok(counts.length > 100, builtIn.describe);
    assert.ok(counts.some((c) => c.word === 'question' && c.count === 1), builtIn.describe);
  });
});
