# Session Status docs, "Basic Status Check" (Python, requests). Reads BBRE_API_BASE, BBRE_API_KEY, BBRE_SESSION_ID.
import os
import requests
from datetime import datetime

API_BASE = os.environ.get("BBRE_API_BASE", "https://bbre-solver-api.mydisct.com")
API_KEY = os.environ.get("BBRE_API_KEY", "YOUR_API_KEY")

headers = {
    "Content-Type": "application/json",
    "x-api-key": API_KEY
}

response = requests.post(
    API_BASE + "/session/status",
    headers=headers,
    json={"sessionId": os.environ.get("BBRE_SESSION_ID", "session_abc123def456")}
)

data = response.json()
session = data["session"]

print("Session ID:", session["id"])
print("Status:", session["status"])
print("Mode:", session["mode"])
print("Sensibility:", session["sensibility"])
print("Request Count:", session["requestCount"])
print("Total Charged:", session["totalCharged"])

expires = datetime.fromtimestamp(session["expiresAt"] / 1000)
print("Expires At:", expires.isoformat())

created = datetime.fromtimestamp(session["createdAt"] / 1000)
print("Created At:", created.isoformat())
