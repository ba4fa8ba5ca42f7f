/**
 * The harness of the API semantics tests: a MiniCluster (two TaskManagers of two slots) that job files run
 * on through the client's runProgram with target 'local', their results handed back through a global.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registerLocalExecutorFactory } from '../../../src/client/job-executor.js';
import { runProgram } from '../../../src/client/program.js';
import { loadConfiguration, type Configuration } from '../../../src/config/index.js';
import { localJobExecutor, MiniCluster } from '../../../src/minicluster/index.js';
import { setLogSink } from '../../../src/util/logger.js';

export interface RunResult {
  results: Record<string, unknown>;
  clientLines: string[];
  stdout: string;
}

export class ApiTestCluster {
  dir = '';
  private cluster: MiniCluster | undefined;
  private config: Configuration | undefined;
  private programs = 0;

  /**
   * @param prelude what every job file starts with: imports and the helpers the test bodies use.
   * @param conf flink-conf.yaml lines for the cluster, given the cluster's directory (default: none).
   */
  constructor(
    private readonly prelude: string,
    private readonly conf: (dir: string) => string = () => '',
  ) {}

  async start(): Promise<void> {
    this.dir = await mkdtemp(join(tmpdir(), 'api-it-'));
    const confDir = join(this.dir, 'conf');
    await mkdir(confDir);
    await writeFile(join(confDir, 'flink-conf.yaml'), `# api integration tests\n${this.conf(this.dir)}`);
    setLogSink(undefined);
    this.config = loadConfiguration({ confDir, env: {} });
    this.cluster = new MiniCluster({ config: this.config, taskManagers: 2, slotsPerTaskManager: 2 });
    await this.cluster.start();
    const gw = this.cluster.jobManager.gateway;
    registerLocalExecutorFactory(async () => ({
      description: 'the shared test cluster',
      submit: (graph, bundle) => gw.submitJob({ jobGraph: graph, bundle }),
      result: (jobId) => gw.jobExecutionResult(jobId),
      close: async () => {},
    }));
  }

  async close(): Promise<void> {
    registerLocalExecutorFactory((o) => localJobExecutor(o));
    await this.cluster?.close();
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
  }

  /** The cluster's REST address (http://127.0.0.1:port). */
  get restUrl(): string {
    if (!this.cluster) throw new Error('the test cluster is not started');
    return this.cluster.restUrl;
  }

  /** The JobManager's dispatcher, for tests that watch or cancel a job that runs until cancelled. */
  get dispatcher(): MiniCluster['jobManager']['gateway'] {
    if (!this.cluster) throw new Error('the test cluster is not started');
    return this.cluster.jobManager.gateway;
  }

  /** A fresh directory for one test's inputs and outputs. */
  async scratch(name: string): Promise<string> {
    const d = join(this.dir, `${name}-${++this.programs}`);
    await mkdir(d, { recursive: true });
    return d;
  }

  /**
   * Runs a job file. The program body gets `R` (results for the test) and the API names in scope;
   * `console.log` output of the client (DataSet.print()) is captured when `captureStdout` is set.
   */
  async run(body: string, o: { parallelism: number; args?: string[]; captureStdout?: boolean }): Promise<RunResult> {
    const file = join(this.dir, `program-${++this.programs}.mjs`);
    await writeFile(
      file,
      this.prelude +
        `${body}\n`,
    );
    const g = globalThis as { __apiIt?: { results: Record<string, unknown> } };
    g.__apiIt = { results: {} };
    const clientLines: string[] = [];
    let stdout = '';
    const write = process.stdout.write.bind(process.stdout);
    if (o.captureStdout) {
      process.stdout.write = ((chunk: string | Uint8Array) => {
        stdout += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
        return true;
      }) as typeof process.stdout.write;
    }
    try {
      await runProgram({
        programPath: file,
        args: o.args ?? [],
        parallelism: o.parallelism,
        detached: false,
        target: 'local',
        config: this.config as Configuration,
        allowNonRestoredState: false,
        shutdownOnAttachedExit: false,
        print: (l) => void clientLines.push(l),
        warn: (l) => void clientLines.push(l),
      });
    } finally {
      process.stdout.write = write;
    }
    return { results: g.__apiIt.results, clientLines, stdout };
  }
}

/** Lines of a sink's output: the file itself, or every file of the directory it became. */
export async function outputLines(path: string): Promise<string[]> {
  const st = await stat(path);
  const files = st.isDirectory() ? (await readdir(path)).filter((f) => !f.startsWith('.')).sort().map((f) => join(path, f)) : [path];
  const lines: string[] = [];
  for (const f of files) lines.push(...(await readFile(f, 'utf8')).split('\n').filter((l) => l.length > 0));
  return lines;
}

export const sorted = <T>(xs: readonly T[]): T[] => [...xs].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : JSON.stringify(a) > JSON.stringify(b) ? 1 : 0));
export const PARALLELISMS = [1, 3] as const;

/** An ApiTestCluster started before the tests of the enclosing `describe` and closed after them. */
export function useApiTestCluster(prelude: string, conf?: (dir: string) => string): ApiTestCluster {
  const c = new ApiTestCluster(prelude, conf);
  before(async () => {
    await c.start();
  });
  after(async () => {
    await c.close();
  });
  return c;
}
