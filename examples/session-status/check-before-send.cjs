// Session Status docs, "Check Expiration Before Sending Requests" (JavaScript, axios). Reads BBRE_API_BASE, BBRE_API_KEY, BBRE_SESSION_ID, BBRE_TARGET_URL.
const axios = require("axios");

const API_BASE = process.env.BBRE_API_BASE || "https://bbre-solver-api.mydisct.com";
const API_KEY = process.env.BBRE_API_KEY || "YOUR_API_KEY";

const authHeaders = {
  "Content-Type": "application/json",
  "x-api-key": API_KEY
};

async function isSessionUsable(sessionId) {
  const response = await axios.post(
    API_BASE + "/session/status",
    { sessionId: sessionId },
    { headers: authHeaders }
  );

  const session = response.data.session;

  if (session.status !== "active") {
    console.log("Session is", session.status, "- cannot send requests");
    return false;
  }

  const remainingMs = session.expiresAt - Date.now();
  const remainingSec = Math.floor(remainingMs / 1000);

  console.log("Session is active, expires in", remainingSec, "seconds");

  if (remainingSec < 10) {
    console.log("Session expiring too soon, create a new one");
    return false;
  }

  return true;
}

async function sendRequestIfSessionActive(sessionId, url) {
  const usable = await isSessionUsable(sessionId);

  if (!usable) {
    console.log("Creating a new session...");
    const createResponse = await axios.post(
      API_BASE + "/session/create",
      { mode: "passive", sensibility: "medium", timeout: 300 },
      { headers: authHeaders }
    );
    sessionId = createResponse.data.session.id;
    console.log("New session created:", sessionId);
  }

  const response = await axios.post(
    API_BASE + "/session/request",
    { sessionId: sessionId, url: url, method: "GET" },
    { headers: authHeaders }
  );

  console.log("Request completed:", response.data.data.task.status);
  return response.data;
}

sendRequestIfSessionActive(process.env.BBRE_SESSION_ID || "session_abc123def456", process.env.BBRE_TARGET_URL || "https://example.com/data");
