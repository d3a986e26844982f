// The dashboard's entry point: sign-in with a token, the navigation, and a hash router.

import { alertsView, leaveAlerts, startFeed, stopFeed } from "./alerts.js";
import { ApiError, graphql, session } from "./api.js";
import { auditView } from "./audit.js";
import { h, humanise, message, show } from "./dom.js";
import { profileView } from "./profile.js";
import { regionView, regionsView } from "./region.js";

const ROUTES = [
  [/^#?\/?$/, () => regionsView()],
  [/^#\/region\/([A-Za-z0-9-]+)$/, (m) => regionView(m[1])],
  [/^#\/authority\/([A-Za-z0-9-]+)$/, (m) => profileView(m[1])],
  [/^#\/alerts$/, () => alertsView()],
  [/^#\/audit$/, () => auditView()],
];

function signInView(problem) {
  const form = h("form", { class: "sign-in" },
    h("label", { for: "token" }, "API token"),
    h("p", { class: "hint", id: "token-hint" }, "Paste the bearer token your administrator issued. It is kept in this tab only, until you sign out or close it."),
    h("input", { id: "token", name: "token", type: "password", autocomplete: "off", required: true, "aria-describedby": "token-hint", spellcheck: "false" }),
    h("button", { type: "submit" }, "Sign in"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    session.signIn(form.elements.token.value.trim());
    await start();
  });
  show(h("h1", {}, "Sign in"), problem ? message(problem, "error") : null, form);
  form.elements.token.focus();
}

async function start() {
  try {
    const { data } = await graphql("query Me { me { name role organisationCode } }");
    const me = data.me;
    document.getElementById("who").textContent = `${me.name} (${humanise(me.role)}, ${me.organisationCode})`;
    document.getElementById("nav").hidden = false;
    await Promise.all([startFeed(), route()]);
  } catch (error) {
    session.signOut();
    signInView(error instanceof ApiError ? error.message : String(error));
  }
}

function signOut() {
  stopFeed();
  session.signOut();
  document.getElementById("nav").hidden = true;
  document.getElementById("who").textContent = "";
  if (location.hash) history.replaceState(null, "", location.pathname);
  signInView();
}

async function route() {
  if (!session.token()) {
    signInView();
    return;
  }
  leaveAlerts();
  for (const link of document.querySelectorAll("#nav a")) {
    const here = link.getAttribute("href") === (location.hash || "#/");
    if (here) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  const hash = location.hash || "#/";
  for (const [pattern, view] of ROUTES) {
    const match = hash.match(pattern);
    if (!match) continue;
    try {
      await view(match);
    } catch (error) {
      if (error instanceof ApiError && error.code === "UNAUTHENTICATED") {
        signOut();
        return;
      }
      show(h("h1", {}, error.code === "NOT_FOUND" ? "Not found" : "Something went wrong"), message(error.message, "error"),
        h("p", {}, h("a", { href: "#/" }, "Back to the regions")));
    }
    return;
  }
  show(h("h1", {}, "Not found"), h("p", {}, h("a", { href: "#/" }, "Back to the regions")));
}

document.getElementById("sign-out").addEventListener("click", signOut);
window.addEventListener("hashchange", route);
if (session.token()) start();
else signInView();
