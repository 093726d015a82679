import type { Duplex } from 'node:stream';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { BbreError, isBbreError } from '../errors/bbre-error.js';
import { asServiceFailure } from '../errors/infra.js';
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

/** Errors Fastify raises before routing (a malformed URL, an over-long path parameter) get the envelope too. */
export function frameworkError(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const err =
    error.code === 'FST_ERR_BAD_URL'
      ? new BbreError('INVALID_REQUEST', { message: 'The request URL is malformed.' })
      : error.code === 'FST_ERR_MAX_PARAM_LENGTH'
        ? new BbreError('INVALID_REQUEST', { message: 'A path parameter of the request URL is too long.' })
        : toBbreError(error);
  void sendError(reply, err);
}

const REASONS: Record<number, string> = { 400: 'Bad Request', 405: 'Method Not Allowed', 413: 'Payload Too Large' };

/** A complete HTTP/1.1 answer carrying the envelope, for sockets Fastify never turned into a request. */
export function rawErrorResponse(err: BbreError): string {
  const body = JSON.stringify(fail(err));
  return `HTTP/1.1 ${err.status} ${REASONS[err.status] ?? 'Error'}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`;
}

/**
 * Node's HTTP parser refused the request (control bytes in a header, bad framing, an unknown method, headers over
 * the size limit): answer with the envelope and close, instead of Node's bare `400 Bad Request`.
 */
export function clientError(error: Error & { code?: string }, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const err =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? new BbreError('PAYLOAD_TOO_LARGE', { message: 'The request headers are too large.' })
      : new BbreError('INVALID_REQUEST', { message: 'The request could not be read as HTTP.' });
  socket.end(rawErrorResponse(err));
}

export function toBbreError(err: unknown): BbreError {
  if (isBbreError(err)) return err;
  const mapped = fromFastify(err as FastifyError);
  if (mapped) return mapped;
  return asServiceFailure(err);
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
