// Small helpers for building the page: text only (never HTML from data), times relative to now.

export const $ = (id) => document.getElementById(id);

export function text(el, value) {
  el.textContent = value == null ? "" : String(value);
  return el;
}

export function cell(row, value, cls) {
  const td = row.insertCell();
  text(td, value);
  if (cls) td.className = cls;
  return td;
}

export function element(tag, value, cls) {
  const el = text(document.createElement(tag), value);
  if (cls) el.className = cls;
  return el;
}

// "3 min ago", "in 2 h": how long from now, to the unit a glance needs.
export function ago(iso) {
  if (!iso) return "never";
  const s = Math.round((Date.now() - Date.parse(iso)) / 1000);
  const abs = Math.abs(s);
  const [n, unit] = abs < 90 ? [s, "s"] : abs < 5400 ? [Math.round(s / 60), "min"]
    : abs < 129600 ? [Math.round(s / 3600), "h"] : [Math.round(s / 86400), "d"];
  return n >= 0 ? `${n} ${unit} ago` : `in ${-n} ${unit}`;
}

export function seconds(n) {
  if (n == null) return "";
  if (n < 90) return `${Math.round(n * 10) / 10} s`;
  if (n < 5400) return `${Math.round(n / 60)} min`;
  if (n < 172800) return `${Math.round(n / 360) / 10} h`;
  return `${Math.round(n / 8640) / 10} days`;
}
