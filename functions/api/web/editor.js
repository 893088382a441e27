// Create and edit a monitor: name, description, tags, an interval or a cron line in a zone, grace,
// in friendly units; the API's 422 messages shown next to their fields; a cron line previewed in
// words with its next runs in the chosen zone, as the API reads it (/api/v1/schedule-preview).

import { ApiError, api } from "./api.js";
import { $, text } from "./dom.js";

const UNITS = [["d", 86400], ["h", 3600], ["min", 60], ["s", 1]];
let editing = null; // the monitor being edited; null for a new one
let previewing = null;

function setSeconds(field, seconds) {
  const [unit, size] = UNITS.find(([, size]) => seconds % size === 0 && seconds >= size) || ["s", 1];
  $(field).value = String(seconds / size);
  $(`${field}-unit`).value = unit;
}

function seconds(field) {
  const size = UNITS.find(([unit]) => unit === $(`${field}-unit`).value)[1];
  const n = Number($(field).value);
  return $(field).value.trim() === "" || Number.isNaN(n) ? $(field).value : Math.round(n * size);
}

function showKind() {
  const cron = $("e-kind-cron").checked;
  $("e-interval-fields").hidden = cron;
  $("e-cron-fields").hidden = !cron;
  if (cron) preview();
}

function clearErrors() {
  for (const el of document.querySelectorAll("[data-error-for]")) text(el, "");
  text($("editor-error"), "");
}

// Each message next to its field (`config.schedule`, `tags[0]`, ...); what has no field, under the form.
function showErrors(details, message) {
  const general = [];
  for (const d of details.length ? details : [{ field: "", message }]) {
    const field = d.field.replace(/\[\d+\]$/, "");
    const el = document.querySelector(`[data-error-for="${CSS.escape(field)}"]`);
    if (el) text(el, d.message);
    else general.push(d.field ? `${d.field}: ${d.message}` : d.message);
  }
  text($("editor-error"), general.join("; "));
}

async function preview() {
  clearTimeout(previewing);
  previewing = setTimeout(async () => {
    const schedule = $("e-schedule").value.trim();
    const errors = [document.querySelector('[data-error-for="config.schedule"]'), document.querySelector('[data-error-for="config.timezone"]')];
    for (const el of errors) text(el, "");
    if (!schedule) { text($("e-preview"), ""); return; }
    const params = new URLSearchParams({ schedule, timezone: $("e-timezone").value.trim() || "UTC" });
    try {
      const seen = await api("GET", `/api/v1/schedule-preview?${params}`);
      text($("e-preview"), `${seen.scheduleWords}; next runs: ${seen.nextExpected.join(", ")}`);
    } catch (e) {
      text($("e-preview"), "");
      if (e instanceof ApiError) for (const d of e.details) {
        const el = document.querySelector(`[data-error-for="config.${d.field}"]`);
        if (el) text(el, d.message);
      }
    }
  }, 250);
}

function body() {
  const cron = $("e-kind-cron").checked;
  const config = cron
    ? { schedule: $("e-schedule").value.trim(), timezone: $("e-timezone").value.trim() || "UTC" }
    : { expectedInterval: seconds("e-interval") };
  config.gracePeriod = seconds("e-grace");
  const tags = $("e-tags").value.split(",").map((t) => t.trim()).filter(Boolean);
  return { name: $("e-name").value.trim(), description: $("e-description").value, tags, config };
}

async function save(e) {
  e.preventDefault();
  clearErrors();
  try {
    const m = editing
      ? await api("PATCH", `/api/v1/monitors/${editing.id}`, { body: body() })
      : await api("POST", "/api/v1/monitors", { body: body() });
    location.hash = `#monitor/${m.id}`;
  } catch (err) {
    if (err instanceof ApiError) showErrors(err.details, err.message);
    else throw err;
  }
}

export async function load(id) {
  $("editor-form").reset(); // nothing of the last form shows while this one loads
  text($("e-title"), id ? "Loading…" : "New monitor");
  editing = id ? await api("GET", `/api/v1/monitors/${id}`) : null;
  const m = editing;
  clearErrors();
  text($("e-title"), m ? `Edit ${m.name}` : "New monitor");
  document.title = m ? `Edit ${m.name} Heartbeat` : "New monitor Heartbeat";
  $("e-name").value = m ? m.name : "";
  $("e-description").value = m ? m.description : "";
  $("e-tags").value = m ? m.tags.join(", ") : "";
  const cron = Boolean(m && m.config.schedule);
  $("e-kind-cron").checked = cron;
  $("e-kind-interval").checked = !cron;
  $("e-schedule").value = cron ? m.config.schedule : "";
  $("e-timezone").value = cron ? m.config.timezone : "UTC";
  setSeconds("e-interval", m && m.config.expectedInterval ? m.config.expectedInterval : 86400);
  setSeconds("e-grace", m ? m.config.gracePeriod : 3600);
  text($("e-preview"), "");
  showKind();
  $("e-name").focus();
}

export function wire() {
  $("editor-form").addEventListener("submit", (e) => save(e).catch((err) => text($("editor-error"), err.message)));
  $("e-kind-cron").addEventListener("change", showKind);
  $("e-kind-interval").addEventListener("change", showKind);
  $("e-schedule").addEventListener("input", preview);
  $("e-timezone").addEventListener("input", preview);
  $("e-cancel").addEventListener("click", () => history.back());
}
