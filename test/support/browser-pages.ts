import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** The credentials /form-login accepts (every field of the form must match). */
export const FORM_LOGIN = { user: 'alice', pass: 'open sesame', role: 'admin', remember: 'yes' } as const;

function html(res: ServerResponse, status: number, title: string, body: string, headers: Record<string, string | string[]> = {}): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', ...headers });
  res.end(`<!doctype html><html><head><meta charset="utf-8"><title>${title}</title></head><body>${body}</body></html>`);
}

function cookiesOf(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) out[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return out;
}

const LOGIN_FORM = `
<h1>Sign in</h1>
<form method="post" action="/form-login">
  <input id="user" name="user" autocomplete="off">
  <input id="pass" name="pass" type="password">
  <select id="role" name="role"><option value="viewer">Viewer</option><option value="editor">Editor</option><option value="admin">Admin</option></select>
  <label><input id="remember" name="remember" type="checkbox" value="yes"> Remember me</label>
  <button id="submit" type="submit">Sign in</button>
</form>`;

/**
 * Pages only a real browser gets through, for the adaptive-engine tests: a JavaScript cookie challenge and a
 * login form. Each target site gets its own instance (its own logged-in tokens).
 * Returns whether it answered the request.
 */
export function createBrowserPages(): (req: IncomingMessage, res: ServerResponse, url: URL, body: Buffer) => boolean {
  const tokens = new Map<string, string>();

  return (req, res, url, body) => {
    switch (url.pathname) {
      // The challenge: a script sets a cookie and navigates to the protected page. `status` is the challenge's own
      // HTTP status (real challenge pages answer 403/503); `delay` moves the navigation after the load event;
      // `wait` makes the protected page answer that many ms late.
      case '/js-cookie': {
        const status = Number(url.searchParams.get('status') ?? 200);
        const delay = url.searchParams.get('delay');
        const wait = url.searchParams.get('wait');
        const next = `/js-protected${wait === null ? '' : `?wait=${Number(wait)}`}`;
        const go = `document.cookie = "js_ok=1; path=/"; location.href = "${next}";`;
        const script = delay === null ? go : `addEventListener("load", () => setTimeout(() => { ${go} }, ${Number(delay)}));`;
        html(res, status, 'Checking your browser', `<p>Checking your browser…</p><script>${script}</script>`);
        return true;
      }
      case '/js-protected': {
        const answer = () => {
          if (cookiesOf(req).js_ok !== '1') html(res, 403, 'Denied', '<h1>denied</h1>');
          else html(res, 200, 'Protected', '<h1 id="granted">granted</h1>');
        };
        const wait = Number(url.searchParams.get('wait') ?? 0);
        if (wait > 0) {
          const timer = setTimeout(answer, Math.min(wait, 10_000));
          res.once('close', () => clearTimeout(timer));
        } else answer();
        return true;
      }
      case '/form-login': {
        if (req.method !== 'POST') {
          html(res, 200, 'Sign in', LOGIN_FORM);
          return true;
        }
        const fields = Object.fromEntries(new URLSearchParams(body.toString('utf8')));
        const wrong = Object.entries(FORM_LOGIN).filter(([k, v]) => fields[k] !== v).map(([k]) => k);
        if (wrong.length > 0) {
          html(res, 401, 'Sign in failed', `<h1>wrong: ${wrong.join(',')}</h1>`);
          return true;
        }
        const token = randomBytes(8).toString('hex');
        tokens.set(token, fields.user!);
        res.writeHead(302, { location: '/dashboard', 'set-cookie': `auth=${token}; Path=/; HttpOnly` });
        res.end();
        return true;
      }
      case '/dashboard': {
        const user = tokens.get(cookiesOf(req).auth ?? '');
        if (!user) html(res, 403, 'Forbidden', '<h1>forbidden</h1>');
        else html(res, 200, 'Dashboard', `<h1 id="welcome">Welcome, ${user}</h1><p id="role">role ${FORM_LOGIN.role}</p>`);
        return true;
      }
      case '/page': {
        const title = url.searchParams.get('title') ?? 'Plain page';
        html(res, 200, title, `<h1>${title}</h1><p style="height:2000px">tall content</p>`);
        return true;
      }
      default:
        return false;
    }
  };
}
