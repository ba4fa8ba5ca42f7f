import assert from 'node:assert/strict';
import type { PartitionerType } from '../../../src/api/transformation.js';
import { consumersOf, isPointwise, producersOf } from '../../../src/runtime/network/connectivity.js';

/** Every producer→consumer pair as seen from both sides; each must list every pair exactly once. */
function pairs(partitioner: PartitionerType, P: number, D: number): { fromProducers: string[]; fromConsumers: string[] } {
  const fromProducers: string[] = [];
  const fromConsumers: string[] = [];
  for (let p = 0; p < P; p++) for (const c of consumersOf(partitioner, P, D, p)) fromProducers.push(`${p}->${c}`);
  for (let c = 0; c < D; c++) for (const p of producersOf(partitioner, P, D, c)) fromConsumers.push(`${p}->${c}`);
  return { fromProducers, fromConsumers };
}

describe('connectivity of producer and consumer subtasks', () => {
  it('forward and rescale are point-wise; the others are all-to-all', () => {
    assert.deepEqual(
      (['forward', 'rescale', 'rebalance', 'shuffle', 'broadcast', 'global', 'hash', 'custom'] as const).map(isPointwise),
      [true, true, false, false, false, false, false, false],
    );
  });

  for (const partitioner of ['rescale', 'forward'] as const) {
    it(`${partitioner}: every pair is listed exactly once on both sides, for P<D, P=D and P>D`, () => {
      for (let P = 1; P <= 9; P++) {
        for (let D = 1; D <= 9; D++) {
          const { fromProducers, fromConsumers } = pairs(partitioner, P, D);
          const where = `P=${P} D=${D}`;
          assert.equal(new Set(fromProducers).size, fromProducers.length, `${where}: no pair twice from the producers`);
          assert.equal(new Set(fromConsumers).size, fromConsumers.length, `${where}: no pair twice from the consumers`);
          assert.deepEqual([...fromProducers].sort(), [...fromConsumers].sort(), `${where}: both sides agree`);
          // Point-wise: every subtask is connected, and one side of each pair has exactly one partner.
          for (let p = 0; p < P; p++) assert.ok(consumersOf(partitioner, P, D, p).length >= 1, `${where}: producer ${p} sends somewhere`);
          for (let c = 0; c < D; c++) assert.ok(producersOf(partitioner, P, D, c).length >= 1, `${where}: consumer ${c} reads something`);
          if (P <= D) for (let c = 0; c < D; c++) assert.equal(producersOf(partitioner, P, D, c).length, 1, where);
          if (P >= D) for (let p = 0; p < P; p++) assert.equal(consumersOf(partitioner, P, D, p).length, 1, where);
          // Balanced: fan-outs differ by at most one.
          const fan = Array.from({ length: Math.min(P, D) === P ? P : D }, (_, i) => (P <= D ? consumersOf(partitioner, P, D, i) : producersOf(partitioner, P, D, i)).length);
          assert.ok(Math.max(...fan) - Math.min(...fan) <= 1, `${where}: balanced fan-out ${fan.join(',')}`);
        }
      }
    });
  }

  it('P = D connects subtask i to subtask i only', () => {
    for (let n = 1; n <= 5; n++) {
      for (let i = 0; i < n; i++) {
        assert.deepEqual(consumersOf('forward', n, n, i), [i]);
        assert.deepEqual(producersOf('rescale', n, n, i), [i]);
      }
    }
  });

  it('rescale 2 → 4 and 4 → 2 connect neighbouring ranges, in channel order', () => {
    assert.deepEqual([0, 1].map((p) => consumersOf('rescale', 2, 4, p)), [[0, 1], [2, 3]]);
    assert.deepEqual([0, 1].map((c) => producersOf('rescale', 4, 2, c)), [[0, 1], [2, 3]]);
  });

  for (const partitioner of ['rebalance', 'shuffle', 'broadcast', 'global', 'hash', 'custom'] as const) {
    it(`${partitioner}: every producer reaches every consumer`, () => {
      for (const [P, D] of [[1, 3], [3, 1], [2, 5], [4, 4]] as const) {
        const { fromProducers, fromConsumers } = pairs(partitioner, P, D);
        assert.equal(fromProducers.length, P * D);
        assert.deepEqual([...fromProducers].sort(), [...fromConsumers].sort());
        for (let p = 0; p < P; p++) assert.deepEqual(consumersOf(partitioner, P, D, p), Array.from({ length: D }, (_, i) => i));
      }
    });
  }
});
