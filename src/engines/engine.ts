import type { EndedReason, Mode, Profile, Sensibility } from '../contract/types.js';

/** What an engine knows of a session: identity fixed at open, never storage. */
export interface EngineSession {
  id: string;
  accountId: string;
  mode: Mode;
  sensibility: Sensibility;
  profile: Profile;
  proxy: unknown;
  /** Engine state persisted between requests (e.g. the cookie jar), as the engine last returned it. */
  state: unknown;
}

/**
 * A request engine (contract §4.3). The domain calls `createProfile` and `open` when a session starts and
 * `release` when it ends (close, expiry sweep, eviction, shutdown); engines own their live handles only.
 */
export interface SessionEngine {
  readonly mode: Mode;
  /** Builds the session's identity once; `overrides` is the client's `fingerprint` (already type-checked). */
  createProfile(sensibility: Sensibility, overrides: Profile | undefined): Profile;
  /** Allocates live resources for a new session (a browser context in adaptive mode). */
  open(session: EngineSession): Promise<void>;
  /** Releases the session's live resources; idempotent, and a no-op for a session it does not hold. */
  release(sessionId: string, reason: EndedReason): Promise<void>;
  /** Graceful shutdown: stop taking work, let in-flight work finish, release everything. Idempotent. */
  close(): Promise<void>;
}

/** Why an engine cannot take work at all (e.g. no browser installed). */
export class EngineUnavailableError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly retryAfterSecs?: number,
  ) {
    super(message);
    this.name = 'EngineUnavailableError';
  }
}
