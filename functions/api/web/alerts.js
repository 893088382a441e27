// Alerts: who hears of them (each subscription, its filter, its last delivery result as far as the API
// knows it: a failure waiting in the dead-letter queue, or the test sent from here), a test alert to one,
// and the failed deliveries, retried in one click.

import { api, session } from "./api.js";
import { $, ago, cell, element, text } from "./dom.js";

const tested = new Map(); // subscription id -> what its test alert did, this tab's own

function filterWords(f) {
  const parts = [];
  if (f.monitors.length) parts.push(`${f.monitors.length} monitor${f.monitors.length > 1 ? "s" : ""}`);
  if (f.tags.length) parts.push(`tags: ${f.tags.join(", ")}`);
  if (f.events.length) parts.push(`events: ${f.events.join(", ")}`);
  return parts.join("; ") || "every alert";
}

// The newest failure of this subscription still waiting, or the test sent from this page, or neither.
function lastResult(sub, failures) {
  const mine = failures.filter((f) => f.subscriptionId === sub.id);
  const waiting = mine.length ? `failed ${ago(mine[0].failedAt)}: ${mine[0].error} (${mine.length} waiting)` : "";
  return [tested.get(sub.id), waiting].filter(Boolean).join("; ") || "no failed delivery waiting";
}

async function sendTest(sub) {
  try {
    await api("POST", `/api/v1/subscriptions/${sub.id}/test`);
    tested.set(sub.id, `test alert sent at ${new Date().toLocaleTimeString()}`);
  } catch (e) {
    tested.set(sub.id, `test alert refused: ${e.message}`);
  }
  await load();
}

function subscriptionRow(body, sub, failures) {
  const tr = body.insertRow();
  cell(tr, sub.protocol);
  cell(tr, sub.endpoint, "endpoint");
  cell(tr, filterWords(sub.filter));
  cell(tr, sub.status);
  cell(tr, lastResult(sub, failures));
  const actions = tr.insertCell();
  if (sub.id && session.role === "admin") { // a pending one has no id until it is confirmed
    const button = element("button", "Send test", "small");
    button.setAttribute("aria-label", `Send a test alert to ${sub.endpoint}`);
    button.addEventListener("click", () => sendTest(sub));
    actions.append(button);
  }
}

function failureRow(body, f, endpoints) {
  const tr = body.insertRow();
  cell(tr, new Date(f.failedAt).toLocaleString());
  cell(tr, f.subject || f.alertId);
  cell(tr, endpoints.get(f.subscriptionId) || f.subscriptionId || "");
  cell(tr, f.error, "down");
}

async function retry() {
  const r = await api("POST", "/api/v1/alerts/retry");
  text($("retry-result"), `Retried: ${r.delivered} delivered, ${r.failed} failed again, ${r.kept} kept, ${r.dropped} dropped.`);
  await load();
}

let latest = 0; // the newest load: an older one answering late must not draw over it

export async function load() {
  const mine = ++latest;
  const [subs, failed] = await Promise.all([api("GET", "/api/v1/subscriptions"), api("GET", "/api/v1/alerts/failed")]);
  if (mine !== latest) return;
  const failures = [...failed.items].sort((a, b) => Date.parse(b.failedAt) - Date.parse(a.failedAt));
  document.title = `Alerts (${failures.length} failed) Heartbeat`;
  const subRows = $("subscription-rows");
  subRows.replaceChildren();
  for (const sub of subs.items) subscriptionRow(subRows, sub, failures);
  text($("subscriptions-shown"), subs.items.length ? "" : "No subscriptions: `heartbeat subscriptions add` or an apply file adds one.");
  const endpoints = new Map(subs.items.map((s) => [s.id, s.endpoint]));
  const failRows = $("failed-rows");
  failRows.replaceChildren();
  for (const f of failures) failureRow(failRows, f, endpoints);
  text($("failed-shown"), failures.length ? `${failures.length} waiting in the dead-letter queue` : "None: every alert was delivered.");
  $("failed-table").hidden = !failures.length;
  $("retry-failed").hidden = !failures.length || session.role !== "admin";
}

export function wire() {
  $("retry-failed").addEventListener("click", () => retry().catch((e) => text($("retry-result"), e.message)));
}
