import { isIP } from 'node:net';
import type { EndedReason, Profile, ProxySpec, Sensibility } from '../../contract/types.js';
import type { TargetPolicy } from '../../security/target-policy.js';
import { TargetError, type EngineRequest, type EngineResult, type EngineSession, type ExecuteOptions, type SessionEngine } from '../engine.js';
import { encodeBody } from '../http/body-codec.js';
import { SessionCookieJar, replayCookieOps } from '../http/cookie-jar.js';
import { runExchange } from '../http/exchange.js';
import { assertResolvedAllowed, TargetNotAllowedError } from '../http/guarded-lookup.js';
import { ImpitTransport } from '../http/impit.transport.js';
import type { Transport } from '../http/transport.js';
import { UndiciDispatchers, UndiciTransport } from '../http/undici.transport.js';
import { buildChromeProfile } from '../identity/chrome-profile.js';
import { identityHeaders } from '../identity/header-sets.js';

export interface PassiveEngineOptions {
  policy: TargetPolicy;
  maxResponseBytes: number;
}

/** What the passive engine keeps in the session's stored state besides the jar. */
interface PassiveState {
  lastUrl?: string;
}

/**
 * Passive mode: an HTTP client with a persistent cookie jar and a browser identity (contract §4.3).
 * low → undici with realistic headers; medium/high → impit (Chrome TLS + HTTP/2) with Chromium's header set.
 * Live handles: one impit client per session (its connection pool and TLS identity), released with the session.
 */
export class PassiveEngine implements SessionEngine {
  readonly mode = 'passive' as const;
  private readonly dispatchers: UndiciDispatchers;
  private readonly impitClients = new Map<string, ImpitTransport>();
  private closing: Promise<void> | undefined;

  constructor(private readonly options: PassiveEngineOptions) {
    this.dispatchers = new UndiciDispatchers(options.policy);
  }

  createProfile(sensibility: Sensibility, overrides: Profile | undefined): Profile {
    return buildChromeProfile(sensibility, overrides);
  }

  async open(_session: EngineSession): Promise<void> {}

  async execute(session: EngineSession, request: EngineRequest, options: ExecuteOptions = {}): Promise<EngineResult> {
    if (this.closing) throw new TargetError('aborted', 'The engine is shutting down.', 'shutdown');
    const proxy = (session.proxy ?? undefined) as ProxySpec | undefined;
    if (proxy) await this.checkProxy(proxy);
    const jar = SessionCookieJar.fromState(session.state);
    const lastUrl = (session.state as PassiveState | null)?.lastUrl;
    const referrer = lastUrl ? new URL(lastUrl) : undefined;
    const out = await runExchange({
      transport: this.transportFor(session, proxy, request.verifySSL),
      policy: this.options.policy,
      jar,
      request,
      identity: (target, method, hasBody) => identityHeaders(session.profile, session.sensibility, { target, referrer, method, hasBody }),
      maxResponseBytes: this.options.maxResponseBytes,
      viaProxy: proxy !== undefined,
      signal: options.signal,
    });
    const ops = jar.ops;
    const contentType = out.headers['content-type'];
    return {
      ...out,
      ...encodeBody(out.body, typeof contentType === 'string' ? contentType : undefined),
      cookies: { ...jar.setByTarget },
      updateState: (stored) => ({ ...replayCookieOps(stored, ops), lastUrl: out.url }),
    };
  }

  /** A proxy on a private address would reach into our own network: the target policy applies to it too. */
  private async checkProxy(proxy: ProxySpec): Promise<void> {
    const policy = this.options.policy;
    if (policy.allowPrivate) return;
    try {
      if (isIP(proxy.host)) {
        const verdict = policy.checkAddress(proxy.host);
        if (!verdict.allowed) throw new TargetNotAllowedError(`proxy ${verdict.reason}`);
      } else await assertResolvedAllowed(proxy.host, policy);
    } catch (err) {
      if (err instanceof TargetNotAllowedError) throw new TargetError('not_allowed', err.message, err.reason);
      throw new TargetError('unreachable', 'The proxy could not be reached or refused the request.', 'proxy', { cause: err });
    }
  }

  private transportFor(session: EngineSession, proxy: ProxySpec | undefined, verifySSL: boolean): Transport {
    if (session.sensibility === 'low') return new UndiciTransport(this.dispatchers.get(proxy, verifySSL));
    const key = `${session.id}|${verifySSL}`;
    let client = this.impitClients.get(key);
    if (!client) {
      client = new ImpitTransport({ proxy, verifySSL });
      this.impitClients.set(key, client);
    }
    return client;
  }

  async release(sessionId: string, _reason: EndedReason): Promise<void> {
    for (const key of [`${sessionId}|true`, `${sessionId}|false`]) {
      const client = this.impitClients.get(key);
      this.impitClients.delete(key);
      await client?.close();
    }
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      const clients = [...this.impitClients.values()];
      this.impitClients.clear();
      await Promise.allSettled([...clients.map((c) => c.close()), this.dispatchers.close()]);
    })();
    return this.closing;
  }
}
