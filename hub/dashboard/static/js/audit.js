// The auditor's view: the access log, filtered and paged, and the authority transparency report
// (who read an authority's data, when, why and under which agreement). Each role sees what the
// hub's policies let it: auditors the whole log, others their own records.

import { graphql } from "./api.js";
import { h, humanise, message, show, table } from "./dom.js";

const RECORDS = `query Access($filter: AccessRecordFilter, $first: Int, $after: String) {
  accessRecords(filter: $filter, first: $first, after: $after) {
    nodes { id at principal organisation role purpose operationType operationName outcome
      touched { kind authority source rows } }
    pageInfo { hasNextPage endCursor }
  }
}`;
const REPORT = `query Transparency($authority: String, $since: DateTime, $until: DateTime) {
  accessToAuthorities(authority: $authority, since: $since, until: $until) {
    authority organisation role purpose day agreement agreementVersion requests rows
  }
}`;
const OUTCOMES = ["", "ALLOWED", "DENIED", "ERROR", "UNAUTHENTICATED", "LIMITED"];

function field(id, label, attrs = {}) {
  return h("div", { class: "field" }, h("label", { for: id }, label), h("input", { id, name: id, ...attrs }));
}

function startOfDay(value) {
  return value ? `${value}T00:00:00Z` : null;
}

/** "31 Assessment rows of 9 authorities; 2 Flag rows of 2 authorities". */
function touched(list) {
  if (!list.length) return "–";
  const kinds = new Map();
  for (const t of list) {
    const k = kinds.get(t.kind) ?? { rows: 0, authorities: new Set() };
    k.rows += t.rows;
    k.authorities.add(t.authority);
    kinds.set(t.kind, k);
  }
  return [...kinds].map(([kind, k]) => {
    const who = k.authorities.size === 1 ? [...k.authorities][0] : `${k.authorities.size} authorities`;
    return `${k.rows} ${kind} ${k.rows === 1 ? "row" : "rows"} of ${who}`;
  }).join("; ");
}

const nowrap = (text) => h("span", { class: "nowrap" }, text);

export async function auditView() {
  const results = h("div", { "aria-live": "polite" });
  const report = h("div", { "aria-live": "polite" });
  const logForm = h("form", { class: "filters", "aria-labelledby": "log-heading" },
    field("organisation", "Organisation code", { type: "text", autocomplete: "off" }),
    field("authority", "Authority (GSS or three-letter code)", { type: "text", autocomplete: "off" }),
    h("div", { class: "field" }, h("label", { for: "outcome" }, "Outcome"),
      h("select", { id: "outcome", name: "outcome" }, OUTCOMES.map((o) => h("option", { value: o }, o ? humanise(o) : "Any")))),
    field("since", "From (UTC day)", { type: "date" }),
    field("until", "Before (UTC day)", { type: "date" }),
    h("button", { type: "submit" }, "Show records"));
  const reportForm = h("form", { class: "filters", "aria-labelledby": "report-heading" },
    field("report-authority", "Authority (GSS or three-letter code)", { type: "text", autocomplete: "off" }),
    field("report-since", "From (UTC day)", { type: "date" }),
    h("button", { type: "submit" }, "Show report"));
  let after = null;

  async function loadRecords(append) {
    const v = (name) => logForm.elements[name].value.trim() || null;
    const filter = {
      organisation: v("organisation"), authority: v("authority"), outcome: v("outcome"),
      since: startOfDay(v("since")), until: startOfDay(v("until")),
    };
    try {
      const { data, errors } = await graphql(RECORDS, { filter, first: 50, after: append ? after : null });
      const page = data.accessRecords;
      after = page.pageInfo.endCursor;
      const rows = page.nodes.map((r) => [
        r.id, nowrap(r.at.replace("T", " ").slice(0, 19)), r.organisation ?? "–", r.role ? humanise(r.role) : "–",
        r.purpose ?? "–", r.operationName ?? r.operationType, humanise(r.outcome), touched(r.touched),
      ]);
      const t = table("Access records, oldest first", ["#", "At (UTC)", "Organisation", "Role", "Purpose", "Operation", "Outcome", "Received"], rows);
      const more = page.pageInfo.hasNextPage
        ? h("button", { type: "button", onclick: () => loadRecords(true) }, "Next 50 records") : null;
      results.replaceChildren(errors.length ? message(errors.map((e) => e.message).join(" "), "error") : "",
        rows.length ? t : h("p", {}, "No records match."), more ?? "");
    } catch (error) {
      results.replaceChildren(message(error.message, "error"));
    }
  }

  async function loadReport() {
    const authority = reportForm.elements["report-authority"].value.trim() || null;
    const since = startOfDay(reportForm.elements["report-since"].value);
    try {
      const { data } = await graphql(REPORT, { authority, since, until: null });
      const rows = data.accessToAuthorities.map((r) => [
        nowrap(r.day), r.authority, r.organisation ?? "–", r.role ? humanise(r.role) : "–", r.purpose ?? "–",
        r.agreement ? `${r.agreement} v${r.agreementVersion}` : "none needed", r.requests, r.rows,
      ]);
      report.replaceChildren(rows.length
        ? table("Who read authorities' data, per organisation, role, purpose and day",
          ["Day", "Authority", "Organisation", "Role", "Purpose", "Agreement", "Requests", "Rows"], rows)
        : h("p", {}, "Nobody has read this data in that time."));
    } catch (error) {
      report.replaceChildren(message(error.message, "error"));
    }
  }

  logForm.addEventListener("submit", (e) => { e.preventDefault(); loadRecords(false); });
  reportForm.addEventListener("submit", (e) => { e.preventDefault(); loadReport(); });
  show(
    h("h1", {}, "Access log"),
    h("p", {}, "Every request for data, in the order recorded. Auditors see all of it; everyone else their own requests."),
    h("section", {}, h("h2", { id: "log-heading" }, "Access records"), logForm, results),
    h("section", {}, h("h2", { id: "report-heading" }, "Authority transparency report"),
      h("p", {}, "Which organisations received an authority's data, under which agreement, and how much."),
      reportForm, report),
  );
  await Promise.all([loadRecords(false), loadReport()]);
}
