/**
 * The demo user directory. Passwords are hashed with `crypto.scrypt` (random salt per user) when the directory
 * is built, and a login attempt is checked by hashing the submitted password the same way and comparing in
 * constant time. The plain passwords are never kept or compared.
 *
 * @module
 */
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const scryptAsync = promisify(scrypt) as (
  password: string,
  salt: Buffer,
  keylen: number,
  options: object,
) => Promise<Buffer>;

/**
 * scrypt cost parameters: one of OWASP's equivalent minimum settings (N=2^14, r=8, p=5: 16 MiB per hash),
 * chosen over N=2^17/p=1 because it needs an eighth of the memory for the same work.
 */
const SCRYPT = { N: 2 ** 14, r: 8, p: 5, maxmem: 64 * 1024 * 1024 } as const;
const KEY_LENGTH = 32;

/** A user as the shop sees it. */
export interface User {
  /** Stable id, used as the session owner (`userId`). */
  id: string;
  /** Login name. */
  username: string;
  /** Shown in the header. */
  displayName: string;
}

/** A demo account: the credentials printed at startup. */
export interface DemoAccount {
  username: string;
  password: string;
  displayName: string;
}

/** The demo accounts `npm start` prints. */
export const DEMO_ACCOUNTS: readonly DemoAccount[] = [
  { username: 'alice', password: 'alice', displayName: 'Alice' },
  { username: 'bob', password: 'bob', displayName: 'Bob' },
];

interface StoredUser extends User {
  salt: Buffer;
  hash: Buffer;
}

async function hashPassword(password: string, salt: Buffer): Promise<Buffer> {
  return scryptAsync(password.normalize('NFKC'), salt, KEY_LENGTH, SCRYPT);
}

/** Users with scrypt-hashed passwords. Build it with {@link UserDirectory.create}. */
export class UserDirectory {
  readonly #byName: Map<string, StoredUser>;
  readonly #byId: Map<string, StoredUser>;
  /** Hashed against for unknown names, so a miss costs as much time as a wrong password. */
  readonly #decoy: { salt: Buffer; hash: Buffer };

  private constructor(users: StoredUser[], decoy: { salt: Buffer; hash: Buffer }) {
    this.#byName = new Map(users.map((u) => [u.username, u]));
    this.#byId = new Map(users.map((u) => [u.id, u]));
    this.#decoy = decoy;
  }

  /** Hashes every account's password (a fresh salt each) and returns the directory. */
  static async create(accounts: readonly DemoAccount[] = DEMO_ACCOUNTS): Promise<UserDirectory> {
    const users = await Promise.all(
      accounts.map(async (a): Promise<StoredUser> => {
        const salt = randomBytes(16);
        return {
          id: `user:${a.username}`,
          username: a.username,
          displayName: a.displayName,
          salt,
          hash: await hashPassword(a.password, salt),
        };
      }),
    );
    const salt = randomBytes(16);
    return new UserDirectory(users, { salt, hash: await hashPassword(randomBytes(16).toString('hex'), salt) });
  }

  /** The user with valid credentials, or `null`. Unknown names take as long as wrong passwords. */
  async verify(username: string, password: string): Promise<User | null> {
    const user = this.#byName.get(username.trim().toLowerCase());
    const { salt, hash } = user ?? this.#decoy;
    const candidate = await hashPassword(password, salt);
    const ok = timingSafeEqual(candidate, hash);
    return ok && user ? publicUser(user) : null;
  }

  /** The user with this id (the session's `userId`), or `null`. */
  byId(id: string | undefined): User | null {
    const user = id === undefined ? undefined : this.#byId.get(id);
    return user ? publicUser(user) : null;
  }
}

function publicUser(u: StoredUser): User {
  return { id: u.id, username: u.username, displayName: u.displayName };
}
