import { BrowserAPI } from './browser.js';
import { BBREClient, compact } from './client.js';
import { LocalCookieJar } from './cookie-jar.js';
import { BBREError, SESSION_ENDED_CODES, clientError } from './errors.js';
import { transportOf } from './transport.js';
import type {
  BBRESessionOptions,
  BrowserSpeed,
  ClientRequestOptions,
  Cookie,
  CookieAttributes,
  Profile,
  Proxy,
  RequestResult,
  SessionInfo,
  SessionSummary,
  StartedSession,
} from './types.js';

const DEFAULT_SESSION_TIME_SECS = 300;

/**
 * A stateful session: one cookie jar, one fingerprint profile and an optional proxy on the server, shared by every
 * request sent through it. While the session is active, `request()` goes through it; otherwise it falls back to a
 * stateless request with the session's settings, unless `forceMode` is set.
 */
export class BBRESession extends BBREClient {
  /** Lifetime in seconds asked for at `start()`. @default 300 */
  readonly sessionTime: number;
  /** Never fall back to stateless requests. @default false */
  readonly forceMode: boolean;
  /** Pacing of browser actions, sent as `speed`. */
  readonly browserSpeed: BrowserSpeed | undefined;
  readonly fingerprint: Profile | undefined;
  readonly proxy: Proxy | undefined;
  /** Drives the browser of an adaptive session. */
  readonly browser: BrowserAPI;

  private readonly maxCost: number | undefined;
  private readonly jar = new LocalCookieJar();
  private id: string | null = null;
  private expiry: number | null = null;
  private currentProfile: Profile | null = null;
  /** The server said the session ended (expired, closed, gone) before its local expiry. */
  private ended = false;

  constructor(options: BBRESessionOptions) {
    super(options);
    this.sessionTime = options.sessionTime ?? DEFAULT_SESSION_TIME_SECS;
    this.forceMode = options.forceMode ?? false;
    this.browserSpeed = options.browserSpeed;
    this.fingerprint = options.fingerprint;
    this.proxy = options.proxy;
    this.maxCost = options.maxCost;
    this.browser = new BrowserAPI(this);
  }

  /**
   * A session object for a session that already exists (created elsewhere, e.g. by another process), without an API
   * call. Until a response tells it the expiry (`known.expiresAt`, or the first session request or `status()`), it
   * counts as active and the server decides.
   */
  static attach(options: BBRESessionOptions, sessionId: string, known: { expiresAt?: number; profile?: Profile } = {}): BBRESession {
    const session = new BBRESession(options);
    session.id = sessionId;
    session.expiry = known.expiresAt ?? null;
    session.currentProfile = known.profile ?? null;
    return session;
  }

  /** The session's ID; `null` before `start()` and after `close()`. */
  get sessionId(): string | null {
    return this.id;
  }

  /** ms epoch of the expiry the server announced; `null` when there is no session. */
  get expiresAt(): number | null {
    return this.expiry;
  }

  /** The session's fingerprint profile; `null` when there is no session. */
  get profile(): Profile | null {
    return this.currentProfile;
  }

  /**
   * `/session/create` with the session's mode, sensibility, lifetime, fingerprint and proxy. An active session is
   * kept as it is; an ended one is replaced by a new session with an empty jar.
   */
  async start(): Promise<StartedSession> {
    // An attached session learns its state first; one the server no longer knows is replaced below.
    if (this.id !== null && !this.ended && this.expiry === null) {
      await this.status().catch((err: unknown) => {
        if (!(err instanceof BBREError) || !SESSION_ENDED_CODES.has(err.code)) throw err;
      });
    }
    if (this.isActive() && this.expiry !== null) return { sessionId: this.id!, expiresAt: this.expiry, profile: this.currentProfile ?? {} };
    const body = compact({
      mode: this.mode,
      sensibility: this.sensibility,
      timeout: this.sessionTime,
      fingerprint: this.fingerprint,
      proxy: this.proxy,
      maxCost: this.maxCost,
    });
    const { session } = await transportOf(this).call<{ session: SessionInfo }>('/session/create', { body });
    this.jar.reset();
    this.id = session.id;
    this.expiry = session.expiresAt;
    this.currentProfile = session.profile ?? null;
    this.ended = false;
    return { sessionId: session.id, expiresAt: session.expiresAt, profile: session.profile };
  }

  /**
   * `/session/close`, then forgets the ID, expiry, cookies and profile. Resolves `true` when this call closed the
   * session, `false` when there was none or the server says it had already ended (closed, expired or gone).
   */
  async close(): Promise<boolean> {
    const sessionId = this.id;
    if (!sessionId) return false;
    let closedNow = true;
    try {
      await transportOf(this).call('/session/close', { body: { sessionId } });
    } catch (err) {
      if (!(err instanceof BBREError) || !SESSION_ENDED_CODES.has(err.code)) throw err;
      closedNow = false;
    }
    if (this.id === sessionId) this.reset();
    return closedNow;
  }

  /** `/session/status` of this session: the session object. Teaches the local state the server's view. */
  async status(): Promise<SessionInfo> {
    const sessionId = this.requireId();
    let session: SessionInfo;
    try {
      session = await this.getSessionStatus(sessionId);
    } catch (err) {
      this.noteFailure(sessionId, err);
      throw err;
    }
    if (this.id === sessionId) {
      this.expiry = session.expiresAt;
      if (session.profile) this.currentProfile = session.profile;
      if (session.status !== 'active') this.ended = true;
    }
    return session;
  }

  /** Local: the session's ID, or `null`. */
  getSessionId(): string | null {
    return this.id;
  }

  /**
   * Local, no API call: there is a session, the server has not said it ended, and its expiry is still ahead (an
   * attached session whose expiry is not known yet counts as active).
   */
  isActive(): boolean {
    return this.id !== null && !this.ended && (this.expiry === null || Date.now() < this.expiry);
  }

  /**
   * Through the session while it is active (`/session/request`, with the local cookie changes); otherwise a
   * stateless request with the session's mode, sensibility, proxy and fingerprint, or `SESSION_NOT_ACTIVE` with
   * `forceMode`. Inside the session, `mode`, `sensibility`, `proxy`, `fingerprint` and `async` do not apply.
   */
  override async request(options: ClientRequestOptions): Promise<RequestResult> {
    if (this.isActive()) return this.sessionRequest(options);
    if (this.forceMode) {
      throw clientError('SESSION_NOT_ACTIVE', 'The session is not active (forceMode is on): start a new session first.', { sessionId: this.id, retryable: false });
    }
    return super.request({ ...options, proxy: options.proxy ?? this.proxy, fingerprint: options.fingerprint ?? this.fingerprint });
  }

  /** The local jar, name → value. */
  getCookies(): Record<string, string> {
    return this.jar.values();
  }

  /** The local jar with each cookie's known attributes, e.g. to carry into another session with `setCookies`. */
  exportCookies(): Cookie[] {
    return this.jar.list();
  }

  /** A local change, sent as `cookies` with the next session request. */
  setCookie(name: string, value: string, attributes?: CookieAttributes): this {
    this.jar.set(name, value, attributes);
    return this;
  }

  setCookies(cookies: Record<string, string> | Cookie[]): this {
    this.jar.setMany(cookies);
    return this;
  }

  /** Empties the local jar; the next session request deletes each of those cookies on the server. */
  clearCookies(): this {
    this.jar.clear();
    return this;
  }

  getProfile(): Profile | null {
    return this.currentProfile;
  }

  hasProfile(): boolean {
    return this.currentProfile !== null;
  }

  private async sessionRequest(options: ClientRequestOptions): Promise<RequestResult> {
    const sessionId = this.requireId();
    const { async: _async, mode: _mode, sensibility: _sensibility, proxy: _proxy, fingerprint: _fingerprint, cookies, ...rest } = options;
    const sent = this.jar.outgoing(cookies);
    let out: { data: RequestResult; session?: SessionSummary };
    try {
      out = await transportOf(this).call('/session/request', { body: compact({ ...rest, sessionId, cookies: sent, timeout: rest.timeout ?? this.timeout }) });
    } catch (err) {
      this.noteFailure(sessionId, err);
      throw err;
    }
    if (this.id === sessionId) {
      this.jar.commit(sent, cookies, out.data.cookies, out.data.url);
      if (out.data.profile) this.currentProfile = out.data.profile;
      if (out.session) {
        this.expiry = out.session.expiresAt;
        if (out.session.status !== 'active') this.ended = true;
      }
    }
    return out.data;
  }

  private requireId(): string {
    if (this.id === null) throw clientError('SESSION_NOT_ACTIVE', 'There is no session: call start() first.', { retryable: false });
    return this.id;
  }

  /** The server says the session is over: later requests fall back (or throw with forceMode). */
  private noteFailure(sessionId: string, err: unknown): void {
    if (this.id === sessionId && err instanceof BBREError && SESSION_ENDED_CODES.has(err.code)) this.ended = true;
  }

  private reset(): void {
    this.id = null;
    this.expiry = null;
    this.currentProfile = null;
    this.ended = false;
    this.jar.reset();
  }
}
