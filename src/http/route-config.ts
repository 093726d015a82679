import type { Principal } from '../domain/accounts/account.service.js';
import type { ErrorCode } from '../errors/codes.js';

export type RouteAuth = 'key' | 'admin' | 'none';

/** Per-route metadata: drives authentication and the OpenAPI document, so docs and routes cannot drift. */
export interface RouteDoc {
  operationId: string;
  summary: string;
  tag: string;
  auth: RouteAuth;
  /** Contract codes this route answers beyond the common ones. */
  errors: ErrorCode[];
  charged?: boolean;
  /** JSON Schema of the body, for documentation only: bodies are parsed by `schemas/` with contract codes. */
  body?: Record<string, unknown>;
  /** Payload keys of the success envelope, for documentation. */
  returns?: string[];
}

declare module 'fastify' {
  interface FastifyContextConfig {
    doc?: RouteDoc;
  }
  interface FastifyRequest {
    principal?: Principal;
  }
}
