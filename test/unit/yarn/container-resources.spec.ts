import assert from 'node:assert/strict';
import { Configuration } from '../../../src/config/index.js';
import { containerOf } from '../../../src/yarn/client/index.js';

describe('container sizes of a flink-ts application on YARN', () => {
  it("a daemon's heap plus a quarter (at least 256 MiB); TaskManager vcores = slots unless yarn.containers.vcores", () => {
    const conf = Configuration.fromMap({ 'jobmanager.heap.size': '512m', 'taskmanager.memory.process.size': '2g', 'taskmanager.numberOfTaskSlots': '3' });
    assert.deepEqual(containerOf(conf, 'jobmanager'), { memoryMb: 768, vcores: 1, heapMb: 512 });
    assert.deepEqual(containerOf(conf, 'taskmanager'), { memoryMb: 2560, vcores: 3, heapMb: 2048 });
    const vcores = Configuration.fromMap({ 'yarn.containers.vcores': '2', 'taskmanager.numberOfTaskSlots': '4', 'yarn.appmaster.vcores': '2' });
    assert.equal(containerOf(vcores, 'taskmanager').vcores, 2);
    assert.equal(containerOf(vcores, 'jobmanager').vcores, 2);
  });
});
