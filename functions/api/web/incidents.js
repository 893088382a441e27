// Incidents across monitors, open ones first, each acknowledgeable where it is shown.

import { api, session } from "./api.js";
import { $, cell, element, seconds, text } from "./dom.js";

function row(body, i, names) {
  const tr = body.insertRow();
  cell(tr, i.status, i.status === "open" ? "status down" : "status up");
  const name = tr.insertCell();
  const link = element("a", names.get(i.monitorId) || i.monitorId.slice(0, 8));
  link.href = `#monitor/${i.monitorId}`;
  name.append(link);
  cell(tr, i.cause.replace("_", " "));
  cell(tr, new Date(i.openedAt).toLocaleString());
  cell(tr, seconds(i.durationSeconds));
  const ack = tr.insertCell();
  if (i.acknowledged) text(ack, `acknowledged by ${i.acknowledged.by}`);
  else if (i.status === "open" && session.role === "admin") {
    const button = element("button", "Acknowledge", "small");
    button.setAttribute("aria-label", `Acknowledge ${names.get(i.monitorId) || "incident"}`);
    button.addEventListener("click", async () => {
      await api("POST", `/api/v1/monitors/${i.monitorId}/acknowledge`, { body: { note: "" } }).catch((e) => alert(e.message));
      await load();
    });
    ack.append(button);
  }
}

let latest = 0; // the newest load: an older one answering late must not draw over it

export async function load() {
  const mine = ++latest;
  const [open, recent, summary] = await Promise.all([
    api("GET", "/api/v1/incidents?status=open&limit=100"),
    api("GET", "/api/v1/incidents?status=resolved&limit=50"),
    api("GET", "/api/v1/summary?limit=200"), // the monitors' names (an incident carries only the id): the first 200
  ]);
  if (mine !== latest) return;
  const names = new Map(summary.items.map((m) => [m.id, m.name]));
  document.title = `Incidents (${open.items.length} open) Heartbeat`;
  const body = $("incident-rows");
  body.replaceChildren();
  // Each incident once (by monitor and opening), open ones first, should one resolve between the two reads.
  const each = new Map([...recent.items, ...open.items].map((i) => [`${i.monitorId}/${i.id}`, i]));
  const shown = [...each.values()].sort((a, b) => (a.status === b.status ? Date.parse(b.openedAt) - Date.parse(a.openedAt) : a.status === "open" ? -1 : 1));
  for (const i of shown) row(body, i, names);
  text($("incidents-shown"), `${open.items.length} open, ${recent.items.length} recently resolved`);
}
