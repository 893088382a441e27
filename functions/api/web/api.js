// The API as the page calls it: the key in a header (never in a URL), errors in the API's words.

export const session = {
  key: sessionStorage.getItem("heartbeat-key") || "",
  role: sessionStorage.getItem("heartbeat-role") || "",
};

export class Unauthorized extends Error {}

export async function api(method, path) {
  const reply = await fetch(path, { method, headers: { "x-api-key": session.key } });
  if (reply.status === 401) throw new Unauthorized("That key is not valid.");
  if (!reply.ok) {
    let message = reply.statusText;
    try { message = (await reply.json()).error.message; } catch (e) { /* not JSON */ }
    throw new Error(message);
  }
  return reply.status === 204 ? null : reply.json();
}

export async function signIn(key) {
  session.key = key;
  await api("GET", "/api/v1/monitors?limit=1");
  // An admin key can see the ping key; a read key gets 403: that is how the page knows which it holds.
  const probe = await fetch("/api/v1/ping-key", { headers: { "x-api-key": key } });
  session.role = probe.ok ? "admin" : "read";
  sessionStorage.setItem("heartbeat-key", key);
  sessionStorage.setItem("heartbeat-role", session.role);
}

export function signOut() {
  sessionStorage.removeItem("heartbeat-key");
  sessionStorage.removeItem("heartbeat-role");
  session.key = "";
  session.role = "";
}
