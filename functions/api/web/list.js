// The list of monitors: one request a refresh (/api/v1/summary), trouble first, the counts in the
// header, the title and the favicon; search and filters kept in the URL (#?q=…&tag=…&status=…).

import { api } from "./api.js";
import { $, ago, cell, element, seconds, text } from "./dom.js";

const PAGE_SIZE = 100;
const WORDS = { down: "down", grace: "late", started: "running", up: "up", new: "new", paused: "paused" };
const pages = { cursors: [null], at: 0 }; // the cursor of each page seen, for Previous

export function filters() {
  const params = new URLSearchParams(location.hash.startsWith("#?") ? location.hash.slice(2) : "");
  return { q: params.get("q") || "", tag: params.get("tag") || "", status: params.get("status") || "" };
}

// The filters into the URL (bookmarkable), from the first page.
function keepFilters() {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries({ q: $("search").value.trim(), tag: $("tag").value, status: $("status").value })) {
    if (value) params.set(name, value);
  }
  pages.cursors = [null];
  pages.at = 0;
  const hash = params.size ? `#?${params}` : "#";
  if (location.hash !== hash && !(hash === "#" && !location.hash)) location.hash = hash;
  else load();
}

function strip(runs) {
  const el = element("div", "", "strip");
  const ok = runs.filter((r) => r.outcome === "ok").length;
  el.setAttribute("role", "img");
  el.setAttribute("aria-label", `last ${runs.length} runs: ${ok} ok`);
  for (const r of runs) {
    const mark = element("span", "", r.outcome);
    mark.title = `${r.outcome} ${r.at}${r.durationSeconds == null ? "" : `, ${seconds(r.durationSeconds)}`}`;
    el.append(mark);
  }
  return el;
}

function copyButton(m) {
  const button = element("button", "Copy URL", "small");
  button.type = "button";
  button.setAttribute("aria-label", `Copy ping URL of ${m.name}`);
  button.addEventListener("click", () => navigator.clipboard && navigator.clipboard.writeText(m.pingUrl));
  return button;
}

function row(body, m) {
  const tr = body.insertRow();
  if (m.status === "down") tr.className = "down-row";
  cell(tr, m.status, `status ${m.status}`).title = m.statusWords;
  const name = tr.insertCell();
  const link = element("a", m.name);
  link.href = `#monitor/${m.id}`;
  name.append(link);
  if (m.pingUrl) name.append(copyButton(m));
  cell(tr, m.tags.join(", "), "wide");
  cell(tr, m.scheduleWords, "wide");
  cell(tr, ago(m.lastPingAt)).title = m.lastPingAt || "";
  const trouble = ["down", "grace", "started"].includes(m.status);
  const silenced = [m.acknowledged && "acknowledged", m.snoozedUntil && `snoozed ${ago(m.snoozedUntil).replace("in ", "for ")}`];
  const deadline = trouble ? m.statusWords : m.nextDeadline ? ago(m.nextDeadline) : "";
  cell(tr, [deadline, ...silenced].filter(Boolean).join(" · "), "wide");
  cell(tr, seconds(m.lastDurationSeconds), "wide");
  const runs = tr.insertCell();
  runs.className = "wide";
  runs.append(strip(m.runs));
}

// "2 down · 1 late · 12 up" in the header; the title and the favicon say the worst at a glance.
function showCounts(counts) {
  const said = ["down", "grace", "started", "up", "new", "paused"]
    .filter((s) => counts[s] || s === "up")
    .map((s) => `${counts[s]} ${WORDS[s]}`);
  text($("counts"), said.join(" · "));
  const trouble = ["down", "grace"].filter((s) => counts[s]).map((s) => `${counts[s]} ${WORDS[s]}`);
  document.title = trouble.length ? `(${trouble.join(", ")}) Heartbeat` : "Heartbeat";
  const icon = counts.down ? "down" : counts.grace ? "late" : "up";
  const favicon = $("favicon");
  favicon.href = favicon.href.replace(/favicon-\w+\.svg$/, `favicon-${icon}.svg`);
}

function showFilters(f, tags) {
  if (document.activeElement !== $("search")) $("search").value = f.q;
  const select = $("tag");
  select.replaceChildren(new Option("all", ""), ...tags.map((t) => new Option(t, t)));
  if (f.tag && !tags.includes(f.tag)) select.append(new Option(f.tag, f.tag));
  select.value = f.tag;
  $("status").value = f.status;
}

let latest = 0; // the newest load: an older one answering late must not draw over it

export async function load() {
  const mine = ++latest;
  const f = filters();
  const params = new URLSearchParams({ limit: String(PAGE_SIZE) });
  for (const [name, value] of Object.entries(f)) if (value) params.set(name, value);
  const cursor = pages.cursors[pages.at];
  if (cursor) params.set("cursor", cursor);
  const summary = await api("GET", `/api/v1/summary?${params}`);
  if (mine !== latest) return summary;
  pages.cursors[pages.at + 1] = summary.nextCursor;
  showCounts(summary.counts);
  showFilters(f, summary.tags);
  const body = $("monitors");
  body.replaceChildren();
  for (const m of summary.items) row(body, m);
  const first = pages.at * PAGE_SIZE;
  text($("shown"), summary.matched ? `${first + 1} to ${first + summary.items.length} of ${summary.matched}` : "no monitors");
  $("previous").hidden = pages.at === 0;
  $("next").hidden = !summary.nextCursor;
  text($("updated"), `updated ${new Date().toLocaleTimeString()}`);
  return summary;
}

let typing = null;
export function wire() {
  $("filters").addEventListener("submit", (e) => { e.preventDefault(); keepFilters(); });
  $("search").addEventListener("input", () => { clearTimeout(typing); typing = setTimeout(keepFilters, 300); });
  $("tag").addEventListener("change", keepFilters);
  $("status").addEventListener("change", keepFilters);
  $("next").addEventListener("click", () => { pages.at += 1; load(); });
  $("previous").addEventListener("click", () => { pages.at = Math.max(0, pages.at - 1); load(); });
}
