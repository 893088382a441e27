// The API as the page calls it. Signed in by a session cookie the page cannot read (HttpOnly), so a
// second tab and an alert's link are signed in too, and the key itself is never kept anywhere.

export const session = { role: "", keyName: "" };

export class Unauthorized extends Error {}

// An error in the API's words; `details` names each field that is wrong (a 422).
export class ApiError extends Error {
  constructor(message, details) {
    super(message);
    this.details = details || [];
  }
}

// A change made by the cookie must say it comes from this page: other sites cannot send this header.
const FROM_THE_PAGE = { "x-heartbeat-csrf": "1" };

export async function api(method, path, { headers = {}, body } = {}) {
  const init = { method, headers: { ...FROM_THE_PAGE, ...headers }, credentials: "same-origin" };
  if (body !== undefined) {
    init.headers["content-type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const reply = await fetch(path, init);
  if (reply.status === 401) throw new Unauthorized(path === "/api/v1/session" ? "That key is not valid." : "Signed out: sign in again.");
  if (!reply.ok) {
    let error = { message: reply.statusText };
    try { error = (await reply.json()).error; } catch (e) { /* not JSON */ }
    throw new ApiError(error.message, error.details);
  }
  return reply.status === 204 ? null : reply.json();
}

function keep(who) {
  session.role = who ? who.role : "";
  session.keyName = who ? who.keyName : "";
}

// The key for a session cookie of 12 hours, for what the key may do.
export async function signIn(key) {
  keep(await api("POST", "/api/v1/session", { headers: { "x-api-key": key } }));
}

// Who the cookie signs in, if anyone: a new tab, a reload, an alert's link.
export async function resume() {
  try {
    keep(await api("GET", "/api/v1/session"));
  } catch (e) {
    if (!(e instanceof Unauthorized)) throw e;
    keep(null);
  }
}

export async function signOut() {
  keep(null);
  await fetch("/api/v1/session", { method: "DELETE", credentials: "same-origin" });
}
