// Session Status docs, "Track Usage and Costs" (JavaScript, axios). Reads BBRE_API_BASE, BBRE_API_KEY, BBRE_SESSION_ID.
const axios = require("axios");

const API_BASE = process.env.BBRE_API_BASE || "https://bbre-solver-api.mydisct.com";
const API_KEY = process.env.BBRE_API_KEY || "YOUR_API_KEY";

const authHeaders = {
  "Content-Type": "application/json",
  "x-api-key": API_KEY
};

async function monitorSession(sessionId, maxRequests, maxCost) {
  const response = await axios.post(
    API_BASE + "/session/status",
    { sessionId: sessionId },
    { headers: authHeaders }
  );

  const session = response.data.session;
  const remainingSec = Math.floor((session.expiresAt - Date.now()) / 1000);

  console.log("Session Monitor Report:");
  console.log(" Status:", session.status);
  console.log(" Mode:", session.mode);
  console.log(" Requests:", session.requestCount, "/", maxRequests);
  console.log(" Cost: $" + session.totalCharged.toFixed(4), "/ $" + maxCost.toFixed(4));
  console.log(" Time Remaining:", remainingSec, "seconds");

  if (session.status !== "active") {
    return { shouldContinue: false, reason: "session_" + session.status };
  }

  if (session.requestCount >= maxRequests) {
    return { shouldContinue: false, reason: "max_requests_reached" };
  }

  if (session.totalCharged >= maxCost) {
    return { shouldContinue: false, reason: "max_cost_reached" };
  }

  if (remainingSec < 15) {
    return { shouldContinue: false, reason: "expiring_soon" };
  }

  return { shouldContinue: true, session: session };
}

monitorSession(process.env.BBRE_SESSION_ID || "session_abc123def456", 50, 0.50);
