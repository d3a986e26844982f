// An authority's profile: facts, assessments, flags, and each indicator's trend against the
// regional and national medians (those count every authority whose agreement allows aggregates,
// including authorities whose values are not shared with the reader).

import { graphql } from "./api.js";
import { trendChart } from "./chart.js";
import { h, humanise, message, number, show, table } from "./dom.js";

const PROFILE = `query Profile($code: String!) {
  authority(code: $code) {
    gssCode name shortName type region { code name } county { gssCode name }
    assessments { framework period score judgement directionOfTravel publishedOn }
    flags { kind title raisedOn liftedOn }
    series { indicator { code title unit polarity } periods periodStarts values }
  }
}`;
const PER_REQUEST = 7; // two aliases per indicator; the hub admits 15 aliases a document

/**
 * One group per indicator, from the columnar `series` (every current value in one response:
 * not paged, so nothing is cut off; the hub refuses with TOO_MANY_ROWS rather than truncate).
 */
function groupByIndicator(series) {
  const ordered = series.map((s) => ({
    indicator: s.indicator,
    rows: s.periods.map((period, k) => ({ period, periodStart: s.periodStarts[k], value: s.values[k] })),
  }));
  ordered.sort((a, b) => a.indicator.code.localeCompare(b.indicator.code, "en", { numeric: true }));
  for (const g of ordered) g.rows.sort((a, b) => a.periodStart.localeCompare(b.periodStart));
  return ordered;
}

/** Trends and latest comparisons for a few indicators, in one request. */
async function comparisons(groups, authority, region) {
  const parts = groups.map((g, i) => {
    const code = JSON.stringify(g.indicator.code);
    const last = JSON.stringify(g.rows[g.rows.length - 1].period);
    return `t${i}: indicatorTrend(indicator: ${code}, region: $region) {
        period periodStart regionalMedian nationalMedian }
      c${i}: indicatorComparison(indicator: ${code}, period: ${last}, authority: $authority) {
        period value nationalQuartile bottomQuartile national { count } }`;
  });
  const query = `query Compare($region: String!, $authority: String!) { ${parts.join("\n")} }`;
  const { data } = await graphql(query, { region, authority });
  return groups.map((_, i) => ({ trend: data[`t${i}`] ?? [], latest: data[`c${i}`] }));
}

const QUARTILES = { 1: "bottom national quartile", 2: "second national quartile", 3: "third national quartile", 4: "top national quartile" };

function indicatorFigure(group, compared, authorityName) {
  const { indicator, rows } = group;
  const own = new Map(rows.map((r) => [r.period, r.value]));
  const regional = new Map(compared.trend.map((p) => [p.period, p.regionalMedian]));
  const national = new Map(compared.trend.map((p) => [p.period, p.nationalMedian]));
  const starts = new Map([...rows.map((r) => [r.period, r.periodStart]), ...compared.trend.map((p) => [p.period, p.periodStart])]);
  const periods = [...starts.entries()].sort((a, b) => a[1].localeCompare(b[1])).map(([period, start]) => ({ period, start }));
  const polarity = humanise(indicator.polarity);
  const latest = compared.latest;
  let standing = "No national comparison shared with you.";
  if (latest && latest.nationalQuartile) {
    standing = `${latest.period}: ${number(latest.value)}, ${QUARTILES[latest.nationalQuartile]} of ${latest.national.count}.`;
  } else if (latest && latest.value !== null && latest.national.count) {
    standing = `${latest.period}: ${number(latest.value)} (national group of ${latest.national.count}).`;
  }
  return h("section", { class: "indicator", "aria-labelledby": `ind-${indicator.code}`, "data-indicator": indicator.code },
    h("h3", { id: `ind-${indicator.code}` }, `${indicator.code} ${indicator.title}`),
    h("p", { class: `meta${latest?.bottomQuartile ? " warning" : ""}` }, `${polarity}. ${standing}`),
    trendChart({
      title: `${indicator.code}: ${authorityName} against the regional and national medians`,
      unit: indicator.unit,
      periods,
      series: [
        { name: authorityName, key: "authority", values: own, marked: true },
        { name: "Regional median", key: "region", values: regional },
        { name: "National median", key: "nation", values: national },
      ],
    }));
}

export async function profileView(code) {
  const { data, errors } = await graphql(PROFILE, { code });
  const a = data.authority;
  if (!a) {
    // An unknown authority, or its values refused whole (TOO_MANY_ROWS): say so, never show part.
    const why = errors.map((e) => e.message).join(" ") || "No such authority.";
    show(h("h1", {}, "Authority"), message(why, "error"));
    return;
  }
  const groups = groupByIndicator(a.series);
  const charts = h("div", { class: "charts" });
  show(
    h("p", { class: "crumbs" }, h("a", { href: "#/" }, "Regions"), " › ",
      h("a", { href: `#/region/${a.region.code}` }, a.region.name), " › ", a.name),
    h("h1", {}, a.name),
    errors.length ? message(errors.map((e) => e.message).join(" "), "error") : null,
    h("dl", { class: "facts" },
      h("dt", {}, "GSS code"), h("dd", {}, a.gssCode),
      h("dt", {}, "Type"), h("dd", {}, a.type),
      h("dt", {}, "Region"), h("dd", {}, a.region.name),
      a.county ? [h("dt", {}, "County"), h("dd", {}, h("a", { href: `#/authority/${a.county.gssCode}` }, a.county.name))] : null),
    h("section", { "aria-labelledby": "assessments-heading" },
      h("h2", { id: "assessments-heading" }, "Assessments"),
      a.assessments.length
        ? table("Current published assessments", ["Framework", "Period", "Score", "Judgement", "Direction of travel", "Published"],
          a.assessments.map((x) => [humanise(x.framework), x.period, number(x.score), x.judgement ?? "–", x.directionOfTravel ?? "–", x.publishedOn]))
        : h("p", {}, "No assessments shared with you.")),
    h("section", { "aria-labelledby": "flags-heading" },
      h("h2", { id: "flags-heading" }, "Flags and notices"),
      a.flags.length
        ? h("ul", {}, a.flags.map((f) => h("li", {}, `${humanise(f.kind)}: ${f.title} (raised ${f.raisedOn}${f.liftedOn ? `, lifted ${f.liftedOn}` : ""})`)))
        : h("p", {}, "None shared with you.")),
    h("section", { "aria-labelledby": "indicators-heading" },
      h("h2", { id: "indicators-heading" }, "Indicators"),
      h("p", { class: "hint" }, "The medians count every authority whose agreement allows its values in comparisons, including authorities whose values are not shared with you; the quartile is the latest period's, against the nation."),
      groups.length ? charts : h("p", {}, "No indicator values shared with you.")),
  );
  for (let i = 0; i < groups.length; i += PER_REQUEST) {
    const chunk = groups.slice(i, i + PER_REQUEST);
    try {
      const compared = await comparisons(chunk, a.gssCode, a.region.code);
      chunk.forEach((g, j) => charts.append(indicatorFigure(g, compared[j], a.shortName ?? a.name)));
    } catch (error) {
      charts.append(message(error.message, "error"));
    }
  }
}
