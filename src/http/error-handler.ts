import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { BbreError, isBbreError } from '../errors/bbre-error.js';
import { isTransientInfraError } from '../errors/infra.js';
import { fail } from './envelope.js';

/** Fastify's own error codes, mapped to contract codes. */
function fromFastify(err: FastifyError): BbreError | undefined {
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new BbreError('PAYLOAD_TOO_LARGE');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_TYPE':
    case 'FST_ERR_VALIDATION':
      return new BbreError('INVALID_REQUEST', { message: 'The request body could not be read.' });
  }
  if (typeof err.statusCode === 'number' && err.statusCode === 413) return new BbreError('PAYLOAD_TOO_LARGE');
  if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) return new BbreError('INVALID_REQUEST');
  return undefined;
}

export function toBbreError(err: unknown): BbreError {
  if (isBbreError(err)) return err;
  const mapped = fromFastify(err as FastifyError);
  if (mapped) return mapped;
  if (isTransientInfraError(err)) return new BbreError('SERVICE_UNAVAILABLE', { message: 'The database is unavailable. Please retry shortly.', retryAfterSecs: 2, cause: err });
  return new BbreError('SERVICE_ERROR', { cause: err });
}

const sentCodes = new WeakMap<FastifyRequest, string>();

/** The BBRE error code a request was answered with, if it failed. */
export function errorCodeOf(request: FastifyRequest): string | undefined {
  return sentCodes.get(request);
}

export function sendError(reply: FastifyReply, err: BbreError): FastifyReply {
  sentCodes.set(reply.request, err.code);
  if (err.retryAfterSecs !== undefined) reply.header('retry-after', String(err.retryAfterSecs));
  return reply.code(err.status).send(fail(err));
}

/** The one mapping to the envelope: every error, ours or Fastify's, leaves as `{success:false, service, error}`. */
export function registerErrorHandling(app: FastifyInstance, isKnownPath: (url: string) => boolean): void {
  app.setErrorHandler((error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const err = toBbreError(error);
    // Only our own failures deserve a stack; a target that does not answer or a full queue is an outcome.
    if (err.code === 'SERVICE_ERROR') request.log.error({ err: error, code: err.code }, 'request failed');
    else if (err.status >= 500) request.log.warn({ code: err.code, reason: err.details.reason, cause: (err.cause as Error | undefined)?.message }, 'request not served');
    return sendError(reply, err);
  });
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '/';
    const err = isKnownPath(path)
      ? new BbreError('METHOD_NOT_ALLOWED', { details: { method: request.method, path } })
      : new BbreError('NOT_FOUND', { details: { path } });
    return sendError(reply, err);
  });
}
