# Session Status docs, "Track Usage and Costs" (Python, requests). Reads BBRE_API_BASE, BBRE_API_KEY, BBRE_SESSION_ID.
import os
import requests
import time

API_BASE = os.environ.get("BBRE_API_BASE", "https://bbre-solver-api.mydisct.com")
API_KEY = os.environ.get("BBRE_API_KEY", "YOUR_API_KEY")

headers = {
    "Content-Type": "application/json",
    "x-api-key": API_KEY
}

def monitor_session(session_id, max_requests, max_cost):
    response = requests.post(
        API_BASE + "/session/status",
        headers=headers,
        json={"sessionId": session_id}
    )

    session = response.json()["session"]
    remaining_ms = session["expiresAt"] - int(time.time() * 1000)
    remaining_sec = remaining_ms // 1000

    print("Session Monitor Report:")
    print(f" Status: {session['status']}")
    print(f" Mode: {session['mode']}")
    print(f" Requests: {session['requestCount']} / {max_requests}")
    print(f" Cost: ${session['totalCharged']:.4f} / ${max_cost:.4f}")
    print(f" Time Remaining: {remaining_sec} seconds")

    if session["status"] != "active":
        return {"should_continue": False, "reason": f"session_{session['status']}"}

    if session["requestCount"] >= max_requests:
        return {"should_continue": False, "reason": "max_requests_reached"}

    if session["totalCharged"] >= max_cost:
        return {"should_continue": False, "reason": "max_cost_reached"}

    if remaining_sec < 15:
        return {"should_continue": False, "reason": "expiring_soon"}

    return {"should_continue": True, "session": session}

monitor_session(os.environ.get("BBRE_SESSION_ID", "session_abc123def456"), 50, 0.50)
