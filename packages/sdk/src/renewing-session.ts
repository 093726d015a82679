import { BBREError, SESSION_ENDED_CODES } from './errors.js';
import { BBRESession } from './session.js';
import type { BBRESessionOptions, BodyShortcutOptions, ClientRequestOptions, RequestResult, ShortcutOptions, StartedSession } from './types.js';

const DEFAULT_RENEW_BEFORE_SECS = 15;

export interface RenewingSessionOptions extends BBRESessionOptions {
  /** Renew when the session has this many seconds left, or fewer. @default 15 */
  renewBefore?: number;
}

/**
 * A session that renews itself: before each request, when the session has `renewBefore` seconds left or fewer (or
 * has ended), it closes it, starts a new one with the same options, and sends the old session's cookies with the
 * new session's first request. A request the server refuses because the session expired or closed in the meantime
 * is sent once more through a renewed session.
 */
export class RenewingSession {
  private current: BBRESession;
  private readonly renewBeforeMs: number;
  private renewalCount = 0;
  private started = false;
  private renewing: Promise<void> | undefined;

  constructor(private readonly options: RenewingSessionOptions) {
    this.current = new BBRESession(options);
    this.renewBeforeMs = (options.renewBefore ?? DEFAULT_RENEW_BEFORE_SECS) * 1000;
  }

  /** The current session (its cookies, profile, browser). It changes at each renewal. */
  get session(): BBRESession {
    return this.current;
  }

  get sessionId(): string | null {
    return this.current.sessionId;
  }

  /** How many times the session was replaced. */
  get renewals(): number {
    return this.renewalCount;
  }

  async start(): Promise<StartedSession> {
    const started = await this.current.start();
    this.started = true;
    return started;
  }

  async request(options: ClientRequestOptions): Promise<RequestResult> {
    if (!this.started) await this.start();
    else if (this.isDue()) await this.renew(this.current);
    const used = this.current;
    try {
      return await used.request(options);
    } catch (err) {
      if (!(err instanceof BBREError) || !SESSION_ENDED_CODES.has(err.code)) throw err;
      await this.renew(used);
      return this.current.request(options);
    }
  }

  get(url: string, options: ShortcutOptions = {}): Promise<RequestResult> {
    return this.request({ ...options, url, method: 'GET' });
  }

  post(url: string, body?: ClientRequestOptions['body'], options: BodyShortcutOptions = {}): Promise<RequestResult> {
    return this.request({ ...options, url, method: 'POST', body });
  }

  /** Closes the current session; resolves as `BBRESession.close()` does. */
  close(): Promise<boolean> {
    this.started = false;
    return this.current.close();
  }

  private isDue(): boolean {
    const { expiresAt } = this.current;
    return !this.current.isActive() || expiresAt === null || expiresAt - Date.now() <= this.renewBeforeMs;
  }

  /** Replaces `old` unless a concurrent call already did; concurrent callers share one renewal. */
  private async renew(old: BBRESession): Promise<void> {
    if (this.current !== old) return;
    this.renewing ??= this.replace(old).finally(() => {
      this.renewing = undefined;
    });
    await this.renewing;
  }

  private async replace(old: BBRESession): Promise<void> {
    const cookies = old.exportCookies();
    try {
      await old.close();
    } catch {
      // The old session ends at its expiry anyway; the new one must not wait on it.
    }
    const next = new BBRESession(this.options);
    await next.start();
    next.setCookies(cookies);
    this.current = next;
    this.renewalCount++;
  }
}
