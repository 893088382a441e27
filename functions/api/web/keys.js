// API keys: create one (shown once, here only), see them by name and prefix, revoke one.

import { ApiError, api } from "./api.js";
import { $, cell, element, text } from "./dom.js";

export async function load() {
  const keys = await api("GET", "/api/v1/keys");
  document.title = "API keys Heartbeat";
  const body = $("key-rows");
  body.replaceChildren();
  for (const k of keys.items) {
    const tr = body.insertRow();
    cell(tr, k.name);
    cell(tr, k.role);
    cell(tr, `${k.prefix}…`);
    cell(tr, new Date(k.createdAt).toLocaleString(), "wide");
    const button = element("button", "Revoke", "small danger");
    button.setAttribute("aria-label", `Revoke ${k.name}`);
    button.addEventListener("click", async () => {
      if (!confirm(`Revoke ${k.name}? Scripts and sessions using it stop at once.`)) return;
      await api("DELETE", `/api/v1/keys/${k.id}`).catch((e) => alert(e.message));
      await load();
    });
    tr.insertCell().append(button);
  }
}

async function create(e) {
  e.preventDefault();
  text($("key-error"), "");
  try {
    const made = await api("POST", "/api/v1/keys", { body: { name: $("key-name").value.trim(), role: $("key-role").value } });
    $("key-name").value = "";
    await load();
    text($("new-key"), made.key);
    $("new-key-box").hidden = false;
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    text($("key-error"), err.details.length ? err.details.map((d) => `${d.field}: ${d.message}`).join("; ") : err.message);
  }
}

export function wire() {
  $("key-form").addEventListener("submit", (e) => create(e).catch((err) => text($("key-error"), err.message)));
}
