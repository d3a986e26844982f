// Early-warning alerts: open alerts for a region, the live feed, acknowledging and closing.
// Everything about alerts lives here, so the rest of the dashboard works on a hub without them.

import { graphql, isMissingField, session } from "./api.js";
import { h, humanise, message, show } from "./dom.js";
import { subscribe } from "./ws.js";

const FIELDS = "id rule title description severity state raisedAt note authority { gssCode name }";
const OPEN = `query OpenAlerts($filter: AlertFilter, $first: Int, $after: String) {
  alerts(filter: $filter, first: $first, after: $after) {
    nodes { ${FIELDS} } pageInfo { hasNextPage endCursor }
  }
}`;
const CATCH_UP_PAGES = 20; // open alerts read after a reconnect, 100 a page
const RAISED = `subscription AlertRaised { alertRaised { ${FIELDS} } }`;
const UNAVAILABLE = "This hub does not offer alerts yet.";

// `since`: when the feed started, in the hub's clock (its Date header), so that a catch-up
// after a reconnect adds only alerts raised since then.
const feed = { alerts: [], status: "off", stop: null, listeners: new Set(), unread: 0, since: null, note: "" };

function notify() {
  for (const listener of feed.listeners) listener();
  const badge = document.getElementById("alert-count");
  if (badge) {
    badge.hidden = feed.unread === 0;
    badge.textContent = feed.unread ? `${feed.unread} new` : "";
  }
}

/** Start the live feed after sign-in, if this hub offers alerts. */
export async function startFeed() {
  stopFeed();
  try {
    const { date } = await graphql("query AlertsOffered { alerts(first: 1) { nodes { id } } }");
    feed.since = date ? new Date(date).getTime() - 1000 : Date.now(); // Date has whole seconds
  } catch (error) {
    feed.status = isMissingField(error) ? "not offered by this hub" : `unavailable (${error.message})`;
    notify();
    return;
  }
  feed.stop = subscribe({
    token: session.token(),
    query: RAISED,
    onData: (data) => {
      if (!data.alertRaised) return;
      merge([data.alertRaised]);
    },
    onReconnect: () => catchUp(),
    onStatus: (status) => {
      feed.status = status;
      notify();
    },
    onError: (errors) => {
      feed.status = `unavailable (${errors.join(" ")})`;
      notify();
    },
  });
}

export function stopFeed() {
  if (feed.stop) feed.stop();
  Object.assign(feed, { alerts: [], status: "off", stop: null, unread: 0, since: null, note: "" });
  notify();
}

/** Add alerts not yet in the feed (by id), newest first. */
function merge(alerts) {
  const known = new Set(feed.alerts.map((a) => String(a.id)));
  const fresh = alerts.filter((a) => !known.has(String(a.id)));
  if (!fresh.length) return;
  feed.alerts = [...fresh, ...feed.alerts].sort((a, b) => Date.parse(b.raisedAt) - Date.parse(a.raisedAt));
  feed.unread += fresh.length;
  notify();
}

/**
 * After a reconnect: alerts raised while the socket was down were never sent, so read the open
 * (and acknowledged) ones again and merge those raised since the feed started.
 */
async function catchUp() {
  const filter = { states: ["OPEN", "ACKNOWLEDGED"] };
  const found = [];
  let after = null;
  try {
    for (let page = 0; page < CATCH_UP_PAGES; page += 1) {
      const { data } = await graphql(OPEN, { filter, first: 100, after });
      found.push(...data.alerts.nodes);
      if (!data.alerts.pageInfo.hasNextPage) {
        feed.note = "";
        after = null;
        break;
      }
      after = data.alerts.pageInfo.endCursor;
    }
    if (after !== null) {
      feed.note = `More than ${CATCH_UP_PAGES * 100} open alerts: some raised while reconnecting may be missing here; see the open alerts below.`;
    }
  } catch (error) {
    feed.note = `Could not catch up after reconnecting (${error.message}); see the open alerts below.`;
  }
  merge(found.filter((a) => Date.parse(a.raisedAt) >= feed.since));
  notify();
}

/** Alerts not yet closed (open or acknowledged) for a region, or null if this hub has none. */
export async function openAlerts(region) {
  try {
    const filter = { region, states: ["OPEN", "ACKNOWLEDGED"] };
    const { data } = await graphql(OPEN, { filter, first: 100 });
    return data.alerts.nodes;
  } catch (error) {
    if (isMissingField(error) || /AlertFilter/.test(error.message)) return null;
    throw error;
  }
}

export function alertItem(alert, { actions = false } = {}) {
  const when = new Date(alert.raisedAt).toLocaleString("en-GB", { timeZone: "UTC" });
  const item = h(
    "li",
    { class: `alert severity-${String(alert.severity).toLowerCase()}`, "data-alert": alert.id },
    h("p", { class: "alert-title" },
      h("span", { class: "severity" }, humanise(alert.severity)), " ",
      h("a", { href: `#/authority/${alert.authority.gssCode}` }, alert.authority.name), ": ",
      alert.title),
    alert.description ? h("p", {}, alert.description) : null,
    h("p", { class: "meta" }, `${humanise(alert.state)} · raised ${when} UTC · rule ${alert.rule}`),
    alert.note ? h("p", { class: "meta" }, `Note: ${alert.note}`) : null,
  );
  if (actions && alert.state !== "CLOSED") item.append(actionForm(alert));
  return item;
}

function actionForm(alert) {
  const noteId = `note-${alert.id}`;
  const status = h("p", { class: "meta", role: "status" });
  const form = h("form", { class: "inline" },
    h("label", { for: noteId }, "Note"),
    h("input", { id: noteId, name: "note", type: "text", autocomplete: "off" }),
    alert.state === "OPEN" ? h("button", { type: "submit", value: "acknowledgeAlert" }, "Acknowledge") : null,
    h("button", { type: "submit", value: "closeAlert" }, "Close"),
    status);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const mutation = event.submitter?.value ?? "acknowledgeAlert";
    const note = form.elements.note.value;
    try {
      const { errors } = await graphql(
        `mutation($id: ID!, $note: String!) { ${mutation}(id: $id, note: $note) { id state } }`,
        { id: alert.id, note },
      );
      status.textContent = errors.length ? errors.map((e) => e.message).join(" ") : "Saved.";
      if (!errors.length) alert.state = mutation === "closeAlert" ? "CLOSED" : "ACKNOWLEDGED";
    } catch (error) {
      status.textContent = error.message;
    }
  });
  return form;
}

/** The live feed page: alerts as they are raised, newest first, announced politely. */
export async function alertsView() {
  feed.unread = 0;
  const status = h("p", { class: "feed-status", role: "status" });
  const live = h("ol", { class: "alerts", id: "live-alerts", "aria-live": "polite" });
  const earlier = h("section", { "aria-labelledby": "open-heading" });
  // New alerts are added above the ones shown, so a note being typed is never wiped.
  const render = () => {
    status.textContent = `Live feed: ${feed.status}.${feed.note ? ` ${feed.note}` : ""}`;
    const shown = new Set([...live.querySelectorAll("li[data-alert]")].map((li) => li.dataset.alert));
    const fresh = feed.alerts.filter((a) => !shown.has(String(a.id)));
    live.prepend(...fresh.map((a) => alertItem(a, { actions: true })));
    live.querySelector(".empty")?.remove();
    if (!feed.alerts.length) live.append(h("li", { class: "empty" }, "No alerts since you signed in."));
  };
  feed.listeners.clear();
  feed.listeners.add(() => {
    feed.unread = 0;
    render();
  });
  render();
  show(h("h1", {}, "Live alerts"),
    h("p", {}, "Alerts for the authorities you may see appear here the moment a batch lands."),
    status, h("section", { "aria-labelledby": "live-heading" },
      h("h2", { id: "live-heading" }, "Since you signed in"), live), earlier);
  notify();
  try {
    const open = await openAlerts(null);
    earlier.append(h("h2", { id: "open-heading" }, "Open and acknowledged alerts"));
    if (open === null) earlier.append(message(UNAVAILABLE));
    else if (!open.length) earlier.append(h("p", {}, "No open or acknowledged alerts."));
    else earlier.append(h("ol", { class: "alerts" }, open.map((a) => alertItem(a, { actions: true }))));
  } catch (error) {
    earlier.append(message(error.message, "error"));
  }
}

export function leaveAlerts() {
  feed.listeners.clear();
}

export { UNAVAILABLE };
