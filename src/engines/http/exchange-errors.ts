import { TargetError } from '../engine.js';
import { TargetNotAllowedError } from './guarded-lookup.js';

const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);
const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME']);
const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);

function* causes(err: unknown): Generator<unknown> {
  for (let e: unknown = err, depth = 0; e && depth < 8; e = (e as { cause?: unknown }).cause, depth++) yield e;
}

/** Classifies a transport failure by what the caller should do (contract §5: reason in details). */
export function toTargetError(err: unknown, ctx: { timedOut: boolean; aborted: boolean; viaProxy: boolean }): TargetError {
  if (err instanceof TargetError) return err;
  for (const e of causes(err)) {
    if (e instanceof TargetNotAllowedError) return new TargetError('not_allowed', e.message, e.reason, { cause: err });
  }
  if (ctx.aborted) return new TargetError('aborted', 'The request was aborted.', 'aborted', { cause: err });
  if (ctx.timedOut) return new TargetError('timeout', 'The target did not answer in time.', 'timeout', { cause: err });
  let reason = 'connect';
  for (const e of causes(err)) {
    const code = String((e as { code?: unknown }).code ?? '');
    const name = String((e as { name?: unknown }).name ?? (e as object)?.constructor?.name ?? '');
    const message = String((e as { message?: unknown }).message ?? '');
    if (TIMEOUT_CODES.has(code) || /Timeout/.test(name)) return new TargetError('timeout', 'The target did not answer in time.', 'timeout', { cause: err });
    if (DNS_CODES.has(code) || /dns error|failed to lookup|Name or service not known/i.test(message)) reason = 'dns';
    else if (RESET_CODES.has(code) || /connection reset|closed before/i.test(message)) reason = 'reset';
    else if (/CERT|TLS|SSL|SELF_SIGNED|UNABLE_TO_VERIFY|certificate/i.test(code + message)) reason = 'tls';
    else if (/Proxy/i.test(name) || /proxy/i.test(message) || code.startsWith('UND_ERR_PRX')) reason = 'proxy';
  }
  if (ctx.viaProxy && (reason === 'connect' || reason === 'reset')) reason = 'proxy';
  const messages: Record<string, string> = {
    dns: 'The target host name could not be resolved.',
    reset: 'The connection to the target was reset.',
    tls: 'The TLS handshake with the target failed.',
    proxy: 'The proxy could not be reached or refused the request.',
    connect: 'Connection refused by the target.',
  };
  return new TargetError('unreachable', messages[reason]!, reason, { cause: err });
}
