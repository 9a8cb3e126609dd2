/**
 * What the operator page polls: every instance's `/metrics` scraped (this one and its configured peers), turned
 * into a short history of {@link Point}s per instance. Scrapes happen only while someone polls; polls closer
 * together than {@link OperatorFeedOptions.minIntervalMs} share one scrape, so several open pages cost the same as one.
 *
 * @module
 */
import type { OperatorPeer } from '../config.js';
import type { Point, Snapshot } from './figures.js';
import { pointBetween, snapshotOf } from './figures.js';
import { parsePrometheusText } from './prometheus-text.js';

/** One instance's recent figures, as the page receives them. */
export interface InstanceFigures {
  readonly name: string;
  /** Whether its last scrape succeeded. */
  readonly up: boolean;
  /** Why the last scrape failed. */
  readonly error?: string;
  /** Oldest first. */
  readonly points: readonly Point[];
}

/** The page's data: this instance first, then its peers. */
export interface OperatorData {
  readonly instances: readonly InstanceFigures[];
}

/** Options of {@link OperatorFeed}. */
export interface OperatorFeedOptions {
  /** This instance's `INSTANCE_NAME`. */
  self: string;
  /** The other instances to show. */
  peers: readonly OperatorPeer[];
  /** Points kept per instance. Default 90 (3 minutes at the page's 2 s refresh). */
  historyLength?: number;
  /** Polls closer together than this reuse the last scrape. Default 1000 ms. */
  minIntervalMs?: number;
  /** A peer that does not answer within this long counts as down. Default 1500 ms. */
  scrapeTimeoutMs?: number;
}

interface InstanceState {
  readonly name: string;
  last: Snapshot | undefined;
  readonly points: Point[];
  up: boolean;
  error: string | undefined;
}

/** Scrapes the instances on demand and keeps their recent figures. */
export class OperatorFeed {
  readonly #options: Required<OperatorFeedOptions>;
  readonly #states: InstanceState[];
  #current: Promise<OperatorData> | undefined;
  #scrapedAt = 0;

  constructor(options: OperatorFeedOptions) {
    this.#options = { historyLength: 90, minIntervalMs: 1000, scrapeTimeoutMs: 1500, ...options };
    this.#states = [options.self, ...options.peers.map((p) => p.name)].map((name) => ({
      name,
      last: undefined,
      points: [],
      up: false,
      error: undefined,
    }));
  }

  /** The figures, scraping again unless the last scrape is recent. `selfUrl` is this instance's base URL. */
  data(selfUrl: string): Promise<OperatorData> {
    if (!this.#current || Date.now() - this.#scrapedAt >= this.#options.minIntervalMs) {
      this.#scrapedAt = Date.now();
      this.#current = this.#scrape(selfUrl);
    }
    return this.#current;
  }

  async #scrape(selfUrl: string): Promise<OperatorData> {
    const urls = [selfUrl, ...this.#options.peers.map((p) => p.url)];
    await Promise.all(this.#states.map((state, i) => this.#scrapeOne(state, urls[i]!)));
    return {
      instances: this.#states.map(({ name, up, error, points }) => ({
        name,
        up,
        ...(error ? { error } : {}),
        points: [...points],
      })),
    };
  }

  async #scrapeOne(state: InstanceState, baseUrl: string): Promise<void> {
    try {
      const response = await fetch(`${baseUrl}/metrics`, {
        signal: AbortSignal.timeout(this.#options.scrapeTimeoutMs),
      });
      const text = await response.text();
      if (!response.ok) throw new Error(`/metrics answered ${response.status}`);
      const snapshot = snapshotOf(parsePrometheusText(text), Date.now());
      if (state.last) state.points.push(pointBetween(state.last, snapshot));
      if (state.points.length > this.#options.historyLength) state.points.shift();
      state.last = snapshot;
      state.up = true;
      state.error = undefined;
    } catch (error) {
      state.up = false;
      state.error = error instanceof Error ? error.message : String(error);
    }
  }
}
