// README "Session workflow examples", JavaScript (axios). Reads BBRE_API_BASE, BBRE_API_KEY, BBRE_SITE_URL (the demo site).
import axios from 'axios';

const api = axios.create({
  baseURL: process.env.BBRE_API_BASE || 'http://127.0.0.1:8080', // hosted service: https://bbre-solver-api.mydisct.com
  headers: { 'x-api-key': process.env.BBRE_API_KEY || 'YOUR_API_KEY' },
  timeout: 150_000,
});
const SITE = process.env.BBRE_SITE_URL || 'http://127.0.0.1:3000';

try {
  const { data: created } = await api.post('/session/create', { mode: 'passive', sensibility: 'medium', timeout: 300 });
  const sessionId = created.session.id;
  console.log('session', sessionId, 'expires at', created.session.expiresAt);
  try {
    const login = await api.post('/session/request', {
      sessionId,
      url: `${SITE}/login`,
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: { username: 'demo', password: 'secret' },
    });
    const { statusCode, url, redirects, cookies } = login.data.data;
    console.log('login:', statusCode, url, redirects, cookies, 'cost', login.headers['x-bbre-cost']);

    const { data: page } = await api.post('/session/request', { sessionId, url: `${SITE}/account` });
    console.log('account:', page.data.statusCode, page.data.body);

    const { data: status } = await api.post('/session/status', { sessionId });
    console.log('status:', status.session.status, status.session.requestCount, status.session.totalCharged);
  } finally {
    const { data: closed } = await api.post('/session/close', { sessionId });
    console.log('closed:', closed.session.status, closed.session.endedReason);
  }
} catch (err) {
  // Error envelopes arrive as non-2xx answers: {success: false, error: {code, message, details}}.
  if (err.response) console.error(err.response.status, err.response.data.error);
  else throw err;
  process.exitCode = 1;
}
