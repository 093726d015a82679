// README "Session workflow examples": the demo site. A login form at /login; POST /login sets a session cookie
// and redirects to /account, which needs that cookie. Reads DEMO_SITE_PORT (default 3000; 0 picks a free port).
import { createServer } from 'node:http';

const LOGIN_FORM = `<!doctype html><title>Sign in</title>
<form method="post" action="/login">
  <input id="username" name="username"> <input id="password" name="password" type="password">
  <button id="login" type="submit">Sign in</button>
</form>`;

const server = createServer((req, res) => {
  let body = '';
  req.on('data', (chunk) => (body += chunk));
  req.on('end', () => {
    const form = new URLSearchParams(body);
    const loggedIn = /(^|;\s*)sid=s3cr3t(;|$)/.test(req.headers.cookie ?? '');
    if (req.method === 'GET' && req.url === '/login') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(LOGIN_FORM);
    } else if (req.method === 'POST' && req.url === '/login' && form.get('username') === 'demo' && form.get('password') === 'secret') {
      res.writeHead(302, { location: '/account', 'set-cookie': 'sid=s3cr3t; Path=/; HttpOnly' }).end();
    } else if (req.url === '/account' && loggedIn) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<h1>Welcome, demo</h1>');
    } else if (req.url === '/account') {
      res.writeHead(401, { 'content-type': 'text/plain' }).end('Please log in');
    } else {
      res.writeHead(404).end();
    }
  });
});
server.listen(Number(process.env.DEMO_SITE_PORT || 3000), '127.0.0.1', () => {
  console.log(`demo site on http://127.0.0.1:${server.address().port}`);
});
