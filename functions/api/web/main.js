// The dashboard's entry: sign-in (or the session a cookie already holds), which page the URL names
// (#monitor/<id> or the list with its filters), and a refresh every 10 s in place while the tab is visible.

import { Unauthorized, resume, session, signIn, signOut } from "./api.js";
import { $, text } from "./dom.js";
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

async function route() {
  const signedIn = Boolean(session.role);
  $("signin").hidden = signedIn;
  $("signout").hidden = !signedIn;
  const match = location.hash.match(/^#monitor\/([0-9a-f]{32})$/);
  $("list").hidden = !signedIn || Boolean(match);
  $("detail").hidden = !signedIn || !match;
  if (!signedIn) { $("key").focus(); return; }
  text($("who"), `signed in: ${session.keyName} (${session.role} key)`);
  if (!match) listHash = location.hash || "#";
  try {
    if (match) await monitor.load(match[1]);
    else await list.load();
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
window.addEventListener("hashchange", route);
setInterval(() => { if (session.role && !document.hidden) route(); }, 10000);
resume().then(route, (e) => text($("signin-error"), e.message));
