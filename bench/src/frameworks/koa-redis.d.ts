/** The part of koa-redis 4 (no type declarations of its own) that the Koa benchmark's peer uses. */
declare module 'koa-redis' {
  /** A koa-session external store on an ioredis 4 client; every method returns a promise (co-wrapped generators). */
  interface KoaRedisStore {
    get(key: string): Promise<unknown>;
    /** `SETEX key ceil(maxAge / 1000) JSON` (a plain `SET` without `maxAge`). */
    set(key: string, session: unknown, maxAge?: number): Promise<void>;
    destroy(key: string): Promise<void>;
    quit(): Promise<void>;
  }
  /** Connects with the given ioredis options (`url` for a Redis URL). Callable without `new`. */
  export default function redisStore(options: { url?: string }): KoaRedisStore;
}
