/**
 * Expiry presets for common policies. Spread one into the manager options:
 * `new SessionManager({ ...expiryPresets.nistAal2, store })`.
 *
 * @module
 */

/** The two required timeouts. */
export interface ExpiryPolicy {
  /** Sliding timeout: the session dies after this long without use, in milliseconds. */
  idleTimeout: number;
  /** Hard cap from creation (or from the last authentication), in milliseconds. */
  absoluteTimeout: number;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** Named expiry policies. */
export const expiryPresets = {
  /** NIST SP 800-63B AAL2: re-authenticate after 24 h; 1 h of inactivity ends the session. */
  nistAal2: { idleTimeout: HOUR, absoluteTimeout: 24 * HOUR },
  /** NIST SP 800-63B AAL3: re-authenticate after 12 h; 15 min of inactivity ends the session. */
  nistAal3: { idleTimeout: 15 * MINUTE, absoluteTimeout: 12 * HOUR },
  /** A common web default: 30 min idle, 8 h absolute (a working day). */
  workday: { idleTimeout: 30 * MINUTE, absoluteTimeout: 8 * HOUR },
} as const satisfies Record<string, ExpiryPolicy>;
