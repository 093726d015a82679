#!/usr/bin/env bash
# README "Session workflow examples", curl (needs jq). Reads BBRE_API_BASE, BBRE_API_KEY, BBRE_SITE_URL (the demo site).
API=${BBRE_API_BASE:-http://127.0.0.1:8080}   # hosted service: https://bbre-solver-api.mydisct.com
KEY=${BBRE_API_KEY:-YOUR_API_KEY}
SITE=${BBRE_SITE_URL:-http://127.0.0.1:3000}  # the site the session browses

# 1. Open a passive session (one cookie jar and one browser identity for every request).
SESSION=$(curl -s -X POST "$API/session/create" -H 'Content-Type: application/json' -H "x-api-key: $KEY" \
  -d '{"mode":"passive","sensibility":"medium","timeout":300}' | jq -r .session.id)
echo "$SESSION"

# 2. Log in: a form POST; the 302 and its Set-Cookie are followed and kept in the session's jar.
curl -s -i -w '\n' -X POST "$API/session/request" -H 'Content-Type: application/json' -H "x-api-key: $KEY" \
  -d '{"sessionId":"'"$SESSION"'","url":"'"$SITE"'/login","method":"POST",
       "headers":{"content-type":"application/x-www-form-urlencoded"},
       "body":{"username":"demo","password":"secret"}}'

# 3. A protected page: the session sends the cookie it got at login.
curl -s -X POST "$API/session/request" -H 'Content-Type: application/json' -H "x-api-key: $KEY" \
  -d '{"sessionId":"'"$SESSION"'","url":"'"$SITE"'/account"}' | jq '{statusCode: .data.statusCode, body: .data.body, session}'

# 4. Status (free), then 5. close (free).
curl -s -X POST "$API/session/status" -H 'Content-Type: application/json' -H "x-api-key: $KEY" \
  -d '{"sessionId":"'"$SESSION"'"}' | jq -c '.session | {status, requestCount, totalCharged, expiresAt}'
curl -s -X POST "$API/session/close" -H 'Content-Type: application/json' -H "x-api-key: $KEY" \
  -d '{"sessionId":"'"$SESSION"'"}' | jq -c '.session | {status, endedReason, closedAt}'
