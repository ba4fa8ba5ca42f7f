/**
 * Drives test/integration/support/ha-contender.ts as a child process: its reported events, commands on stdin,
 * and kill -9. Every process started here is tracked so a test run leaves none behind (killAllContenders).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isAlive, waitFor } from '../../support/processes.js';

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'ha-contender.js');
const running = new Set<ContenderProcess>();

export interface ContenderEvent {
  event: 'started' | 'granted' | 'revoked' | 'state' | 'put' | 'closed';
  id?: string;
  state?: string;
  ok?: boolean;
  code?: string;
  session?: string;
}

export class ContenderProcess {
  readonly events: ContenderEvent[] = [];
  stderr = '';
  private readonly child: ChildProcess;

  private constructor(
    readonly address: string,
    conf: Record<string, string>,
    components: Record<string, string>,
  ) {
    this.child = spawn(process.execPath, ['--enable-source-maps', SCRIPT, JSON.stringify(conf), address, JSON.stringify(components)], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    running.add(this);
    let buffered = '';
    this.child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        if (line.startsWith('{')) this.events.push(JSON.parse(line) as ContenderEvent);
      }
    });
    this.child.stderr?.on('data', (chunk: Buffer) => (this.stderr += chunk.toString('utf8')));
    this.child.on('exit', () => running.delete(this));
  }

  /**
   * Starts a contender and waits until it runs for leadership. As leader it publishes `address` as the
   * resource manager's and `components` (component -> address, e.g. rest_server) too.
   */
  static async start(address: string, conf: Record<string, string>, components: Record<string, string> = {}): Promise<ContenderProcess> {
    const c = new ContenderProcess(address, conf, components);
    await waitFor(`contender ${address} to start`, 60_000, () => {
      if (c.child.exitCode !== null) throw new Error(`contender ${address} exited: ${c.stderr}`);
      return c.has('started') ? true : undefined;
    });
    return c;
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  has(event: ContenderEvent['event'], match: Partial<ContenderEvent> = {}): boolean {
    return this.count(event, match) > 0;
  }

  count(event: ContenderEvent['event'], match: Partial<ContenderEvent> = {}): number {
    return this.events.filter((e) => e.event === event && Object.entries(match).every(([k, v]) => e[k as keyof ContenderEvent] === v)).length;
  }

  /** The leader session id of its latest grant, if it leads now (granted and not revoked since). */
  get leaderSessionId(): string | undefined {
    const last = [...this.events].reverse().find((e) => e.event === 'granted' || e.event === 'revoked' || e.event === 'closed');
    return last?.event === 'granted' ? last.id : undefined;
  }

  send(command: string): void {
    this.child.stdin?.write(`${command}\n`);
  }

  /** Asks for a job graph write and returns how it went. */
  async put(jobId: string): Promise<ContenderEvent> {
    const before = this.count('put');
    this.send(`put ${jobId}`);
    return waitFor(`contender ${this.address} to answer put`, 30_000, () => this.events.filter((e) => e.event === 'put')[before]);
  }

  /** Closes its HA services (the ZooKeeper session ends at once) and waits for the process to exit. */
  async close(): Promise<void> {
    this.send('close');
    await waitFor(`contender ${this.address} to exit`, 30_000, () => (this.child.exitCode !== null ? true : undefined));
  }

  /** kill -9: the session stays until ZooKeeper expires it. */
  async kill(): Promise<void> {
    const pid = this.pid;
    this.child.kill('SIGKILL');
    await waitFor(`contender ${this.address} to die`, 10_000, () => (isAlive(pid) ? undefined : true));
  }
}

export async function killAllContenders(): Promise<void> {
  for (const c of [...running]) await c.kill().catch(() => undefined);
}
