import type { FastifyInstance, FastifyRequest, onRequestHookHandler } from 'fastify';
import type { AccountService, Principal } from '../domain/accounts/account.service.js';
import { BbreError } from '../errors/bbre-error.js';
import { secretsEqual } from '../security/api-key.js';
import { TokenBuckets } from '../security/token-bucket.js';

export interface AuthOptions {
  accounts: AccountService;
  adminToken: string | undefined;
  rateLimitRps: number;
  rateLimitBurst: number;
  now(): number;
  isDraining(): boolean;
}

function apiKeyOf(req: FastifyRequest): string | undefined {
  // Contract §1.2: x-api-key wins over apikey; Node lowercases header names.
  const h = req.headers['x-api-key'] ?? req.headers.apikey;
  return Array.isArray(h) ? h[0] : h;
}

/**
 * onRequest, before the body is read: shutdown drain → authentication (key or admin token) → rate limit.
 * Runs before parsing, so an unauthenticated caller never gets its body parsed. The hook is attached to each
 * route that needs it when the route is added, so a request never looks its route's options up (Fastify
 * builds them anew on every read) and open routes run no auth hook at all.
 */
export function registerAuth(app: FastifyInstance, opts: AuthOptions): void {
  const buckets = new TokenBuckets();
  const admit = (req: FastifyRequest, principal: Principal): void => {
    req.principal = principal;
    const { account } = principal;
    const limits = { rps: account.rateLimitRps ?? opts.rateLimitRps, burst: account.rateLimitBurst ?? opts.rateLimitBurst };
    const taken = buckets.take(principal.keyHash, limits, opts.now());
    if (!taken.ok) throw new BbreError('RATE_LIMIT_EXCEEDED', { retryAfterSecs: taken.retryAfterSecs, details: { limit: limits.rps, burst: limits.burst } });
  };
  const notDraining = (): void => {
    if (opts.isDraining()) throw new BbreError('SERVICE_UNAVAILABLE', { message: 'The server is shutting down.', retryAfterSecs: 5 });
  };
  const adminAuth: onRequestHookHandler = (req, _reply, done) => {
    try {
      notDraining();
      const header = req.headers.authorization;
      const token = typeof header === 'string' && /^Bearer\s+/i.test(header) ? header.replace(/^Bearer\s+/i, '').trim() : undefined;
      if (!token) throw new BbreError('ADMIN_TOKEN_REQUIRED');
      if (!opts.adminToken || !secretsEqual(token, opts.adminToken)) throw new BbreError('INVALID_ADMIN_TOKEN');
      done();
    } catch (err) {
      done(err as Error);
    }
  };
  // Callback style: a key authenticated moments ago (the common case) is admitted without a promise.
  const keyAuth: onRequestHookHandler = (req, _reply, done) => {
    try {
      notDraining();
      const key = apiKeyOf(req);
      const recent = opts.accounts.recentlyAuthenticated(key);
      if (recent) {
        admit(req, recent);
        return done();
      }
      opts.accounts.authenticate(key).then(
        (principal) => {
          try {
            admit(req, principal);
            done();
          } catch (err) {
            done(err as Error);
          }
        },
        (err: Error) => done(err),
      );
    } catch (err) {
      done(err as Error);
    }
  };
  app.addHook('onRoute', (route) => {
    const auth = route.config?.doc?.auth;
    if (!auth || auth === 'none') return;
    const hook = auth === 'admin' ? adminAuth : keyAuth;
    const existing = route.onRequest === undefined ? [] : Array.isArray(route.onRequest) ? route.onRequest : [route.onRequest];
    // A GET's automatic HEAD route passes through here with the GET's hooks already in place.
    if (!existing.includes(hook)) route.onRequest = [...existing, hook];
  });
}
