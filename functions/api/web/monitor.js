// A monitor's page: its state, schedule in words, uptime, ping URL snippets, incidents and pings.

import { api, session } from "./api.js";
import { $, cell, element, seconds, text } from "./dom.js";

let shown = null; // the monitor on the page, for its buttons

function snippets(url, events) {
  const box = $("snippets");
  box.replaceChildren();
  if (events && events.length) { // fed by AWS events: the job needs no curl, show what feeds it
    const pre = element("pre", events.map((p) => JSON.stringify(p, null, 2)).join("\n"));
    box.append(element("h4", "Event source (EventBridge pattern)"), pre);
    return;
  }
  if (!url) { text(box, "Ping URLs are shown to admin keys only."); return; }
  const examples = [
    ["heartbeat run", `heartbeat run --url ${url} -- /usr/local/bin/backup.sh   # start, exit status, output`],
    ["crontab", `0 2 * * * HEARTBEAT_PING_URL=${url} heartbeat run -- /usr/local/bin/backup.sh`],
    ["curl", `curl -fsS --retry 3 -o /dev/null ${url}`],
    ["crontab, curl only", `0 2 * * * /usr/local/bin/backup.sh && curl -fsS --retry 3 -o /dev/null ${url}`],
    ["Kubernetes CronJob", `containers:\n  - name: backup\n    image: alpine\n    command: ["/bin/sh", "-c", "backup.sh && wget -q -O /dev/null ${url}"]`],
    ["Python", `import urllib.request\nurllib.request.urlopen("${url}", timeout=10)`],
  ];
  for (const [label, code] of examples) {
    const copy = element("button", `Copy ${label}`);
    copy.addEventListener("click", () => navigator.clipboard && navigator.clipboard.writeText(code));
    box.append(element("h4", label), element("pre", code), copy);
  }
}

function silence(m) {
  const ack = m.acknowledged, until = m.snoozedUntil; // what an alert's links (or the API, the CLI) did
  return [
    ack && `acknowledged by ${ack.by} ${new Date(ack.at).toLocaleString()}${ack.note ? `: ${ack.note}` : ""}`,
    until && `snoozed until ${new Date(until).toLocaleString()}`,
  ].filter(Boolean).join("; ");
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
  const admin = session.role === "admin";
  $("pause").hidden = !admin || m.status === "paused";
  $("resume").hidden = !admin || m.status !== "paused";
  $("delete").hidden = !admin;
  $("uptime").replaceChildren(...uptimes.map((u) => element("div", `${u.days} days: ${u.uptimePercent}% up, ${u.incidents} incident(s)`, "card")));
  snippets(m.pingUrl, m.config.events);
  const inc = $("incidents");
  inc.replaceChildren();
  for (const i of incidents.items) {
    const tr = inc.insertRow();
    cell(tr, i.status, i.status === "open" ? "status down" : "status up");
    cell(tr, i.cause);
    cell(tr, new Date(i.openedAt).toLocaleString());
    cell(tr, seconds(i.durationSeconds));
  }
  const log = $("pings");
  log.replaceChildren();
  for (const p of pings.items) {
    const tr = log.insertRow();
    cell(tr, p.n);
    cell(tr, new Date(p.at).toLocaleString());
    const kind = p.kind + (p.exitStatus != null ? ` ${p.exitStatus}` : "") + (p.cause ? ` (${p.cause})` : "");
    cell(tr, kind, p.outcome === "failed" ? "down" : "");
    cell(tr, `${p.method} ${p.sourceIp}`, "wide");
    const body = tr.insertCell();
    if (p.bodySize) body.append(element("pre", p.bodyPreview + (p.bodyTruncated ? " …" : "")));
  }
}

async function act(action) {
  const m = shown;
  if (!m) return;
  if (action === "delete") {
    if (!confirm(`Delete ${m.name}? Its ping URL stops working.`)) return;
    await api("DELETE", `/api/v1/monitors/${m.id}`);
    location.hash = "";
    return;
  }
  if (!confirm(`${action === "pause" ? "Pause" : "Resume"} ${m.name}?`)) return;
  await api("POST", `/api/v1/monitors/${m.id}/${action}`);
  await load(m.id);
}

export function wire() {
  for (const action of ["pause", "resume", "delete"]) {
    $(action).addEventListener("click", () => act(action).catch((e) => alert(e.message)));
  }
}
