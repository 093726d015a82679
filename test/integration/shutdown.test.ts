import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../support/app.js';
import { BACKENDS } from '../support/backends.js';
import { until } from '../support/processes.js';
import { startTargetSite, type TargetSite } from '../support/target-site.js';

let site: TargetSite;
beforeAll(async () => {
  site = await startTargetSite();
});
afterAll(() => site?.close());

describe.skipIf(!BACKENDS.includes('sqlite'))('graceful shutdown (sqlite)', () => {
  it('a request in flight when close begins completes, its keep-alive connection is closed, and close() finishes', async () => {
    const s = await startServer('sqlite');
    let closed = false;
    try {
      const { key } = await s.account(1);
      const sessionId = (await s.call('/session/create', {}, key)).body.session.id as string;
      const before = site.hits.get('/slow') ?? 0;
      const inFlight = s.call('/session/request', { sessionId, url: `${site.url}/slow?ms=800` }, key);
      await until(() => ((site.hits.get('/slow') ?? 0) > before ? true : undefined), 'the request reached the target');
      const closing = s.app.close();
      const res = await inFlight;
      expect(res.status).toBe(200);
      expect(res.body.data.statusCode).toBe(200);
      // Contract §9.4: in-flight work finishes; the answer closes its connection so the server can stop.
      expect(res.headers.get('connection')).toBe('close');
      // Without that, a busy keep-alive socket held close() until the client's idle timeout (over a minute).
      await closing;
      closed = true;
    } finally {
      if (closed) await s.db.drop();
      else await s.close();
    }
  });
});
