/**
 * Nexmark's three event kinds and their wrapper, with the field names and order of the Nexmark project's
 * model (github.com/nexmark/nexmark, nexmark-flink `model/Person`, `Auction`, `Bid`, `Event`). Times are epoch
 * milliseconds. Every Event has all four fields, two of them null, so V8 sees one object shape for all events.
 */

export interface Person {
  id: number;
  name: string;
  emailAddress: string;
  creditCard: string;
  city: string;
  state: string;
  dateTime: number;
  extra: string;
}

export interface Auction {
  id: number;
  itemName: string;
  description: string;
  initialBid: number;
  reserve: number;
  dateTime: number;
  expires: number;
  seller: number;
  category: number;
  extra: string;
}

export interface Bid {
  auction: number;
  bidder: number;
  price: number;
  channel: string;
  url: string;
  dateTime: number;
  extra: string;
}

/** Nexmark's `event_type` column: 0 person, 1 auction, 2 bid. */
export const PERSON = 0;
export const AUCTION = 1;
export const BID = 2;
export type EventType = typeof PERSON | typeof AUCTION | typeof BID;

export interface NexmarkEvent {
  type: EventType;
  person: Person | null;
  auction: Auction | null;
  bid: Bid | null;
}

/** The event's time, whatever its kind (Nexmark's computed `dateTime` column of the source table). */
export function eventTime(e: NexmarkEvent): number {
  return e.type === BID ? (e.bid as Bid).dateTime : e.type === AUCTION ? (e.auction as Auction).dateTime : (e.person as Person).dateTime;
}
