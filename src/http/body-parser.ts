import type { FastifyInstance } from 'fastify';
import { BbreError } from '../errors/bbre-error.js';

/**
 * Contract §1.1: the body is parsed as JSON whatever its declared type, an empty body is `{}`, anything that is
 * not a JSON object is 400 INVALID_REQUEST, and a body over the limit is 413 PAYLOAD_TOO_LARGE.
 */
export function registerJsonBodyParser(app: FastifyInstance, maxBodyBytes: number): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: maxBodyBytes }, (_req, raw, done) => {
    const text = (raw as Buffer).toString('utf8');
    if (text.trim() === '') return done(null, {});
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return done(new BbreError('INVALID_REQUEST', { message: 'The request body is not valid JSON.', details: { field: 'body' } }), undefined);
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      return done(new BbreError('INVALID_REQUEST', { message: 'The request body must be a JSON object.', details: { field: 'body' } }), undefined);
    }
    done(null, value);
  });
}
