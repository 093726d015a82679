// Session Status docs, "Usage Tracking for Billing" (JavaScript, axios). Reads BBRE_API_BASE, BBRE_API_KEY, BBRE_SESSION_ID.
const axios = require("axios");

const API_BASE = process.env.BBRE_API_BASE || "https://bbre-solver-api.mydisct.com";
const API_KEY = process.env.BBRE_API_KEY || "YOUR_API_KEY";

const authHeaders = {
  "Content-Type": "application/json",
  "x-api-key": API_KEY
};

async function getSessionUsageReport(sessionId) {
  const response = await axios.post(
    API_BASE + "/session/status",
    { sessionId: sessionId },
    { headers: authHeaders }
  );

  const session = response.data.session;
  const durationMs = Date.now() - session.createdAt;
  const durationSec = Math.floor(durationMs / 1000);
  const costPerRequest = session.requestCount > 0
    ? session.totalCharged / session.requestCount
    : 0;

  return {
    sessionId: session.id,
    status: session.status,
    mode: session.mode,
    sensibility: session.sensibility,
    totalRequests: session.requestCount,
    totalCost: session.totalCharged,
    averageCostPerRequest: parseFloat(costPerRequest.toFixed(6)),
    sessionDurationSeconds: durationSec
  };
}

getSessionUsageReport(process.env.BBRE_SESSION_ID || "session_abc123def456").then(report => {
  console.log("Usage Report:", JSON.stringify(report, null, 2));
});
