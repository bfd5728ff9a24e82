// Building the page without ever parsing data as HTML: every value goes in
// as textContent or an attribute set by name (the names are ours, never
// data). Nothing in the dashboard assigns markup to an element.

const SVG = 'http://www.w3.org/2000/svg';

function fill(e, attrs, kids) {
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'text') e.textContent = String(v);
    else if (k === 'on') for (const [ev, fn] of Object.entries(v)) e.addEventListener(ev, fn);
    else e.setAttribute(k, String(v));
  }
  for (const c of kids.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

export function el(tag, attrs, ...kids) {
  return fill(document.createElement(tag), attrs, kids);
}

export function svg(tag, attrs, ...kids) {
  return fill(document.createElementNS(SVG, tag), attrs, kids);
}

export function clear(e) {
  while (e.firstChild) e.firstChild.remove();
  return e;
}

// A figure the tests read back: data-k names it, the text is the number.
export function figure(key, label, value, extra) {
  return el('div', { class: 'tile', 'data-tile': key },
    el('div', { class: 'tile-value', 'data-k': key, text: value }),
    el('div', { class: 'tile-label', text: label }),
    extra || null);
}

export function table(headers, rows, attrs) {
  return el('table', attrs || {},
    el('thead', {}, el('tr', {}, headers.map((h) => el('th', { text: h })))),
    el('tbody', {}, rows));
}

export function fmtTime(iso, lang) {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  return d.toLocaleString(lang === 'ja' ? 'ja-JP' : 'en-GB', { hour12: false });
}

export function fmtNum(n) {
  return typeof n === 'number' ? String(n) : '—';
}
