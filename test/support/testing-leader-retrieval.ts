/** A LeaderRetrieval a test drives by hand: announce() names a leader (or none), as ZooKeeper would. */
import type { LeaderInformation, LeaderRetrieval } from '../../src/ha/index.js';

export class TestingLeaderRetrieval implements LeaderRetrieval {
  #listener: ((leader: LeaderInformation | undefined) => void) | undefined;
  #current: LeaderInformation | undefined;
  started = false;
  closed = false;

  constructor(initial?: LeaderInformation) {
    this.#current = initial;
  }

  async start(listener: (leader: LeaderInformation | undefined) => void): Promise<void> {
    if (this.#listener) throw new Error('started twice');
    this.started = true;
    this.#listener = listener;
    listener(this.#current);
  }

  /** Names `leader` (undefined: no leader known); the listener hears it if started and not closed. */
  announce(leader: LeaderInformation | undefined): void {
    this.#current = leader;
    if (!this.closed) this.#listener?.(leader === undefined ? undefined : { ...leader });
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
