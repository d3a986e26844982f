// Building elements from parts: every value from the hub is inserted as text, never as HTML.

const SVG_NS = "http://www.w3.org/2000/svg";

function fill(el, attrs, children) {
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") {
      el.addEventListener(name.slice(2), value);
    } else {
      el.setAttribute(name, value === true ? "" : String(value));
    }
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

/** An HTML element: h("a", {href: "#/"}, "Home"). */
export function h(tag, attrs, ...children) {
  return fill(document.createElement(tag), attrs, children);
}

/** An SVG element. */
export function s(tag, attrs, ...children) {
  return fill(document.createElementNS(SVG_NS, tag), attrs, children);
}

/** Replace the content of the page and move focus to its heading, for screen readers. */
export function show(...children) {
  const main = document.getElementById("main");
  main.replaceChildren(...children.flat(Infinity).filter((c) => c !== null && c !== undefined && c !== false));
  const heading = main.querySelector("h1");
  if (heading) {
    heading.setAttribute("tabindex", "-1");
    heading.focus();
    document.title = `${heading.textContent} – Hub dashboard`;
  }
}

/** A table with a caption, in a box that scrolls sideways (by keyboard too) on narrow screens. */
export function table(caption, headings, rows) {
  const t = h(
    "table",
    {},
    h("caption", {}, caption),
    h("thead", {}, h("tr", {}, headings.map((x) => h("th", { scope: "col" }, x)))),
    h("tbody", {}, rows.map((cells) => h("tr", {}, cells.map((c) => h("td", {}, c))))),
  );
  return h("div", { class: "table-wrap", role: "region", "aria-label": caption, tabindex: "0" }, t);
}

export function message(text, kind = "info") {
  return h("p", { class: `message ${kind}`, role: kind === "error" ? "alert" : "status" }, text);
}

let counter = 0;
export function uid(prefix) {
  counter += 1;
  return `${prefix}-${counter}`;
}

export function number(value) {
  if (value === null || value === undefined) return "–";
  if (Number.isInteger(value)) return String(value);
  const size = Math.abs(value);
  return value.toFixed(size >= 100 ? 0 : size >= 1 ? 1 : 3);
}

const LABELS = {
  RIEP_ANALYST: "RIEP analyst",
  IDEA_ANALYST: "IDeA analyst",
  CPA: "CPA",
  CAA_ORGANISATIONAL: "CAA organisational",
  OFSTED_APA: "Ofsted APA",
  OFSTED_JAR: "Ofsted JAR",
  OFSTED_CHILDRENS_SERVICES: "Ofsted children's services",
  CQC_ADULT_SOCIAL_CARE: "CQC adult social care",
  CAA_RED: "CAA red flag",
  CAA_GREEN: "CAA green flag",
};

/** A readable label for an enum value: RIEP_ANALYST -> "RIEP analyst". */
export function humanise(text) {
  if (LABELS[text]) return LABELS[text];
  const words = String(text ?? "").toLowerCase().replaceAll("_", " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}
