import type { Mode, Profile, ProxySpec, Sensibility, SessionStatus, SessionView } from '../../contract/types.js';
import type { TargetPolicy } from '../../security/target-policy.js';
import { BbreError } from '../../errors/bbre-error.js';
import { EngineUnavailableError } from '../../engines/engine.js';
import type { EngineRegistry } from '../../engines/registry.js';
import { newSessionId } from '../../security/ids.js';
import type { AccountRecord, SessionRecord, Store } from '../../storage/ports.js';
import type { BillingService } from '../billing/billing.service.js';
import { microsToUsd, usdToMicros } from '../billing/money.js';
import type { Clock } from '../clock.js';
import { availableEngine, unavailable } from '../engine-access.js';
import type { Logger } from '../logger.js';
import type { SessionReleaser } from './session-releaser.js';
import { effectiveTimeoutSecs, endedSessionError, isExpired, toSessionView } from './session-lifecycle.js';

export interface CreateSessionInput {
  mode: Mode;
  sensibility: Sensibility;
  timeoutSecs: number;
  fingerprint?: Profile;
  proxy?: unknown;
  maxCost?: number;
}

export interface SessionServiceOptions {
  maxSessionTimeoutSecs: number;
  /** A proxy on a literal private address or a local name would reach into our own network. */
  policy: TargetPolicy;
  maxSessionsOf(account: AccountRecord): number;
}

export class SessionService {
  constructor(
    private readonly store: Store,
    private readonly engines: EngineRegistry,
    private readonly billing: BillingService,
    private readonly releaser: SessionReleaser,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly options: SessionServiceOptions,
  ) {}

  async create(account: AccountRecord, input: CreateSessionInput): Promise<{ session: SessionView; costMicros: number }> {
    const timeoutSecs = effectiveTimeoutSecs(input.timeoutSecs, this.options.maxSessionTimeoutSecs);
    const feeMicros = this.billing.price('sessionCreate', input.mode, input.sensibility);
    this.billing.checkMaxCost(feeMicros, input.maxCost);
    const proxy = input.proxy as ProxySpec | undefined;
    if (proxy) {
      const verdict = this.options.policy.checkUrl(new URL(`http://${proxy.host.includes(':') ? `[${proxy.host}]` : proxy.host}:${proxy.port}/`));
      if (!verdict.allowed) throw new BbreError('TARGET_NOT_ALLOWED', { details: { field: 'proxy', reason: `proxy ${verdict.reason}` } });
    }
    const engine = availableEngine(this.engines, input.mode);
    const profile = engine.createProfile(input.sensibility, input.fingerprint);
    const now = this.clock.now();
    const id = newSessionId();
    const outcome = await this.store.sessions.createSession(
      {
        id,
        accountId: account.id,
        mode: input.mode,
        sensibility: input.sensibility,
        timeoutSecs,
        createdAt: now,
        expiresAt: now + timeoutSecs * 1000,
        profile,
        proxy: input.proxy ?? null,
        maxCostMicros: input.maxCost === undefined ? null : usdToMicros(input.maxCost),
      },
      feeMicros,
      this.options.maxSessionsOf(account),
      now,
    );
    if (outcome.kind !== 'account_missing' && outcome.expired.length > 0) await this.releaser.release(outcome.expired);
    switch (outcome.kind) {
      case 'account_missing':
        throw new BbreError('INVALID_API_KEY');
      case 'limit':
        throw new BbreError('SESSION_LIMIT_REACHED', {
          details: { limit: outcome.limit, active: outcome.active, hint: 'Close a session or wait for one to expire' },
        });
      case 'balance':
        throw new BbreError('INSUFFICIENT_BALANCE', { details: { balance: microsToUsd(outcome.balanceMicros), price: microsToUsd(feeMicros) } });
      case 'created':
        break;
    }
    const session = outcome.session;
    this.billing.recordStoreCharge(feeMicros);
    try {
      await engine.open({ id, accountId: account.id, mode: session.mode, sensibility: session.sensibility, profile, proxy: session.proxy, state: null });
    } catch (err) {
      // Contract §3.1: a session that cannot be allocated is not left behind, and its fee is refunded.
      await this.abortCreation(account.id, session, err);
      this.billing.recordStoreRefund(feeMicros);
      if (err instanceof EngineUnavailableError) throw unavailable(err);
      throw err;
    }
    return { session: toSessionView(session), costMicros: feeMicros };
  }

  private async abortCreation(accountId: string, session: SessionRecord, cause: unknown): Promise<void> {
    const now = this.clock.now();
    try {
      // Never usable by the client: the server took it back (`evicted`), not a browser crash.
      await this.store.sessions.endSession(accountId, session.id, 'evicted', now);
      await this.store.billing.refundSessionCreate(accountId, session.id, now);
    } catch (err) {
      this.log.error({ err, cause, sessionId: session.id }, 'undoing a failed session allocation failed');
    }
  }

  /** Loads the caller's session and reconciles expiry (persisting it, releasing resources). */
  async load(account: AccountRecord, sessionId: string, options: { withState?: boolean } = {}): Promise<SessionRecord> {
    const session = await this.store.sessions.getSession(account.id, sessionId, options);
    if (!session) throw new BbreError('SESSION_NOT_FOUND');
    const now = this.clock.now();
    if (!isExpired(session, now)) return session;
    const ended = await this.store.sessions.endSession(account.id, sessionId, 'expired', session.expiresAt);
    if (ended) {
      await this.releaser.release([{ id: ended.id, accountId: ended.accountId, mode: ended.mode, reason: 'expired' }]);
      return ended;
    }
    // Someone else (the sweeper, a close) ended it first: read what they wrote.
    return (await this.store.sessions.getSession(account.id, sessionId)) ?? session;
  }

  async status(account: AccountRecord, sessionId: string): Promise<SessionView> {
    return toSessionView(await this.load(account, sessionId, { withState: false }));
  }

  async close(account: AccountRecord, sessionId: string): Promise<SessionView> {
    const session = await this.load(account, sessionId, { withState: false });
    if (session.status !== 'active') throw endedSessionError(session);
    const closed = await this.store.sessions.endSession(account.id, sessionId, 'closed', this.clock.now());
    if (!closed) {
      const current = await this.store.sessions.getSession(account.id, sessionId);
      throw current ? endedSessionError(current) : new BbreError('SESSION_NOT_FOUND');
    }
    await this.releaser.release([{ id: closed.id, accountId: closed.accountId, mode: closed.mode, reason: 'closed' }]);
    return toSessionView(closed);
  }

  async list(account: AccountRecord, status: SessionStatus | undefined, limit: number, offset: number): Promise<{ sessions: SessionView[]; total: number }> {
    await this.releaser.release(await this.store.sessions.expireDueForAccount(account.id, this.clock.now()));
    const page = await this.store.sessions.listSessions(account.id, status, limit, offset);
    return { sessions: page.items.map(toSessionView), total: page.total };
  }

  /**
   * The error for work whose session ended while it ran (its commit found the session closed): the session's own
   * end, with its reason (`closed`, `crashed`, `evicted`…), and the task refunded.
   */
  async endedWhileWorking(account: AccountRecord, sessionId: string, taskId: string): Promise<BbreError> {
    const current = await this.store.sessions.getSession(account.id, sessionId, { withState: false }).catch(() => undefined);
    const ended = current && current.status !== 'active' ? endedSessionError(current) : new BbreError('SESSION_CLOSED', { details: { status: 'closed', endedReason: 'closed' } });
    return new BbreError(ended.code, { message: ended.message, details: { ...ended.details, taskId, refunded: true } });
  }

  /** The session's browser died under it (contract §4.1: `crashed`); its remaining resources are released. */
  async endLost(accountId: string, sessionId: string): Promise<void> {
    const ended = await this.store.sessions.endSession(accountId, sessionId, 'crashed', this.clock.now());
    if (ended) await this.releaser.release([{ id: ended.id, accountId, mode: ended.mode, reason: 'crashed' }]);
  }

  /** Operator close (`evicted`). */
  async evict(sessionId: string): Promise<SessionView> {
    const accountId = await this.store.sessions.findOwner(sessionId);
    const session = accountId === undefined ? undefined : await this.store.sessions.getSession(accountId, sessionId);
    if (!session || accountId === undefined) throw new BbreError('SESSION_NOT_FOUND');
    const ended = await this.store.sessions.endSession(accountId, sessionId, 'evicted', this.clock.now());
    if (!ended) throw endedSessionError((await this.store.sessions.getSession(accountId, sessionId)) ?? session);
    await this.releaser.release([{ id: ended.id, accountId, mode: ended.mode, reason: 'evicted' }]);
    return toSessionView(ended);
  }
}
