// The dashboard's entry: sign-in (or the session a cookie already holds), which page the URL names
// (#monitor/<id> or the list with its filters), and a refresh every 10 s in place while the tab is visible.

import { Unauthorized, resume, session, signIn, signOut } from "./api.js";
import { $, text } from "./dom.js";
import * as alerts from "./alerts.js";
import * as editor from "./editor.js";
import * as incidents from "./incidents.js";
import * as keys from "./keys.js";
import * as list from "./list.js";
import * as monitor from "./monitor.js";

let listHash = "#"; // where "All monitors" goes back to: the list as it was filtered

async function leave(message) {
  await signOut();
  text($("who"), "");
  text($("counts"), "");
  text($("signin-error"), message || "");
  route();
}

// The page the URL names: #monitor/<id>, #edit/<id>, #new, or the list (#?q=…&tag=…&status=…).
function page() {
  const [, name, id] = location.hash.match(/^#(monitor|edit)\/([0-9a-f]{32})$/) || location.hash.match(/^#(new|incidents|alerts|keys)$/) || [];
  return { name: name || "list", id };
}

async function route(refreshing = false) {
  const signedIn = Boolean(session.role);
  const at = page();
  $("signin").hidden = signedIn;
  $("signout").hidden = !signedIn;
  $("list").hidden = !signedIn || at.name !== "list";
  $("detail").hidden = !signedIn || at.name !== "monitor";
  $("editor").hidden = !signedIn || !["new", "edit"].includes(at.name);
  $("incidents-page").hidden = !signedIn || at.name !== "incidents";
  $("alerts-page").hidden = !signedIn || at.name !== "alerts";
  $("keys-page").hidden = !signedIn || at.name !== "keys";
  $("nav").hidden = !signedIn;
  $("nav-keys").hidden = session.role !== "admin";
  if (!signedIn) { $("key").focus(); return; }
  if (refreshing && !["list", "monitor", "incidents", "alerts"].includes(at.name)) return; // never under a person typing
  text($("who"), `signed in: ${session.keyName} (${session.role} key)`);
  $("new-monitor").hidden = session.role !== "admin";
  if (at.name === "list") listHash = location.hash || "#";
  try {
    if (at.name === "monitor") await monitor.load(at.id);
    else if (at.name === "list") await list.load();
    else if (at.name === "incidents") await incidents.load();
    else if (at.name === "alerts") await alerts.load();
    else if (at.name === "keys") await keys.load();
    else await editor.load(at.id);
  } catch (e) {
    if (e instanceof Unauthorized) leave(e.message);
    else text($("updated"), `could not refresh: ${e.message}`);
  }
}

$("signin").addEventListener("submit", async (e) => {
  e.preventDefault();
  try {
    await signIn($("key").value.trim());
    text($("signin-error"), "");
    $("key").value = "";
    await route();
  } catch (err) {
    text($("signin-error"), err.message);
  }
});
$("signout").addEventListener("click", () => leave());
$("back").addEventListener("click", (e) => { e.preventDefault(); location.hash = listHash; });
list.wire();
monitor.wire();
editor.wire();
keys.wire();
alerts.wire();
window.addEventListener("hashchange", () => route());
setInterval(() => { if (session.role && !document.hidden) route(true); }, 10000);
// Who the cookie signs in; should that fail (the API busy, the network down), the sign-in form says why.
resume().catch((e) => text($("signin-error"), `could not reach the API: ${e.message}`)).finally(() => route());
