// A monitor's page: its state, schedule in words, uptime, one timeline (pings, runs with their
// durations, outages opened and ended, missed runs), a ping's whole body one click away, every
// setting, and ping URL snippets that fit the monitor.

import { api, session } from "./api.js";
import { $, cell, element, seconds, text } from "./dom.js";
import { snippets } from "./snippets.js";

let shown = null; // the monitor on the page, for its buttons

function silence(m) {
  const ack = m.acknowledged, until = m.snoozedUntil; // what an alert's links (or the API, the CLI) did
  return [
    ack && `acknowledged by ${ack.by} ${new Date(ack.at).toLocaleString()}${ack.note ? `: ${ack.note}` : ""}`,
    until && `snoozed until ${new Date(until).toLocaleString()}`,
  ].filter(Boolean).join("; ");
}

function when(iso, zone) {
  const utc = new Date(iso).toISOString().replace("T", " ").slice(0, 19) + " UTC";
  if (!zone || zone === "UTC") return utc;
  return `${utc} · ${new Date(iso).toLocaleString("en-GB", { timeZone: zone })} ${zone}`;
}

function pingWhat(p) {
  const exit = p.exitStatus == null ? "" : ` (exit status ${p.exitStatus})`;
  const cause = p.cause && p.cause !== "exit_status" ? ` (${p.cause.replace("_", " ")})` : "";
  return `${p.kind}${exit}${cause}${p.ignored ? ", ignored while paused" : ""}`;
}

// The timeline's entries, newest first: each ping, and each incident's opening and end.
function entries(pings, incidents) {
  const found = pings.map((p) => ({ at: p.at, ping: p }));
  for (const i of incidents) {
    const missed = i.cause === "missed";
    found.push({ at: i.openedAt, what: missed ? "down: a run was missed" : `down: ${i.cause.replace("_", " ")}`, cls: "down", duration: i.durationSeconds });
    if (i.resolvedAt) found.push({ at: i.resolvedAt, what: "up again", cls: "up" });
  }
  return found.sort((a, b) => Date.parse(b.at) - Date.parse(a.at));
}

function bodyButton(m, p) {
  const button = element("button", `Whole body (${p.bodySize.toLocaleString()} bytes)`, "small");
  button.type = "button";
  button.setAttribute("aria-label", `Open body of ping ${p.n}`);
  button.addEventListener("click", () => openBody(m, p).catch((e) => alert(e.message)));
  return button;
}

function timeline(m, pings, incidents) {
  const body = $("timeline");
  body.replaceChildren();
  for (const e of entries(pings, incidents)) {
    const tr = body.insertRow();
    cell(tr, new Date(e.at).toLocaleString()).title = when(e.at, m.config.timezone);
    const p = e.ping;
    if (!p) {
      cell(tr, e.what, `status ${e.cls}`);
      cell(tr, e.duration == null ? "" : seconds(e.duration));
      cell(tr, "", "wide");
      cell(tr, "", "wide");
      tr.insertCell();
      continue;
    }
    cell(tr, pingWhat(p), p.outcome === "failed" ? "down" : p.outcome === "ok" ? "up" : "");
    cell(tr, seconds(p.durationSeconds));
    cell(tr, p.rid ? p.rid.slice(0, 8) : "", "wide").title = p.rid || "";
    cell(tr, `${p.method} ${p.sourceIp}`, "wide");
    const b = tr.insertCell();
    if (p.bodySize) b.append(element("pre", p.bodyPreview + (p.bodySize > p.bodyPreview.length ? " …" : "")), bodyButton(m, p));
  }
}

async function openBody(m, p) {
  const reply = await fetch(`/api/v1/monitors/${m.id}/pings/${p.n}/body`, { credentials: "same-origin" });
  if (!reply.ok) throw new Error(`could not read the body (${reply.status})`);
  const bytes = new Uint8Array(await reply.arrayBuffer());
  text($("body-title"), `Ping ${p.n}: ${pingWhat(p)}`);
  const facts = [
    ["Received", when(p.at, m.config.timezone)],
    ["Size", `${p.bodySize.toLocaleString()} bytes${p.bodyTruncated ? `, cut to the first ${bytes.length.toLocaleString()} when stored` : ""}`],
    ["From", `${p.method} ${p.sourceIp}`],
    ["User agent", p.userAgent || "none"],
  ];
  if (p.rid) facts.push(["Run id", p.rid]);
  $("body-facts").replaceChildren(...facts.flatMap(([k, v]) => [element("dt", k), element("dd", v)]));
  text($("body-text"), new TextDecoder().decode(bytes)); // bytes that are not UTF-8 show as U+FFFD
  $("body-dialog").showModal();
}

function settings(m) {
  const rows = [["Tags", m.tags.join(", ") || "none"], ["Slug", m.slug || "none"], ["Next expected", m.nextExpected.join(", ")]];
  for (const [name, value] of Object.entries(m.config)) {
    if (value == null || (Array.isArray(value) && !value.length)) continue;
    const said = typeof value === "object" ? JSON.stringify(value) : /(Period|Interval|Runtime)$/.test(name) ? `${seconds(value)} (${value} s)` : String(value);
    rows.push([name, said]);
  }
  $("settings").replaceChildren(...rows.filter(([, v]) => v).flatMap(([k, v]) => [element("dt", k), element("dd", v)]));
}

export async function load(id) {
  const [m, pings, incidents, ...uptimes] = await Promise.all([
    api("GET", `/api/v1/monitors/${id}`),
    api("GET", `/api/v1/monitors/${id}/pings?limit=50`),
    api("GET", `/api/v1/monitors/${id}/incidents?limit=50`),
    ...[7, 30, 90].map((d) => api("GET", `/api/v1/monitors/${id}/uptime?days=${d}`)),
  ]);
  shown = m;
  document.title = `${m.name} (${m.status}) Heartbeat`;
  text($("d-name"), m.name);
  text($("d-status"), m.status).className = `status ${m.status}`;
  text($("d-schedule"), `${m.scheduleWords}, grace ${seconds(m.config.gracePeriod)}`);
  text($("d-silence"), silence(m));
  text($("d-description"), m.description);
  const admin = session.role === "admin";
  $("pause").hidden = !admin || m.status === "paused";
  $("resume").hidden = !admin || m.status !== "paused";
  $("delete").hidden = !admin;
  $("edit").hidden = !admin;
  $("silence-actions").hidden = !admin;
  $("acknowledge").hidden = !m.openIncident || Boolean(m.acknowledged); // an open incident's reminders stop
  $("unsnooze").hidden = !m.snoozedUntil;
  $("edit").href = `#edit/${m.id}`;
  $("uptime").replaceChildren(...uptimes.map((u) => element("div", `${u.days} days: ${u.uptimePercent}% up, ${u.incidents} incident(s)`, "card")));
  timeline(m, pings.items, incidents.items);
  settings(m);
  snippets($("snippets"), m);
}

const ACTIONS = {
  pause: (m) => confirm(`Pause ${m.name}?`) && api("POST", `/api/v1/monitors/${m.id}/pause`),
  resume: (m) => confirm(`Resume ${m.name}?`) && api("POST", `/api/v1/monitors/${m.id}/resume`),
  acknowledge: (m) => api("POST", `/api/v1/monitors/${m.id}/acknowledge`, { body: { note: "" } }),
  snooze: (m) => api("POST", `/api/v1/monitors/${m.id}/snooze`, { body: { seconds: Number($("snooze-for").value) } }),
  unsnooze: (m) => api("DELETE", `/api/v1/monitors/${m.id}/snooze`),
};

async function act(action) {
  const m = shown;
  if (!m) return;
  if (action === "delete") {
    if (!confirm(`Delete ${m.name}? Its ping URL stops working.`)) return;
    await api("DELETE", `/api/v1/monitors/${m.id}`);
    location.hash = "";
    return;
  }
  if (await ACTIONS[action](m)) await load(m.id);
}

export function wire() {
  for (const action of ["pause", "resume", "delete", "acknowledge", "snooze", "unsnooze"]) {
    $(action).addEventListener("click", () => act(action).catch((e) => alert(e.message)));
  }
  $("body-close").addEventListener("click", () => $("body-dialog").close());
}
