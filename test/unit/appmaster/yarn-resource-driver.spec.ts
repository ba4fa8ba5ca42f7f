import assert from 'node:assert/strict';
import { TooManyFailedContainersError, YarnResourceDriver, type AllocatedContainer, type CompletedContainer } from '../../../src/appmaster/yarn-resource-driver.js';
import { describeExitStatus } from '../../../src/appmaster/container-exit-status.js';
import { setLogSink } from '../../../src/util/logger.js';
import { waitFor } from '../../support/processes.js';

/**
 * A scheduler as YARN behaves towards one AM: each heartbeat's ask replaces the last; containers asked for come
 * on a later heartbeat; released containers complete with -100 on a later heartbeat.
 */
class TestingScheduler {
  readonly asks: number[] = [];
  readonly released: string[] = [];
  private next = 1;
  private outstanding = 0;
  private completions: CompletedContainer[] = [];
  /** Extra containers handed out on the next heartbeat whatever was asked (an ask that shrank too late). */
  extra = 0;
  failWith: Error | undefined;

  allocate = async (req: { containers: number; release: readonly AllocatedContainer[] }) => {
    if (this.failWith) throw this.failWith;
    this.asks.push(req.containers);
    const allocated: AllocatedContainer[] = [];
    for (let i = 0; i < this.outstanding + this.extra; i++) allocated.push({ id: `container_1_0001_01_${String(this.next++).padStart(6, '0')}`, host: 'nm1' });
    this.extra = 0;
    this.outstanding = req.containers;
    const completed = this.completions;
    this.completions = req.release.map((c) => ({ id: c.id, exitStatus: -100, diagnostics: 'Container released by the application.' }));
    for (const c of req.release) this.released.push(c.id);
    return { allocated, completed };
  };

  complete(id: string, exitStatus: number, diagnostics = ''): void {
    this.completions.push({ id, exitStatus, diagnostics });
  }
}

class TestingLauncher {
  readonly launched: string[] = [];
  readonly stopped: string[] = [];
  failNext: Error | undefined;
  launch = async (c: AllocatedContainer) => {
    if (this.failNext) {
      const err = this.failNext;
      this.failNext = undefined;
      throw err;
    }
    this.launched.push(c.id);
  };
  stop = async (c: AllocatedContainer) => {
    this.stopped.push(c.id);
  };
}

describe('YarnResourceDriver', () => {
  before(() => setLogSink(undefined));
  let driver: YarnResourceDriver | undefined;
  afterEach(async () => driver?.close());

  function start(o: { maxFailedContainers?: number } = {}) {
    const scheduler = new TestingScheduler();
    const launcher = new TestingLauncher();
    const fatal: Error[] = [];
    driver = new YarnResourceDriver({
      allocator: { allocate: scheduler.allocate },
      launcher,
      slotsPerTaskManager: 2,
      resource: { memoryMb: 1024, vcores: 2 },
      heartbeatMs: 20,
      fastHeartbeatMs: 5,
      onFatal: (e) => fatal.push(e),
      ...o,
    });
    driver.start();
    return { d: driver, scheduler, launcher, fatal };
  }

  it('asks for as many containers as the missing slots need, launches them, and asks for none once they start', async () => {
    const { d, scheduler, launcher } = start();
    d.onSlotDemand(3);
    await waitFor('2 TaskManagers launched', 5_000, () => (launcher.launched.length === 2 ? true : undefined), 5);
    assert.ok(scheduler.asks.includes(2), `asks: ${scheduler.asks.join(',')}`);
    assert.equal(d.wantedContainers, 0, 'the starting containers cover the demand');
    for (const id of launcher.launched) d.onTaskManagerRegistered(id);
    d.onSlotDemand(0);
    assert.deepEqual(d.containers, { starting: 0, running: 2, failed: 0 });
    const n = scheduler.asks.length;
    await waitFor('another heartbeat', 5_000, () => (scheduler.asks.length > n ? true : undefined), 5);
    assert.equal(scheduler.asks.at(-1), 0);
  });

  it('a container that ends before its TaskManager registered is a failure, and a new one is asked for', async () => {
    const { d, scheduler, launcher } = start();
    d.onSlotDemand(2);
    await waitFor('a launch', 5_000, () => launcher.launched[0], 5);
    scheduler.complete(launcher.launched[0] as string, 1, 'Exception from container-launch.\nmore lines');
    await waitFor('a second launch', 5_000, () => launcher.launched[1], 5);
    assert.equal(d.containers.failed, 1);
    assert.equal(d.containers.starting, 1);
  });

  it('gives back containers it did not ask for (or no longer needs); their completion is no failure', async () => {
    const { d, scheduler, launcher } = start();
    d.onSlotDemand(2);
    scheduler.extra = 1;
    await waitFor('the surplus container released', 5_000, () => (scheduler.released.length === 1 ? true : undefined), 5);
    await waitFor('its completion seen', 5_000, () => (scheduler.asks.length > 4 ? true : undefined), 5);
    assert.equal(launcher.launched.length, 1);
    assert.equal(d.containers.failed, 0);
  });

  it('stops the container of a TaskManager that was lost; its end is no failure', async () => {
    const { d, scheduler, launcher } = start();
    d.onSlotDemand(2);
    const id = await waitFor('a launch', 5_000, () => launcher.launched[0], 5);
    d.onTaskManagerRegistered(id);
    d.onSlotDemand(0);
    d.onTaskManagerLost(id);
    assert.deepEqual(launcher.stopped, [id]);
    scheduler.complete(id, -105);
    const n = scheduler.asks.length;
    await waitFor('two more heartbeats', 5_000, () => (scheduler.asks.length > n + 1 ? true : undefined), 5);
    assert.equal(d.containers.failed, 0);
  });

  it('more failed containers than yarn.maximum-failed-containers is fatal, naming the last one', async () => {
    const { d, launcher, fatal } = start({ maxFailedContainers: 1 });
    launcher.failNext = new Error('NMToken missing');
    d.onSlotDemand(2);
    await waitFor('a launch after the failed one', 5_000, () => launcher.launched[0], 5);
    launcher.failNext = new Error('the NodeManager refused it');
    d.onTaskManagerLost(launcher.launched[0] as string);
    d.onSlotDemand(2);
    const err = await waitFor('the fatal error', 5_000, () => fatal[0], 5);
    assert.ok(err instanceof TooManyFailedContainersError);
    assert.match(err.message, /More than 1 TaskManager container\(s\) failed \(yarn\.maximum-failed-containers\); the last: container \S+ on nm1 could not be started: the NodeManager refused it/);
  });

  it('a heartbeat the scheduler refuses is fatal (once)', async () => {
    const { scheduler, fatal } = start();
    scheduler.failWith = new Error('InvalidApplicationMasterRequestException: not registered');
    await waitFor('the fatal error', 5_000, () => fatal[0], 5);
    await new Promise((r) => setImmediate(r));
    assert.equal(fatal.length, 1);
  });
});

describe('describeExitStatus', () => {
  it("names YARN's codes and signals", () => {
    assert.equal(describeExitStatus(-102), 'preempted by the scheduler (-102)');
    assert.equal(describeExitStatus(137), 'exit code 137, signal 9');
    assert.equal(describeExitStatus(1), 'exit code 1');
    assert.match(describeExitStatus(-104), /taskmanager\.memory\.process\.size/);
  });
});
