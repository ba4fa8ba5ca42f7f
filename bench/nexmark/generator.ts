/**
 * The Nexmark event generator, following the rules of the Nexmark project's Flink generator
 * (github.com/nexmark/nexmark, nexmark-flink `generator/`), in our own code:
 *
 * - Event number n (0, 1, 2, ...) decides the kind: per 50 events (person : auction : bid proportions
 *   1 : 3 : 46), offset 0 is a person, 1..3 auctions, 4..49 bids. So Person 2%, Auction 6%, Bid 92%.
 * - Ids are dense and start at 1000: the k-th person has id 1000 + k, the k-th auction 1000 + k.
 * - Event time advances with the inter-event delay 1e6 / rate µs: event n is at baseTime + floor(n·1000/rate) ms
 *   (Nexmark's 100M-event suite runs at 10M events/s, i.e. 10,000 events per millisecond of event time).
 * - Auctions: a hot seller (the first of the last block of 100 people) with probability 1 − 1/hotSellersRatio,
 *   else one of the last `numActivePeople` people or up to 10 ids ahead ("leads"). Bids: a hot auction (first of
 *   the last block of 100 auctions) with probability 1 − 1/hotAuctionRatio, else one of the last
 *   `numInFlightAuctions` auctions or up to 10 ahead; a hot bidder (second person of the last block of 100) with
 *   probability 1 − 1/hotBiddersRatio, else an active person. Prices are 10^(6·u)·100 cents, u uniform in [0, 1).
 * - `extra` pads each event to an average size (person 200, auction 500, bid 100 bytes), ±20%.
 *
 * Differences from the Java generator, on purpose: every event's random values come from (seed, n) alone, so any
 * subtask can produce any share of the event numbers and the stream is the same at every parallelism; one
 * timeline for all subtasks instead of one per generator; the bidder id is offset by 1000 once (the Java
 * BidGenerator adds FIRST_PERSON_ID twice, so its bidders are 1000 ids ahead of the people that exist); no
 * out-of-order groups (Nexmark's default `outOfOrderGroupSize` 1).
 */
import { AUCTION, BID, PERSON, type Auction, type Bid, type NexmarkEvent, type Person } from './model.js';

export const FIRST_PERSON_ID = 1000;
export const FIRST_AUCTION_ID = 1000;
export const FIRST_CATEGORY_ID = 10;
const NUM_CATEGORIES = 5;
/** How far ahead of the last generated person / auction a random pick may reach. */
const PERSON_ID_LEAD = 10;
const AUCTION_ID_LEAD = 10;
/** Hot sellers, bidders and auctions are the first (or second) of each block of this many. */
const HOT_BLOCK = 100;
const HOT_CHANNELS = ['Google', 'Facebook', 'Baidu', 'Apple'] as const;
const CHANNELS = 10_000;

export interface NexmarkConfig {
  /** Seed of every random choice; the same seed gives the same stream. */
  seed: number;
  /** Events per second of event time (sets the inter-event delay). */
  rate: number;
  /** Event time of event 0, epoch ms. Fixed (not "now") so every subtask computes the same timestamps. */
  baseTime: number;
  personProportion: number;
  auctionProportion: number;
  bidProportion: number;
  numActivePeople: number;
  numInFlightAuctions: number;
  hotAuctionRatio: number;
  hotSellersRatio: number;
  hotBiddersRatio: number;
  avgPersonByteSize: number;
  avgAuctionByteSize: number;
  avgBidByteSize: number;
}

/** Nexmark's defaults (NexmarkConfiguration) with the rate of its 100M-event suite. */
export const DEFAULT_CONFIG: Readonly<NexmarkConfig> = Object.freeze({
  seed: 42,
  rate: 10_000_000,
  baseTime: Date.UTC(2026, 0, 1),
  personProportion: 1,
  auctionProportion: 3,
  bidProportion: 46,
  numActivePeople: 1000,
  numInFlightAuctions: 100,
  hotAuctionRatio: 2,
  hotSellersRatio: 4,
  hotBiddersRatio: 4,
  avgPersonByteSize: 200,
  avgAuctionByteSize: 500,
  avgBidByteSize: 100,
});

/** mulberry32, seeded per event: cheap, and good enough for picking benchmark data. */
class EventRandom {
  private s = 0;

  reset(seed: number, n: number): void {
    // Event numbers may pass 2^32: mix the high part in separately.
    this.s = mix32(mix32((seed ^ (n >>> 0)) >>> 0) ^ Math.floor(n / 4294967296));
  }

  /**
   * 30 random bits. Not 32: with pointer compression V8's small integers hold 31 bits, and a larger result
   * would be boxed as a heap number whenever the call is not inlined.
   */
  nextBits(): number {
    const s = (this.s = (this.s + 0x6d2b79f5) | 0);
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t ^= t + Math.imul(t ^ (t >>> 7), 61 | t);
    return (t ^ (t >>> 14)) >>> 2;
  }

  /** Uniform in [0, bound), bound < 2^30. */
  nextInt(bound: number): number {
    return Math.floor(this.nextBits() * TWO_TO_MINUS_30 * bound);
  }
}

const TWO_TO_MINUS_30 = 1 / 1073741824;

function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d);
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b);
  return (x ^ (x >>> 16)) >>> 0;
}

/** Java's Integer.reverse: the 32 bits in reverse order, as a signed int. */
function reverseBits32(i: number): number {
  let r = 0;
  for (let b = 0; b < 32; b++) r = (r << 1) | ((i >>> b) & 1);
  return r | 0;
}

// Tables built once per module from a fixed seed, so every worker thread builds the same ones.
const tableRandom = new EventRandom();
tableRandom.reset(0x6e65786d, 0);
const POOL_SIZE = 1 << 17;
/** Lower-case letters with a space one time in 13: random item names, descriptions, e-mail parts. */
const WORDS_POOL = randomChars(POOL_SIZE, ' ');
/** Lower-case letters only: the `extra` padding. */
const LETTERS_POOL = randomChars(POOL_SIZE, null);

function randomChars(length: number, special: string | null): string {
  const bytes = Buffer.allocUnsafe(length);
  const code = special === null ? 0 : special.charCodeAt(0);
  for (let i = 0; i < length; i++) bytes[i] = special !== null && tableRandom.nextInt(13) === 0 ? code : 97 + tableRandom.nextInt(26);
  return bytes.toString('latin1');
}

function tableString(maxLength: number, special: string): string {
  const len = 3 + tableRandom.nextInt(maxLength - 3);
  let s = '';
  for (let i = 0; i < len; i++) s += tableRandom.nextInt(13) === 0 ? special : String.fromCharCode(97 + tableRandom.nextInt(26));
  return s;
}

function baseUrl(): string {
  return `https://www.nexmark.com/${tableString(5, '_')}/${tableString(5, '_')}/${tableString(5, '_')}/item.htm?query=1`;
}

const HOT_URLS = HOT_CHANNELS.map(() => baseUrl());
const CHANNEL_NAMES: string[] = [];
const CHANNEL_URLS: string[] = [];
for (let i = 0; i < CHANNELS; i++) {
  const url = baseUrl();
  CHANNEL_NAMES.push(`channel-${i}`);
  CHANNEL_URLS.push(tableRandom.nextInt(10) > 0 ? `${url}&channel_id=${Math.abs(reverseBits32(i))}` : url);
}

const US_STATES = ['AZ', 'CA', 'ID', 'OR', 'WA', 'WY'];
const US_CITIES = ['Phoenix', 'Los Angeles', 'San Francisco', 'Boise', 'Portland', 'Bend', 'Redmond', 'Seattle', 'Kent', 'Cheyenne'];
const FIRST_NAMES = ['Peter', 'Paul', 'Luke', 'John', 'Saul', 'Vicky', 'Kate', 'Julie', 'Sarah', 'Deiter', 'Walter'];
const LAST_NAMES = ['Shultz', 'Abrams', 'Spencer', 'White', 'Bartels', 'Walton', 'Smith', 'Jones', 'Noris'];
const FOUR_DIGITS = Array.from({ length: 10_000 }, (_, i) => String(i).padStart(4, '0'));

// Price = round(10^(6u) · 100) for u = k / 2^30, as the product of two table entries (high and low 15 bits of k):
// Math.pow was a third of the generator's time.
const PRICE_HIGH = new Float64Array(32768);
const PRICE_LOW = new Float64Array(32768);
for (let i = 0; i < 32768; i++) {
  PRICE_HIGH[i] = Math.pow(10, (6 * i) / 32768) * 100;
  PRICE_LOW[i] = Math.pow(10, (6 * i) / 1073741824);
}

export class NexmarkGenerator {
  readonly config: Readonly<NexmarkConfig>;
  private readonly total: number;
  private readonly msPerEvent: number;
  private readonly rnd = new EventRandom();

  constructor(config: Partial<NexmarkConfig> = {}) {
    const c = { ...DEFAULT_CONFIG, ...config };
    for (const k of ['rate', 'personProportion', 'auctionProportion', 'bidProportion', 'numActivePeople', 'numInFlightAuctions', 'hotAuctionRatio', 'hotSellersRatio', 'hotBiddersRatio'] as const) {
      if (!(Number.isInteger(c[k]) && c[k] > 0)) throw new RangeError(`Nexmark generator: ${k} must be a positive integer, got ${c[k]}.`);
    }
    this.config = Object.freeze(c);
    this.total = c.personProportion + c.auctionProportion + c.bidProportion;
    this.msPerEvent = 1000 / c.rate;
  }

  /** Event time of event n, epoch ms; never decreases with n. */
  timestamp(n: number): number {
    return this.config.baseTime + Math.floor(n * this.msPerEvent);
  }

  /** Which kind event n is, from its place in its group of `total` events. */
  typeOf(n: number): NexmarkEvent['type'] {
    const r = n % this.total;
    return r < this.config.personProportion ? PERSON : r < this.config.personProportion + this.config.auctionProportion ? AUCTION : BID;
  }

  /** Event n; the same (config, n) always gives the same event. */
  event(n: number): NexmarkEvent {
    const r = n % this.total;
    const c = this.config;
    this.rnd.reset(c.seed, n);
    if (r < c.personProportion) return { type: PERSON, person: this.person(n), auction: null, bid: null };
    if (r < c.personProportion + c.auctionProportion) return { type: AUCTION, person: null, auction: this.auction(n), bid: null };
    return { type: BID, person: null, auction: null, bid: this.bid(n) };
  }

  /** Base-0 id of the newest person at event n (the person itself if n is a person event). */
  lastPersonId(n: number): number {
    const epoch = Math.floor(n / this.total);
    let offset = n % this.total;
    if (offset >= this.config.personProportion) offset = this.config.personProportion - 1;
    return epoch * this.config.personProportion + offset;
  }

  /** Base-0 id of the newest auction at event n (the auction itself if n is an auction event). */
  lastAuctionId(n: number): number {
    const c = this.config;
    let epoch = Math.floor(n / this.total);
    let offset = n % this.total;
    if (offset < c.personProportion) {
      epoch--;
      offset = c.auctionProportion - 1;
    } else if (offset >= c.personProportion + c.auctionProportion) {
      offset = c.auctionProportion - 1;
    } else {
      offset -= c.personProportion;
    }
    return epoch * c.auctionProportion + offset;
  }

  private person(n: number): Person {
    const rnd = this.rnd;
    const name = `${FIRST_NAMES[rnd.nextInt(FIRST_NAMES.length)] as string} ${LAST_NAMES[rnd.nextInt(LAST_NAMES.length)] as string}`;
    const emailAddress = `${this.words(7)}@${this.words(5)}.com`;
    const creditCard = `${this.digits()} ${this.digits()} ${this.digits()} ${this.digits()}`;
    const city = US_CITIES[rnd.nextInt(US_CITIES.length)] as string;
    const state = US_STATES[rnd.nextInt(US_STATES.length)] as string;
    const size = 8 + name.length + emailAddress.length + creditCard.length + city.length + state.length;
    return {
      id: this.lastPersonId(n) + FIRST_PERSON_ID,
      name,
      emailAddress,
      creditCard,
      city,
      state,
      dateTime: this.timestamp(n),
      extra: this.extra(size, this.config.avgPersonByteSize),
    };
  }

  private auction(n: number): Auction {
    const rnd = this.rnd;
    const c = this.config;
    const seller =
      (rnd.nextInt(c.hotSellersRatio) > 0 ? Math.floor(this.lastPersonId(n) / HOT_BLOCK) * HOT_BLOCK : this.randomPerson(n)) + FIRST_PERSON_ID;
    const category = FIRST_CATEGORY_ID + rnd.nextInt(NUM_CATEGORIES);
    const initialBid = this.price();
    const dateTime = this.timestamp(n);
    // Nexmark's auction length: on average the event time until numInFlightAuctions more auctions exist.
    const horizon = this.timestamp(n + Math.floor((c.numInFlightAuctions * this.total) / c.auctionProportion)) - dateTime;
    const expires = dateTime + 1 + rnd.nextInt(Math.max(horizon * 2, 1));
    const itemName = this.words(20);
    const description = this.words(100);
    const reserve = initialBid + this.price();
    return {
      id: this.lastAuctionId(n) + FIRST_AUCTION_ID,
      itemName,
      description,
      initialBid,
      reserve,
      dateTime,
      expires,
      seller,
      category,
      extra: this.extra(8 + itemName.length + description.length + 40, c.avgAuctionByteSize),
    };
  }

  private bid(n: number): Bid {
    const rnd = this.rnd;
    const c = this.config;
    // One draw for three independent choices: hot auction (1 in hotAuctionRatio is not), hot bidder, hot channel.
    let choice = rnd.nextInt(c.hotAuctionRatio * c.hotBiddersRatio * 2);
    const hotAuction = choice % c.hotAuctionRatio > 0;
    choice = Math.floor(choice / c.hotAuctionRatio);
    const hotBidder = choice % c.hotBiddersRatio > 0;
    const hotChannel = Math.floor(choice / c.hotBiddersRatio) > 0;
    const auction = (hotAuction ? Math.floor(this.lastAuctionId(n) / HOT_BLOCK) * HOT_BLOCK : this.randomAuction(n)) + FIRST_AUCTION_ID;
    const bidder = (hotBidder ? Math.floor(this.lastPersonId(n) / HOT_BLOCK) * HOT_BLOCK + 1 : this.randomPerson(n)) + FIRST_PERSON_ID;
    const price = this.price();
    let channel: string;
    let url: string;
    if (hotChannel) {
      const i = rnd.nextInt(HOT_CHANNELS.length);
      channel = HOT_CHANNELS[i] as string;
      url = HOT_URLS[i] as string;
    } else {
      const i = rnd.nextInt(CHANNELS);
      channel = CHANNEL_NAMES[i] as string;
      url = CHANNEL_URLS[i] as string;
    }
    return { auction, bidder, price, channel, url, dateTime: this.timestamp(n), extra: this.extra(32, c.avgBidByteSize) };
  }

  /** One of the active people, or a few ids ahead of the newest (base 0). */
  private randomPerson(n: number): number {
    const people = this.lastPersonId(n) + 1;
    const active = Math.min(people, this.config.numActivePeople);
    return people - active + this.rnd.nextInt(active + PERSON_ID_LEAD);
  }

  /** One of the auctions likely still open, or a few ids ahead of the newest (base 0). */
  private randomAuction(n: number): number {
    const max = this.lastAuctionId(n);
    const min = Math.max(max - this.config.numInFlightAuctions, 0);
    return min + this.rnd.nextInt(max - min + 1 + AUCTION_ID_LEAD);
  }

  /** Cents, 10^(6u) dollars for u uniform in [0, 1) (Nexmark's PriceGenerator). */
  private price(): number {
    const k = this.rnd.nextBits();
    return Math.round((PRICE_HIGH[k >>> 15] as number) * (PRICE_LOW[k & 0x7fff] as number));
  }

  /** 3..maxLength-1 characters of letters and spaces, trimmed (Nexmark's nextString). */
  private words(maxLength: number): string {
    const len = 3 + this.rnd.nextInt(maxLength - 3);
    const at = this.rnd.nextInt(POOL_SIZE - len);
    return WORDS_POOL.substring(at, at + len).trim();
  }

  private digits(): string {
    return FOUR_DIGITS[this.rnd.nextInt(10_000)] as string;
  }

  /** Padding that brings the event to about `average` bytes (±20%), or nothing if it is already larger. */
  private extra(size: number, average: number): string {
    if (size > average) return '';
    const want = average - size;
    const delta = Math.round(want * 0.2);
    const len = want - delta + (delta === 0 ? 0 : this.rnd.nextInt(2 * delta));
    const at = this.rnd.nextInt(POOL_SIZE - len);
    return LETTERS_POOL.substring(at, at + len);
  }
}
