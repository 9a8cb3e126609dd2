/**
 * A ketama-style consistent-hash ring.
 *
 * Each server owns `virtualNodes` points on a 32-bit circle: for i in 0..virtualNodes/4, the MD5 of
 * `"<id>-<i>"` yields 16 bytes, read as four little-endian 32-bit points (the libketama / libmemcached
 * layout). A key belongs to the first point clockwise from the first 4 bytes of MD5(key). Adding or removing
 * one of N servers therefore moves only the keys of the arcs that change owner: about 1/N of them.
 *
 * The ring is immutable; the store never removes a server from it when the server fails (see
 * `memcached-store.ts`), so a key always lives on exactly one server and CAS keeps its meaning.
 *
 * @module
 */
import { createHash, hash } from 'node:crypto';

/** Default points per server (ketama's 160: 40 MD5 digests of 4 points each). */
export const DEFAULT_VIRTUAL_NODES = 160;

/** A consistent-hash ring over server ids (e.g. `"127.0.0.1:21211"`). */
export class HashRing<T = string> {
  readonly #points: Uint32Array;
  readonly #owners: Uint16Array;
  readonly #nodes: readonly T[];
  /** Memo of key -> owner index: MD5 costs far more than a Map lookup, and the ring never changes. */
  readonly #memo = new Map<string, number>();
  readonly #memoSize: number;

  /**
   * @param nodes the servers, each with a stable id (its address) and the value to return for it
   * @param virtualNodes points per server (rounded up to a multiple of 4), default 160
   * @param memoSize how many string keys to remember the owner of (the memo is cleared when full)
   */
  constructor(
    nodes: readonly { id: string; node: T }[],
    virtualNodes: number = DEFAULT_VIRTUAL_NODES,
    memoSize = 50_000,
  ) {
    this.#memoSize = memoSize;
    if (nodes.length === 0) throw new RangeError('a hash ring needs at least one node');
    if (nodes.length > 0xffff) throw new RangeError('too many nodes');
    if (!Number.isInteger(virtualNodes) || virtualNodes < 1)
      throw new RangeError('virtualNodes must be a positive integer');
    const ids = new Set(nodes.map((n) => n.id));
    if (ids.size !== nodes.length) throw new RangeError('node ids must be unique');
    const digestsPerNode = Math.ceil(virtualNodes / 4);
    const pairs: { point: number; owner: number; id: string }[] = [];
    nodes.forEach((n, owner) => {
      for (let i = 0; i < digestsPerNode; i++) {
        const digest = createHash('md5').update(`${n.id}-${i}`).digest();
        for (let j = 0; j < 4; j++) pairs.push({ point: digest.readUInt32LE(j * 4), owner, id: n.id });
      }
    });
    // Ties (astronomically rare) are broken by id so every process builds the same ring.
    pairs.sort((a, b) => a.point - b.point || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    this.#points = Uint32Array.from(pairs, (p) => p.point);
    this.#owners = Uint16Array.from(pairs, (p) => p.owner);
    this.#nodes = nodes.map((n) => n.node);
  }

  /** Number of nodes. */
  get size(): number {
    return this.#nodes.length;
  }

  /** The position of `key` on the circle: the first 4 bytes of MD5(key), little-endian. */
  static hash(key: string | Buffer): number {
    return hash('md5', key, 'buffer').readUInt32LE(0);
  }

  /** Index (into the constructor's `nodes`) of the node that owns `key`. */
  indexOf(key: string | Buffer): number {
    if (this.#nodes.length === 1) return 0;
    if (typeof key === 'string') {
      const known = this.#memo.get(key);
      if (known !== undefined) return known;
      const owner = this.#lookup(HashRing.hash(key));
      if (this.#memo.size >= this.#memoSize) this.#memo.clear();
      this.#memo.set(key, owner);
      return owner;
    }
    return this.#lookup(HashRing.hash(key));
  }

  #lookup(h: number): number {
    const points = this.#points;
    // First point >= h; past the last point wraps around to the first.
    let lo = 0;
    let hi = points.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (points[mid]! < h) lo = mid + 1;
      else hi = mid;
    }
    return this.#owners[lo === points.length ? 0 : lo]!;
  }

  /** The node that owns `key`. */
  get(key: string | Buffer): T {
    return this.#nodes[this.indexOf(key)]!;
  }
}
