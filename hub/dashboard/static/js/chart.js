// Trend charts drawn as inline SVG, each with a text summary and the figures as a table.

import { h, number, s, table, uid } from "./dom.js";

const WIDTH = 640;
const HEIGHT = 260;
const M = { top: 16, right: 40, bottom: 44, left: 56 };

function scale(domainMin, domainMax, rangeMin, rangeMax) {
  const span = domainMax - domainMin || 1;
  return (v) => rangeMin + ((v - domainMin) / span) * (rangeMax - rangeMin);
}

function ticks(min, max, count = 4) {
  const step = (max - min) / count;
  return Array.from({ length: count + 1 }, (_, i) => min + step * i);
}

/** A path through the points that have values; a gap breaks the line. */
function pathOf(points) {
  let d = "";
  let pen = "M";
  for (const p of points) {
    if (p === null) {
      pen = "M";
      continue;
    }
    d += `${pen}${p[0].toFixed(1)},${p[1].toFixed(1)} `;
    pen = "L";
  }
  return d.trim();
}

function describe(title, periods, series) {
  const parts = [];
  for (const line of series) {
    const known = periods.map((p) => [p.period, line.values.get(p.period)]).filter((x) => x[1] != null);
    if (known.length === 0) {
      parts.push(`${line.name}: no figures.`);
      continue;
    }
    const [first, last] = [known[0], known[known.length - 1]];
    parts.push(`${line.name}: ${number(first[1])} in ${first[0]}, ${number(last[1])} in ${last[0]}.`);
  }
  return `${title}. ${parts.join(" ")}`;
}

/**
 * A line chart of several series over the same periods.
 * periods: [{period, start}] in order; series: [{name, key, values: Map(period -> number|null)}].
 */
export function trendChart({ title, unit, periods, series }) {
  const all = series.flatMap((line) => periods.map((p) => line.values.get(p.period))).filter((v) => v != null);
  const titleId = uid("chart-title");
  const descId = uid("chart-desc");
  const figure = h("figure", { class: "chart" });
  if (all.length === 0) {
    figure.append(h("figcaption", {}, title), h("p", {}, "No figures to chart for this indicator."));
    return figure;
  }
  let [low, high] = [Math.min(...all), Math.max(...all)];
  const pad = (high - low) * 0.08 || Math.abs(high) * 0.1 || 1;
  [low, high] = [low - pad, high + pad];
  const x = scale(0, Math.max(periods.length - 1, 1), M.left, WIDTH - M.right);
  const y = scale(low, high, HEIGHT - M.bottom, M.top);
  const svg = s("svg", {
    viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
    role: "img",
    "aria-labelledby": `${titleId} ${descId}`,
    class: "trend",
    focusable: "false",
  });
  svg.append(s("title", { id: titleId }, title), s("desc", { id: descId }, describe(title, periods, series)));
  const grid = s("g", { class: "grid" });
  const marks = ticks(low, high);
  const digits = Math.max(0, Math.min(4, 1 - Math.floor(Math.log10(marks[1] - marks[0]))));
  for (const t of marks) {
    grid.append(
      s("line", { x1: M.left, x2: WIDTH - M.right, y1: y(t).toFixed(1), y2: y(t).toFixed(1) }),
      s("text", { x: M.left - 6, y: (y(t) + 4).toFixed(1), "text-anchor": "end" }, t.toFixed(digits)),
    );
  }
  const every = Math.ceil(periods.length / 8);
  periods.forEach((p, i) => {
    if (i % every !== 0 && i !== periods.length - 1) return;
    grid.append(s("text", { x: x(i).toFixed(1), y: HEIGHT - M.bottom + 18, "text-anchor": "middle" }, p.period));
  });
  grid.append(s("text", { x: M.left, y: HEIGHT - 6, "text-anchor": "start", class: "unit" }, unit ? `Unit: ${unit}` : ""));
  svg.append(grid);
  for (const line of series) {
    const points = periods.map((p, i) => {
      const v = line.values.get(p.period);
      return v == null ? null : [x(i), y(v)];
    });
    const group = s("g", { class: `series series-${line.key}` });
    group.append(s("path", { d: pathOf(points), "data-points": points.filter(Boolean).length }));
    if (line.marked) {
      for (const p of points.filter(Boolean)) {
        group.append(s("circle", { cx: p[0].toFixed(1), cy: p[1].toFixed(1), r: 3.5 }));
      }
    }
    svg.append(group);
  }
  const legend = h(
    "ul",
    { class: "legend" },
    series.map((line) =>
      h("li", {}, s("svg", { viewBox: "0 0 28 10", class: `swatch series-${line.key}`, "aria-hidden": "true" },
        s("path", { d: "M1,5 L27,5" })), line.name),
    ),
  );
  const rows = periods.map((p) => [p.period, ...series.map((line) => number(line.values.get(p.period)))]);
  const figures = h("details", {}, h("summary", {}, "Figures as a table"),
    table(title, ["Period", ...series.map((line) => line.name)], rows));
  figure.append(h("figcaption", {}, title), svg, legend, figures);
  return figure;
}
