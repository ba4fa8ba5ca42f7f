import assert from 'node:assert/strict';
import { Configuration, ConfigurationError, TaskManagerOptions, daemonHeap, slotHeap } from '../../../src/config/index.js';

function configError(pattern: RegExp): (err: unknown) => boolean {
  return (err: unknown) => {
    assert.ok(err instanceof ConfigurationError, `expected a ConfigurationError, got ${String(err)}`);
    assert.ok(!err.message.includes('\n'), `one line: ${err.message}`);
    assert.match(err.message, pattern);
    return true;
  };
}

describe('daemon heap sizes', () => {
  it('refuses a heap below 64m for each of the four keys, saying the minimum', () => {
    for (const key of ['taskmanager.heap.size', 'jobmanager.heap.size', 'taskmanager.memory.process.size', 'jobmanager.memory.process.size']) {
      assert.throws(
        () => Configuration.fromMap({ [key]: '1m' }, 'flink-conf.yaml'),
        configError(new RegExp(`^Invalid configuration in flink-conf\\.yaml: ${key.replace(/\./g, '\\.')}: 1mb is below the minimum of 64mb: .*Use 64m or more`)),
      );
    }
    assert.throws(() => Configuration.fromMap({ 'taskmanager.heap.size': '1024' }, '-D'), configError(/1kb \(a number without a unit means bytes\) is below the minimum of 64mb/));
    assert.equal(Configuration.fromMap({ 'taskmanager.heap.size': '64m' }).get(TaskManagerOptions.HEAP_SIZE), 64 * 1024 * 1024);
  });

  it('*.memory.process.size takes precedence over *.heap.size', () => {
    assert.deepEqual(daemonHeap(Configuration.fromMap({}), 'taskmanager'), { key: 'taskmanager.heap.size', bytes: 1024 ** 3 });
    assert.deepEqual(daemonHeap(Configuration.fromMap({ 'jobmanager.memory.process.size': '1600m', 'jobmanager.heap.size': '512m' }), 'jobmanager'), {
      key: 'jobmanager.memory.process.size',
      bytes: 1600 * 1024 * 1024,
    });
  });

  it("each slot gets an equal share of the TaskManager's heap, at least 16 MiB", () => {
    assert.equal(slotHeap(Configuration.fromMap({ 'taskmanager.numberOfTaskSlots': '4' })).megabytes, 256);
    assert.equal(slotHeap(Configuration.fromMap({ 'taskmanager.memory.process.size': '1728m', 'taskmanager.numberOfTaskSlots': '3' })).megabytes, 576);
    assert.throws(
      () => slotHeap(Configuration.fromMap({ 'taskmanager.heap.size': '64m', 'taskmanager.numberOfTaskSlots': '8' })),
      configError(
        /^Invalid configuration: taskmanager\.heap\.size: 64mb shared by 8 slots \(taskmanager\.numberOfTaskSlots\) gives each slot 8\.0 MiB of heap; a slot needs at least 16mb\. Raise taskmanager\.heap\.size to 128m or more, or lower taskmanager\.numberOfTaskSlots$/,
      ),
    );
  });
});

describe('managed memory', () => {
  it('is a fraction (0.4) of the TaskManager heap by default, or taskmanager.memory.managed.size, shared by the slots', async () => {
    const { managedMemory } = await import('../../../src/config/index.js');
    const byFraction = managedMemory(Configuration.fromMap({ 'taskmanager.numberOfTaskSlots': '2' }));
    assert.equal(byFraction.totalBytes, Math.floor(1024 ** 3 * 0.4));
    assert.equal(byFraction.perSlotBytes, Math.floor(byFraction.totalBytes / 2));
    assert.equal(byFraction.key, 'taskmanager.memory.managed.fraction');
    const bySize = managedMemory(Configuration.fromMap({ 'taskmanager.memory.managed.size': '64m', 'taskmanager.numberOfTaskSlots': '4' }));
    assert.deepEqual([bySize.perSlotBytes, bySize.key], [16 * 1024 * 1024, 'taskmanager.memory.managed.size']);
    assert.throws(
      () => managedMemory(Configuration.fromMap({ 'taskmanager.memory.managed.size': '2g' })),
      configError(/taskmanager\.memory\.managed\.size: 2gb is not smaller than the TaskManager's heap \(taskmanager\.heap\.size: 1gb\).*Lower taskmanager\.memory\.managed\.size or raise taskmanager\.heap\.size$/),
    );
    assert.throws(() => Configuration.fromMap({ 'taskmanager.memory.managed.fraction': '0.95' }, '-D'), ConfigurationError);
  });
});
