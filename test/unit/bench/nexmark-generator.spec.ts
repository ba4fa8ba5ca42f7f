import assert from 'node:assert/strict';
import type { RuntimeContext, SourceContext } from '../../../src/api/index.js';
import { DEFAULT_CONFIG, FIRST_AUCTION_ID, FIRST_PERSON_ID, NexmarkGenerator } from '../../../bench/nexmark/generator.js';
import { AUCTION, BID, PERSON, eventTime, type Auction, type Bid, type NexmarkEvent, type Person } from '../../../bench/nexmark/model.js';
import { expectedResult } from '../../../bench/nexmark/reference.js';
import { BLOCK, NexmarkSource, subtaskBlocks, subtaskShare } from '../../../bench/nexmark/source.js';

const N = 100_000;

function stream(gen: NexmarkGenerator, n: number): NexmarkEvent[] {
  return Array.from({ length: n }, (_, i) => gen.event(i));
}

describe('Nexmark generator', () => {
  const gen = new NexmarkGenerator();
  const events = stream(gen, N);

  it('makes 2% persons, 6% auctions and 92% bids, one person and three auctions at the start of every 50 events', () => {
    const count = [0, 0, 0];
    events.forEach((e) => (count[e.type] = (count[e.type] ?? 0) + 1));
    assert.deepEqual(count, [N * 0.02, N * 0.06, N * 0.92]);
    assert.deepEqual(
      events.slice(0, 50).map((e) => e.type),
      [PERSON, AUCTION, AUCTION, AUCTION, ...Array<number>(46).fill(BID)],
    );
    for (const e of events) {
      assert.equal(e.person !== null, e.type === PERSON);
      assert.equal(e.auction !== null, e.type === AUCTION);
      assert.equal(e.bid !== null, e.type === BID);
    }
  });

  it('numbers persons and auctions densely from 1000', () => {
    const persons = events.filter((e) => e.type === PERSON).map((e) => (e.person as Person).id);
    const auctions = events.filter((e) => e.type === AUCTION).map((e) => (e.auction as Auction).id);
    assert.deepEqual(persons, persons.map((_, i) => FIRST_PERSON_ID + i));
    assert.deepEqual(auctions, auctions.map((_, i) => FIRST_AUCTION_ID + i));
  });

  it('has auctions name sellers and bids name auctions and bidders that exist, apart from a few ids of lead', () => {
    let lastPerson = FIRST_PERSON_ID - 1;
    let lastAuction = FIRST_AUCTION_ID - 1;
    const refs: Record<'seller' | 'auction' | 'bidder', { existing: number; ahead: number }> = {
      seller: { existing: 0, ahead: 0 },
      auction: { existing: 0, ahead: 0 },
      bidder: { existing: 0, ahead: 0 },
    };
    const check = (kind: keyof typeof refs, id: number, last: number, first: number): void => {
      assert.ok(Number.isInteger(id) && id >= first && id <= last + 10, `${kind} ${id} outside [${first}, ${last} + 10]`);
      if (id <= last) refs[kind].existing++;
      else refs[kind].ahead++;
    };
    for (const e of events) {
      if (e.person) lastPerson = e.person.id;
      if (e.auction) {
        lastAuction = e.auction.id;
        check('seller', e.auction.seller, lastPerson, FIRST_PERSON_ID);
      }
      if (e.bid) {
        check('auction', e.bid.auction, lastAuction, FIRST_AUCTION_ID);
        check('bidder', e.bid.bidder, lastPerson, FIRST_PERSON_ID);
      }
    }
    // Hot sellers, auctions and bidders always exist; only random picks can reach into the lead.
    for (const [kind, { existing, ahead }] of Object.entries(refs)) {
      assert.ok(existing / (existing + ahead) > 0.95, `${kind}: only ${existing} of ${existing + ahead} references exist`);
    }
  });

  it('uses hot auctions and bidders as Nexmark does: about half the bids on one auction per 100, three quarters by one bidder per 100', () => {
    const bids = events.filter((e) => e.type === BID).map((e) => e.bid as Bid);
    const hotAuction = bids.filter((b) => (b.auction - FIRST_AUCTION_ID) % 100 === 0).length / bids.length;
    const hotBidder = bids.filter((b) => (b.bidder - FIRST_PERSON_ID) % 100 === 1).length / bids.length;
    assert.ok(hotAuction > 0.48 && hotAuction < 0.53, `hot auction share ${hotAuction}`);
    assert.ok(hotBidder > 0.73 && hotBidder < 0.78, `hot bidder share ${hotBidder}`);
  });

  it('advances event time with the inter-event delay and never goes back', () => {
    let prev = -Infinity;
    for (const e of events) {
      const t = eventTime(e);
      assert.ok(t >= prev, `time went back from ${prev} to ${t}`);
      prev = t;
    }
    // Default rate: 10M events per second of event time, so 10,000 events per millisecond.
    assert.equal(eventTime(events[0] as NexmarkEvent), DEFAULT_CONFIG.baseTime);
    assert.equal(eventTime(events[9_999] as NexmarkEvent), DEFAULT_CONFIG.baseTime);
    assert.equal(eventTime(events[10_000] as NexmarkEvent), DEFAULT_CONFIG.baseTime + 1);
    const slow = new NexmarkGenerator({ rate: 1000 });
    assert.equal(eventTime(slow.event(2500)), DEFAULT_CONFIG.baseTime + 2500);
    for (const e of events.filter((x) => x.auction)) assert.ok((e.auction as Auction).expires > (e.auction as Auction).dateTime);
  });

  it('pads events to Nexmark average sizes and keeps prices in 1..1,000,000 dollars (in cents)', () => {
    const bids = events.filter((e) => e.bid).map((e) => e.bid as Bid);
    const avgBid = bids.reduce((s, b) => s + 32 + b.extra.length, 0) / bids.length;
    assert.ok(Math.abs(avgBid - 100) < 3, `average bid size ${avgBid}`);
    for (const b of bids) assert.ok(b.price >= 100 && b.price <= 100_000_000 && Number.isInteger(b.price));
    const persons = events.filter((e) => e.person).map((e) => e.person as Person);
    for (const p of persons) {
      assert.match(p.emailAddress, /^[a-z ]*@[a-z ]*\.com$/);
      assert.match(p.creditCard, /^\d{4} \d{4} \d{4} \d{4}$/);
    }
  });

  it('gives the same event for the same seed and number, whatever was generated before', () => {
    const fresh = new NexmarkGenerator();
    for (const n of [77_777, 3, 50, 4, 99_999]) assert.deepEqual(fresh.event(n), events[n]);
    const other = new NexmarkGenerator({ seed: 7 });
    assert.notDeepEqual(other.event(77_777), events[77_777]);
  });

  it('rejects a configuration that cannot make a stream', () => {
    assert.throws(() => new NexmarkGenerator({ rate: 0 }), /rate must be a positive integer/);
    assert.throws(() => new NexmarkGenerator({ bidProportion: 1.5 }), /bidProportion/);
  });
});

describe('Nexmark source shares', () => {
  it('gives every event number to exactly one subtask, in whole blocks', () => {
    for (const total of [1, BLOCK - 1, BLOCK, 10 * BLOCK + 17]) {
      for (const p of [1, 2, 3]) {
        const seen = new Uint8Array(total);
        for (let s = 0; s < p; s++) {
          for (const [from, to] of subtaskBlocks(total, s, p)) {
            assert.equal(from % BLOCK, 0);
            for (let n = from; n < to; n++) seen[n] = (seen[n] ?? 0) + 1;
          }
        }
        assert.ok(seen.every((x) => x === 1), `total ${total}, p ${p}`);
        const shares = Array.from({ length: p }, (_, s) => subtaskShare(total, s, p));
        assert.equal(shares.reduce((a, b) => a + b, 0), total);
      }
    }
  });

  /** The event-time part of a source context, unused by this source. */
  const NO_TIME = { collectWithTimestamp: () => {}, emitWatermark: () => {}, markAsTemporarilyIdle: () => {} };

  it('runs as a parallel source: subtask 1 of 2 emits its blocks in time order and yields after each block', async () => {
    const src = new NexmarkSource(4 * BLOCK + 10);
    src.open({ getIndexOfThisSubtask: () => 1, getNumberOfParallelSubtasks: () => 2 } as RuntimeContext);
    const got: NexmarkEvent[] = [];
    let yields = 0;
    const ctx: SourceContext<NexmarkEvent> = { ...NO_TIME, collect: (e) => got.push(e), yield: async () => void yields++, isRunning: () => true };
    await src.run(ctx);
    assert.equal(got.length, 2 * BLOCK);
    assert.equal(yields, 2);
    const gen = new NexmarkGenerator();
    assert.deepEqual(got[0], gen.event(BLOCK));
    assert.deepEqual(got[BLOCK], gen.event(3 * BLOCK));
    assert.equal(got.filter((e) => e.type === BID).length, 2 * BLOCK * 0.92);
  });

  it('stops after the current block when cancelled', async () => {
    const src = new NexmarkSource(100 * BLOCK);
    src.open({ getIndexOfThisSubtask: () => 0, getNumberOfParallelSubtasks: () => 1 } as RuntimeContext);
    let n = 0;
    await src.run({ ...NO_TIME, collect: () => void n++, yield: async () => src.cancel(), isRunning: () => true });
    assert.equal(n, BLOCK);
  });
});

describe('Nexmark reference results', () => {
  const n = 20_000;
  const events = stream(new NexmarkGenerator(), n);
  const bids = events.filter((e) => e.bid).map((e) => e.bid as Bid);

  it('counts every bid for q0 and q1, and the bids on every 123rd auction for q2', () => {
    assert.equal(expectedResult('q0', n)?.count, n * 0.92);
    assert.equal(expectedResult('q1', n)?.count, n * 0.92);
    const q2 = bids.filter((b) => b.auction % 123 === 0);
    assert.deepEqual(expectedResult('q2', n), { count: q2.length, checksum: q2.reduce((s, b) => (s + b.price) | 0, 0) >>> 0 });
  });

  it('puts every bid into exactly one q11 session and joins q3 only with local sellers that exist', () => {
    assert.equal(expectedResult('q11', n)?.checksum, n * 0.92);
    const local = new Set(events.filter((e) => e.person && ['OR', 'ID', 'CA'].includes(e.person.state)).map((e) => (e.person as Person).id));
    const matches = events.filter((e) => e.auction && e.auction.category === 10 && local.has(e.auction.seller));
    assert.equal(expectedResult('q3', n)?.count, matches.length);
    assert.ok(matches.length > 0);
  });

  it('has no reference for a query it does not know', () => {
    assert.equal(expectedResult('q99', n), undefined);
  });
});
