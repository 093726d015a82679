import { ERRORS } from '../errors/codes.js';
import type { RouteDoc } from './route-config.js';

export interface CatalogEntry {
  method: string;
  url: string;
  doc: RouteDoc;
}

const COMMON_KEY_ERRORS = ['API_KEY_REQUIRED', 'INVALID_API_KEY', 'ACCOUNT_SUSPENDED', 'ACCOUNT_INACTIVE', 'INVALID_REQUEST', 'PAYLOAD_TOO_LARGE', 'RATE_LIMIT_EXCEEDED', 'SERVICE_UNAVAILABLE', 'SERVICE_ERROR'] as const;

const toOpenApiPath = (url: string) => url.replace(/:([A-Za-z]+)/g, '{$1}');

/** OpenAPI 3.1 built from the route catalogue: every documented error is a code of the one list. */
export function buildOpenApi(catalog: readonly CatalogEntry[], version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const { method, url, doc } of catalog) {
    const codes = doc.auth === 'key' ? [...new Set([...doc.errors, ...COMMON_KEY_ERRORS])] : doc.errors;
    const byStatus = new Map<number, string[]>();
    for (const code of codes) {
      const status = ERRORS[code].status;
      byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
    }
    const responses: Record<string, unknown> = {
      200: {
        description: doc.returns ? `Success envelope with ${doc.returns.map((r) => `\`${r}\``).join(', ')}` : 'Success',
        ...(doc.charged ? { headers: { 'X-BBRE-Cost': { description: 'Net USD amount kept by this call', schema: { type: 'string' } } } } : {}),
        content: { 'application/json': { schema: { $ref: '#/components/schemas/Success' } } },
      },
    };
    for (const [status, list] of [...byStatus].sort((a, b) => a[0] - b[0])) {
      responses[String(status)] = {
        description: list.join(', '),
        'x-bbre-codes': list,
        content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
      };
    }
    const params = [...url.matchAll(/:([A-Za-z]+)/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
    const op: Record<string, unknown> = {
      operationId: doc.operationId,
      summary: doc.summary,
      tags: [doc.tag],
      security: doc.auth === 'key' ? [{ apiKey: [] }, { apikey: [] }] : doc.auth === 'admin' ? [{ adminToken: [] }] : [],
      responses,
    };
    if (params.length > 0) op.parameters = params;
    if (doc.body) op.requestBody = { required: false, content: { 'application/json': { schema: doc.body } } };
    const path = toOpenApiPath(url);
    paths[path] ??= {};
    paths[path][method.toLowerCase()] = op;
  }
  return {
    openapi: '3.1.0',
    info: { title: 'BBRE: Browser-Backed Request Engine', version, description: 'Drop-in compatible with the MyDisct Solver BBRE API.' },
    paths,
    components: {
      securitySchemes: {
        apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' },
        apikey: { type: 'apiKey', in: 'header', name: 'apikey' },
        adminToken: { type: 'http', scheme: 'bearer' },
      },
      schemas: {
        Success: { type: 'object', required: ['success', 'service'], properties: { success: { const: true }, service: { const: 'MyDisct Solver BBRE' } } },
        Error: {
          type: 'object',
          required: ['success', 'service', 'error'],
          properties: {
            success: { const: false },
            service: { const: 'MyDisct Solver BBRE' },
            error: {
              type: 'object',
              required: ['code', 'message', 'details'],
              properties: { code: { type: 'string', enum: Object.keys(ERRORS) }, message: { type: 'string' }, details: { type: 'object', required: ['retryable'] } },
            },
          },
        },
      },
    },
  };
}

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/** A self-contained HTML rendering of the catalogue (no external assets). */
export function renderDocsHtml(catalog: readonly CatalogEntry[], version: string): string {
  const rows = catalog
    .map(({ method, url, doc }) => {
      const errs = doc.errors.map((c) => `<code>${c}</code> ${ERRORS[c].status}`).join(', ');
      const body = doc.body ? `<pre>${esc(JSON.stringify(doc.body, null, 2))}</pre>` : '';
      return `<section><h3><span class="m">${method}</span> ${esc(url)}</h3><p>${esc(doc.summary)}</p><p><b>Auth:</b> ${doc.auth}${doc.charged ? ' · <b>charged</b>' : ''}</p>${errs ? `<p><b>Errors:</b> ${errs}</p>` : ''}${body}</section>`;
    })
    .join('\n');
  return `<!doctype html><html><head><meta charset="utf-8"><title>BBRE API ${esc(version)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:960px;margin:2em auto;padding:0 1em}section{border-top:1px solid #ddd;padding:.5em 0}.m{background:#225;color:#fff;padding:0 .4em;border-radius:3px}pre{background:#f6f6f6;padding:.5em;overflow:auto}</style>
</head><body><h1>BBRE API</h1><p>Machine-readable: <a href="/openapi.json">/openapi.json</a>. Every error answers <code>{success:false, service, error:{code, message, details}}</code>.</p>${rows}</body></html>`;
}
