import type { EndedReason, Profile, Sensibility } from '../../contract/types.js';
import type { EngineSession, SessionEngine } from '../engine.js';
import { buildChromeProfile } from '../identity/chrome-profile.js';

/** Passive mode: an HTTP client with a persistent cookie jar and a browser identity. Holds no per-session handle. */
export class PassiveEngine implements SessionEngine {
  readonly mode = 'passive' as const;

  createProfile(sensibility: Sensibility, overrides: Profile | undefined): Profile {
    return buildChromeProfile(sensibility, overrides);
  }

  async open(_session: EngineSession): Promise<void> {}

  async release(_sessionId: string, _reason: EndedReason): Promise<void> {}

  async close(): Promise<void> {}
}
