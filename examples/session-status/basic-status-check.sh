#!/usr/bin/env bash
# Session Status docs, "Basic Status Check" (cURL). Reads BBRE_API_BASE, BBRE_API_KEY, BBRE_SESSION_ID.
curl -X POST "${BBRE_API_BASE:-https://bbre-solver-api.mydisct.com}/session/status" \
  -H "Content-Type: application/json" \
  -H "x-api-key: ${BBRE_API_KEY:-YOUR_API_KEY}" \
  -d '{"sessionId": "'"${BBRE_SESSION_ID:-session_abc123def456}"'"}'
