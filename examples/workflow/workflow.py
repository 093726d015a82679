# README "Session workflow examples", Python (requests). Reads BBRE_API_BASE, BBRE_API_KEY, BBRE_SITE_URL (the demo site).
import os

import requests

API = os.environ.get("BBRE_API_BASE", "http://127.0.0.1:8080")  # hosted service: https://bbre-solver-api.mydisct.com
HEADERS = {"x-api-key": os.environ.get("BBRE_API_KEY", "YOUR_API_KEY")}
SITE = os.environ.get("BBRE_SITE_URL", "http://127.0.0.1:3000")


def call(path, payload):
    """POSTs to the API; returns the envelope, raises on {success: false}."""
    res = requests.post(API + path, json=payload, headers=HEADERS, timeout=150)
    body = res.json()
    if not body["success"]:
        err = body["error"]
        raise RuntimeError(f"{res.status_code} {err['code']}: {err['message']} {err['details']}")
    return body


session = call("/session/create", {"mode": "passive", "sensibility": "medium", "timeout": 300})["session"]
sid = session["id"]
print("session", sid, "expires at", session["expiresAt"])
try:
    login = call("/session/request", {
        "sessionId": sid,
        "url": SITE + "/login",
        "method": "POST",
        "headers": {"content-type": "application/x-www-form-urlencoded"},
        "body": {"username": "demo", "password": "secret"},
    })["data"]
    print("login:", login["statusCode"], login["url"], login["redirects"], login["cookies"])

    page = call("/session/request", {"sessionId": sid, "url": SITE + "/account"})["data"]
    print("account:", page["statusCode"], page["body"])

    status = call("/session/status", {"sessionId": sid})["session"]
    print("status:", status["status"], status["requestCount"], status["totalCharged"])
finally:
    closed = call("/session/close", {"sessionId": sid})["session"]
    print("closed:", closed["status"], closed["endedReason"])
