// Session Status docs, "Expiration Countdown Timer" (JavaScript, axios). Reads BBRE_API_BASE, BBRE_API_KEY, BBRE_SESSION_ID.
const axios = require("axios");

const API_BASE = process.env.BBRE_API_BASE || "https://bbre-solver-api.mydisct.com";
const API_KEY = process.env.BBRE_API_KEY || "YOUR_API_KEY";

const authHeaders = {
  "Content-Type": "application/json",
  "x-api-key": API_KEY
};

async function getSessionTimeRemaining(sessionId) {
  const response = await axios.post(
    API_BASE + "/session/status",
    { sessionId: sessionId },
    { headers: authHeaders }
  );

  const session = response.data.session;

  if (session.status !== "active") {
    return { active: false, status: session.status, remainingSeconds: 0 };
  }

  const remainingMs = session.expiresAt - Date.now();
  const remainingSec = Math.max(0, Math.floor(remainingMs / 1000));

  return {
    active: true,
    status: session.status,
    remainingSeconds: remainingSec,
    expiresAt: new Date(session.expiresAt).toISOString()
  };
}

getSessionTimeRemaining(process.env.BBRE_SESSION_ID || "session_abc123def456").then(info => {
  if (info.active) {
    console.log("Session expires in", info.remainingSeconds, "seconds");
  } else {
    console.log("Session is", info.status);
  }
});
