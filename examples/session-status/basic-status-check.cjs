// Session Status docs, "Basic Status Check" (JavaScript, axios). Reads BBRE_API_BASE, BBRE_API_KEY, BBRE_SESSION_ID.
const axios = require("axios");

const API_BASE = process.env.BBRE_API_BASE || "https://bbre-solver-api.mydisct.com";
const API_KEY = process.env.BBRE_API_KEY || "YOUR_API_KEY";

async function checkSessionStatus(sessionId) {
  const response = await axios.post(
    API_BASE + "/session/status",
    { sessionId: sessionId },
    {
      headers: {
        "Content-Type": "application/json",
        "x-api-key": API_KEY
      }
    }
  );

  const session = response.data.session;

  console.log("Session ID:", session.id);
  console.log("Status:", session.status);
  console.log("Mode:", session.mode);
  console.log("Sensibility:", session.sensibility);
  console.log("Request Count:", session.requestCount);
  console.log("Total Charged:", session.totalCharged);
  console.log("Expires At:", new Date(session.expiresAt).toISOString());
  console.log("Created At:", new Date(session.createdAt).toISOString());

  return session;
}

checkSessionStatus(process.env.BBRE_SESSION_ID || "session_abc123def456");
