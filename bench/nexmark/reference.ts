/**
 * What each Nexmark query must deliver, computed directly from the generator in one thread with plain maps: the
 * number of result rows and the checksum the query program's BlackholeSink keeps (the same field, summed modulo
 * 2^32). The benchmark compares every run's sink output with these, so a faster but wrong job cannot pass.
 *
 * Windows follow Flink SQL (and the drafts in drafts/): event time = dateTime, epoch-aligned windows, and every
 * window fires at the end of the bounded input.
 */
import { DEFAULT_CONFIG, NexmarkGenerator, type NexmarkConfig } from './generator.js';
import type { Bid } from './model.js';

export interface Expected {
  count: number;
  checksum: number;
}

class Tally {
  count = 0;
  private sum = 0;
  add(field: number): void {
    this.count++;
    this.sum = (this.sum + field) | 0;
  }
  result(): Expected {
    return { count: this.count, checksum: this.sum >>> 0 };
  }
}

const SECOND = 1000;

/** Starts of the windows of `size` sliding by `slide` that hold t (tumbling: slide = size). */
function windowStarts(t: number, size: number, slide: number): number[] {
  const last = t - (((t % slide) + slide) % slide);
  const out: number[] = [];
  for (let s = last; s > t - size; s -= slide) out.push(s);
  return out;
}

function bids(events: number, config: Partial<NexmarkConfig>, each: (b: Bid) => void): NexmarkGenerator {
  const gen = new NexmarkGenerator(config);
  for (let n = 0; n < events; n++) if (gen.typeOf(n) === 2) each(gen.event(n).bid as Bid);
  return gen;
}

const QUERIES: Record<string, (events: number, config: Partial<NexmarkConfig>) => Expected> = {
  q0: (events, config) => {
    const t = new Tally();
    bids(events, config, (b) => t.add(b.price));
    return t.result();
  },
  q1: (events, config) => {
    const t = new Tally();
    bids(events, config, (b) => t.add(Math.round(Math.round(b.price * 908) / 1000)));
    return t.result();
  },
  q2: (events, config) => {
    const t = new Tally();
    bids(events, config, (b) => {
      if (b.auction % 123 === 0) t.add(b.price);
    });
    return t.result();
  },
  // Unwindowed inner join: every category-10 auction whose seller is a person from OR, ID or CA, wherever in the
  // stream either comes. Checksum: the auction id.
  q3: (events, config) => {
    const gen = new NexmarkGenerator(config);
    const localPeople = new Set<number>();
    const sellers: Array<[number, number]> = [];
    for (let n = 0; n < events; n++) {
      const type = gen.typeOf(n);
      if (type === 2) continue;
      const e = gen.event(n);
      if (e.person && (e.person.state === 'OR' || e.person.state === 'ID' || e.person.state === 'CA')) localPeople.add(e.person.id);
      if (e.auction && e.auction.category === 10) sellers.push([e.auction.seller, e.auction.id]);
    }
    const t = new Tally();
    for (const [seller, id] of sellers) if (localPeople.has(seller)) t.add(id);
    return t.result();
  },
  // Per 10 s window sliding by 2 s: the auctions with the most bids (ties: all). Checksum: auction + num.
  q5: (events, config) => {
    const windows = new Map<number, Map<number, number>>();
    bids(events, config, (b) => {
      for (const start of windowStarts(b.dateTime, 10 * SECOND, 2 * SECOND)) {
        let counts = windows.get(start);
        if (!counts) windows.set(start, (counts = new Map()));
        counts.set(b.auction, (counts.get(b.auction) ?? 0) + 1);
      }
    });
    const t = new Tally();
    for (const counts of windows.values()) {
      // A loop, not Math.max(...values): one window can hold hundreds of thousands of auctions, more arguments than
      // a call can take.
      let max = 0;
      for (const num of counts.values()) if (num > max) max = num;
      for (const [auction, num] of counts) if (num === max) t.add(auction + num);
    }
    return t.result();
  },
  // Per 10 s tumbling window: the bids with the window's highest price (ties: all). Checksum: the price.
  q7: (events, config) => {
    const best = new Map<number, { price: number; n: number }>();
    bids(events, config, (b) => {
      const start = windowStarts(b.dateTime, 10 * SECOND, 10 * SECOND)[0] as number;
      const cur = best.get(start);
      if (!cur || b.price > cur.price) best.set(start, { price: b.price, n: 1 });
      else if (b.price === cur.price) cur.n++;
    });
    const t = new Tally();
    for (const { price, n } of best.values()) for (let i = 0; i < n; i++) t.add(price);
    return t.result();
  },
  // Per 10 s tumbling window: each distinct (person id, name) that registered in it and also sells in it.
  // Checksum: the person id.
  q8: (events, config) => {
    const gen = new NexmarkGenerator(config);
    // Person ids are unique, so (window, id) already is distinct (window, id, name).
    const people = new Map<string, number>();
    const sellers = new Set<string>();
    for (let n = 0; n < events; n++) {
      if (gen.typeOf(n) === 2) continue;
      const e = gen.event(n);
      if (e.person) people.set(`${windowStarts(e.person.dateTime, 10 * SECOND, 10 * SECOND)[0]} ${e.person.id}`, e.person.id);
      if (e.auction) sellers.add(`${windowStarts(e.auction.dateTime, 10 * SECOND, 10 * SECOND)[0]} ${e.auction.seller}`);
    }
    const t = new Tally();
    for (const [key, id] of people) if (sellers.has(key)) t.add(id);
    return t.result();
  },
  // Per bidder, sessions with a 10 s gap. Bids of one bidder arrive in time order here, so a session ends when the
  // next bid is 10 s or more after the previous one. Checksum: bid_count.
  q11: (events, config) => {
    const open = new Map<number, { last: number; count: number }>();
    const t = new Tally();
    bids(events, config, (b) => {
      const s = open.get(b.bidder);
      if (s && b.dateTime < s.last + 10 * SECOND) {
        s.last = b.dateTime;
        s.count++;
      } else {
        if (s) t.add(s.count);
        open.set(b.bidder, { last: b.dateTime, count: 1 });
      }
    });
    for (const s of open.values()) t.add(s.count);
    return t.result();
  },
};

/** The expected sink result of `query` over events 0..events-1, or undefined for a query without a reference. */
export function expectedResult(query: string, events: number, config: Partial<NexmarkConfig> = {}): Expected | undefined {
  const q = QUERIES[query];
  return q ? q(events, { ...DEFAULT_CONFIG, ...config }) : undefined;
}
