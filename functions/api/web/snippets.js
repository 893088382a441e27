// How to ping this monitor, fitted to it: its own cron line, a run's start and exit status paired by
// a run id, curl, Kubernetes and Python; for one fed by AWS events, the patterns that feed it.

import { element, text } from "./dom.js";

function examples(m, url) {
  const when = m.config.schedule || "0 2 * * *"; // an interval monitor's jobs run whenever: an example time
  const rid = 'RID=$(cat /proc/sys/kernel/random/uuid)';
  return [
    ["heartbeat run", `heartbeat run --url ${url} -- /usr/local/bin/job.sh   # start, exit status, output`],
    ["crontab", `${when} HEARTBEAT_PING_URL=${url} heartbeat run -- /usr/local/bin/job.sh`],
    ["curl", `curl -fsS --retry 3 -o /dev/null ${url}`],
    ["start and exit status", `${rid}\ncurl -fsS --retry 3 -o /dev/null "${url}/start?rid=$RID"\n/usr/local/bin/job.sh\ncurl -fsS --retry 3 -o /dev/null "${url}/$??rid=$RID"`],
    ["crontab, curl only", `${when} /usr/local/bin/job.sh && curl -fsS --retry 3 -o /dev/null ${url}`],
    ["Kubernetes CronJob", `schedule: "${when}"\njobTemplate:\n  spec:\n    template:\n      spec:\n        containers:\n          - name: job\n            image: alpine\n            command: ["/bin/sh", "-c", "job.sh; wget -q -O /dev/null ${url}/$?"]`],
    ["Python", `import urllib.request\nurllib.request.urlopen("${url}", timeout=10)`],
  ];
}

export function snippets(box, m) {
  box.replaceChildren();
  const events = m.config.events;
  if (events && events.length) { // fed by AWS events: the job needs no curl, show what feeds it
    box.append(element("h4", "Event source (EventBridge pattern)"), element("pre", events.map((p) => JSON.stringify(p, null, 2)).join("\n")));
    return;
  }
  if (!m.pingUrl) { text(box, "Ping URLs are shown to admin keys only."); return; }
  for (const [label, code] of examples(m, m.pingUrl)) {
    const copy = element("button", `Copy ${label}`);
    copy.addEventListener("click", () => navigator.clipboard && navigator.clipboard.writeText(code));
    box.append(element("h4", label), element("pre", code), copy);
  }
}
