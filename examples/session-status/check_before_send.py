# Session Status docs, "Check Expiration Before Sending Requests" (Python, requests). Reads BBRE_API_BASE, BBRE_API_KEY, BBRE_SESSION_ID, BBRE_TARGET_URL.
import os
import requests
import time

API_BASE = os.environ.get("BBRE_API_BASE", "https://bbre-solver-api.mydisct.com")
API_KEY = os.environ.get("BBRE_API_KEY", "YOUR_API_KEY")

headers = {
    "Content-Type": "application/json",
    "x-api-key": API_KEY
}

def is_session_usable(session_id):
    response = requests.post(
        API_BASE + "/session/status",
        headers=headers,
        json={"sessionId": session_id}
    )

    session = response.json()["session"]

    if session["status"] != "active":
        print(f"Session is {session['status']} - cannot send requests")
        return False

    remaining_ms = session["expiresAt"] - int(time.time() * 1000)
    remaining_sec = remaining_ms // 1000

    print(f"Session is active, expires in {remaining_sec} seconds")

    if remaining_sec < 10:
        print("Session expiring too soon, create a new one")
        return False

    return True

def send_request_if_active(session_id, url):
    if not is_session_usable(session_id):
        print("Creating a new session...")
        create_response = requests.post(
            API_BASE + "/session/create",
            headers=headers,
            json={"mode": "passive", "sensibility": "medium", "timeout": 300}
        )
        session_id = create_response.json()["session"]["id"]
        print("New session created:", session_id)

    response = requests.post(
        API_BASE + "/session/request",
        headers=headers,
        json={"sessionId": session_id, "url": url, "method": "GET"}
    )

    print("Request completed:", response.json()["data"]["task"]["status"])
    return response.json()

send_request_if_active(os.environ.get("BBRE_SESSION_ID", "session_abc123def456"), os.environ.get("BBRE_TARGET_URL", "https://example.com/data"))
