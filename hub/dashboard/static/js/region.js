// Regions: the list, and one region's overview (authorities, latest assessments, open alerts).

import { alertItem, openAlerts, UNAVAILABLE } from "./alerts.js";
import { graphql } from "./api.js";
import { h, humanise, message, show, table } from "./dom.js";

const REGIONS = "query Regions { regions { code name } }";
const REGION = `query Region($code: String!) {
  region(code: $code) {
    code name
    authorities {
      gssCode name type
      assessments { framework period score judgement directionOfTravel publishedOn }
      flags { kind title raisedOn liftedOn }
    }
  }
}`;

export async function regionsView() {
  const { data } = await graphql(REGIONS);
  show(
    h("h1", {}, "Regions"),
    h("p", {}, "Choose a region to see its authorities, their latest assessments and open alerts."),
    h("ul", { class: "cards" }, data.regions.map((r) =>
      h("li", {}, h("a", { href: `#/region/${r.code}` }, r.name), h("span", { class: "meta" }, ` ${r.code}`)))),
  );
}

function latest(assessments) {
  if (!assessments.length) return "None shared";
  const newest = [...assessments].sort((a, b) => b.publishedOn.localeCompare(a.publishedOn))[0];
  const parts = [`${humanise(newest.framework)} ${newest.period}`];
  if (newest.score !== null) parts.push(`score ${newest.score}`);
  if (newest.judgement) parts.push(newest.judgement);
  if (newest.directionOfTravel) parts.push(newest.directionOfTravel);
  return parts.join(", ");
}

function flags(list) {
  const current = list.filter((f) => !f.liftedOn);
  if (!current.length) return "None";
  return current.map((f) => `${humanise(f.kind)}: ${f.title}`).join("; ");
}

export async function regionView(code) {
  const { data, errors } = await graphql(REGION, { code });
  const region = data.region;
  const alerts = h("section", { "aria-labelledby": "alerts-heading" }, h("h2", { id: "alerts-heading" }, "Open and acknowledged alerts"));
  show(
    h("p", { class: "crumbs" }, h("a", { href: "#/" }, "Regions"), " › ", region.name),
    h("h1", {}, region.name),
    errors.length ? message(errors.map((e) => e.message).join(" "), "error") : null,
    h("section", { "aria-labelledby": "authorities-heading" },
      h("h2", { id: "authorities-heading" }, `Authorities (${region.authorities.length})`),
      table(`Authorities of ${region.name}, with the latest assessment and current flags you may see`,
        ["Authority", "Type", "Latest assessment", "Current flags"],
        region.authorities.map((a) => [
          h("a", { href: `#/authority/${a.gssCode}` }, a.name), a.type, latest(a.assessments), flags(a.flags),
        ]))),
    alerts,
  );
  try {
    const open = await openAlerts(code);
    if (open === null) alerts.append(message(UNAVAILABLE));
    else if (!open.length) alerts.append(h("p", {}, "No open or acknowledged alerts for this region."));
    else alerts.append(h("ol", { class: "alerts" }, open.map((a) => alertItem(a))));
  } catch (error) {
    alerts.append(message(error.message, "error"));
  }
}
