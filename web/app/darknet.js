// Darknet: where scanners come from (a world map by country), one port's
// hourly packets with the hub's forecast band, the surges of the last day
// and the top scanners with their fingerprints. It redraws on every
// "darknet" event of the hub's stream (a window was stored) and every
// 30 seconds.
import uPlot from '/static/vendor/uplot/dist/uPlot.esm.js';
import { api } from './api.js';
import { el, svg, clear, table, fmtTime } from './dom.js';
import { t, lang } from './i18n.js';

let atlas = null; // { features, alpha2ToNumeric, names: {en, ja} }

async function loadAtlas() {
  if (atlas) return atlas;
  const get = async (p) => (await fetch(p, { credentials: 'same-origin' })).json();
  const [world, codes, en, ja] = await Promise.all([
    get('/static/vendor/world-atlas/countries-110m.json'),
    get('/static/vendor/i18n-iso-countries/codes.json'),
    get('/static/vendor/i18n-iso-countries/langs/en.json'),
    get('/static/vendor/i18n-iso-countries/langs/ja.json'),
  ]);
  const a2n = {};
  for (const [a2, , num] of codes) a2n[a2] = num;
  const features = window.topojson.feature(world, world.objects.countries).features;
  atlas = { features, a2n, names: { en: en.countries, ja: ja.countries } };
  return atlas;
}

function countryName(a2) {
  const n = atlas && atlas.names[lang()] && atlas.names[lang()][a2];
  return Array.isArray(n) ? n[0] : n || a2;
}

function byCountry(sources) {
  const m = new Map();
  for (const s of sources) {
    const cc = s.country || '--';
    const e = m.get(cc) || { cc, sources: 0, packets: 0 };
    e.sources += 1;
    e.packets += s.packets;
    m.set(cc, e);
  }
  return [...m.values()].sort((a, b) => b.sources - a.sources || a.cc.localeCompare(b.cc));
}

function drawMap(box, counts) {
  const W = 900, H = 460;
  const d3 = window.d3;
  const proj = d3.geoNaturalEarth1().fitSize([W, H], { type: 'Sphere' });
  const path = d3.geoPath(proj);
  const byNum = new Map();
  for (const c of counts) if (atlas.a2n[c.cc]) byNum.set(atlas.a2n[c.cc], c);
  const max = Math.max(1, ...counts.map((c) => c.sources));
  const color = d3.scaleSequentialLog(d3.interpolateOrRd).domain([1, Math.max(2, max)]);
  const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'map', role: 'img', 'data-k': 'map' },
    svg('path', { d: path({ type: 'Sphere' }), class: 'sphere' }));
  for (const f of atlas.features) {
    const c = byNum.get(f.id);
    const p = svg('path', { d: path(f) || '', class: c ? 'country hot' : 'country',
      fill: c ? color(c.sources) : null, 'data-cc': c ? c.cc : null,
      'data-sources': c ? c.sources : null });
    const label = f.properties && f.properties.name ? f.properties.name : '';
    p.append(svg('title', { text: c ? `${countryName(c.cc)}: ${c.sources} / ${c.packets}` : label }));
    root.append(p);
  }
  clear(box).append(root);
}

function drawSeries(box, body) {
  clear(box);
  const pts = body.series || [];
  const fc = body.forecast && body.forecast.available ? body.forecast.points : [];
  if (!pts.length && !fc.length) {
    box.append(el('p', { class: 'muted', text: t('dn.nodata') }));
    return;
  }
  const xs = [], obs = [], mid = [], lo = [], hi = [];
  for (const p of pts) { xs.push(Date.parse(p.t) / 1000); obs.push(p.packets); mid.push(null); lo.push(null); hi.push(null); }
  for (const p of fc) { xs.push(Date.parse(p.t) / 1000); obs.push(null); mid.push(p.packets); lo.push(p.lo); hi.push(p.hi); }
  const width = Math.max(320, box.clientWidth || 800);
  const opts = {
    width, height: 260,
    series: [
      {},
      { label: t('dn.packets'), stroke: '#c0392b', width: 2 },
      { label: t('dn.forecast'), stroke: '#2c3e50', dash: [6, 4], width: 1.5 },
      { label: `${t('dn.band')} −`, stroke: '#7f8c8d', width: 1 },
      { label: `${t('dn.band')} +`, stroke: '#7f8c8d', width: 1 },
    ],
    bands: [{ series: [4, 3], fill: 'rgba(52, 152, 219, 0.25)' }],
    axes: [{}, { size: 60 }],
  };
  box.append(el('p', { class: 'muted', 'data-k': 'series-points', 'data-n': pts.length, 'data-forecast': fc.length,
    text: `${body.proto}/${body.port} · ${pts.length} h · ${fc.length ? `${t('dn.forecast')} ${fc.length} h` : t('dn.noforecast')}` }));
  const holder = el('div', { class: 'plot' });
  box.append(holder);
  // uPlot sizes with style properties (CSSOM), which the CSP allows.
  new uPlot(opts, [xs, obs, mid, lo, hi], holder);
}

export async function render(view, ctx) {
  const mapBox = el('div', { class: 'map-box' });
  const countryBox = el('div', {});
  const seriesBox = el('div', { 'data-k': 'series' });
  const signalsBox = el('div', {});
  const topBox = el('div', {});
  const updated = el('span', { class: 'muted', 'data-k': 'dn-updated', 'data-n': 0 });
  const proto = el('select', { 'data-k': 'proto' }, ['tcp', 'udp', 'icmp'].map((p) => el('option', { value: p, text: p })));
  const port = el('input', { type: 'number', min: 0, max: 65535, 'data-k': 'port', value: '' });
  let chosen = null;
  let refreshes = 0;

  view.append(
    el('div', { class: 'cols' },
      el('section', { class: 'card wide' }, el('h2', {}, t('dn.map'), ' ', updated), mapBox),
      el('section', { class: 'card' }, el('h2', { text: t('dn.country') }), countryBox)),
    el('section', { class: 'card' }, el('h2', { text: t('dn.series') }),
      el('form', { class: 'inline', on: { submit: (e) => { e.preventDefault(); chosen = { proto: proto.value, port: Number(port.value) }; refresh(); } } },
        el('label', { text: t('dn.proto') }), proto, el('label', { text: t('dn.port') }), port,
        el('button', { type: 'submit', text: t('dn.show') })),
      seriesBox),
    el('div', { class: 'cols' },
      el('section', { class: 'card' }, el('h2', { text: t('dn.signals') }), signalsBox),
      el('section', { class: 'card wide' }, el('h2', { text: t('dn.top') }), topBox)));

  async function refresh() {
    const [src, sig] = await Promise.all([
      api('/api/v1/darknet/sources?top=1000'), api('/api/v1/darknet/signals'), loadAtlas()]);
    const sources = src.sources || [];
    const counts = byCountry(sources);
    drawMap(mapBox, counts.filter((c) => c.cc !== '--'));
    clear(countryBox).append(table([t('dn.country'), t('dn.sources'), t('dn.packets')],
      counts.slice(0, 25).map((c) => el('tr', { 'data-cc': c.cc },
        el('td', { text: c.cc === '--' ? '—' : `${countryName(c.cc)} (${c.cc})` }),
        el('td', { 'data-k': `country-${c.cc}`, text: c.sources }),
        el('td', { text: c.packets }))), { class: 'grid', 'data-k': 'countries' }));
    const signals = sig.signals || [];
    clear(signalsBox).append(signals.length
      ? table([t('dn.port'), t('dn.score'), t('dn.observed'), t('dn.expected'), t('dn.since')],
        signals.map((s) => el('tr', { 'data-port': `${s.proto}/${s.port}` },
          el('td', { text: `${s.proto}/${s.port}` }), el('td', { 'data-k': `score-${s.proto}-${s.port}`, text: s.score }),
          el('td', { text: s.observed }), el('td', { text: s.expected }), el('td', { text: fmtTime(s.since, lang()) }))),
        { class: 'grid', 'data-k': 'signals' })
      : el('p', { class: 'muted', text: t('dn.nosignals') }));
    clear(topBox).append(table(
      [t('dn.ip'), t('dn.country'), t('dn.class'), t('dn.fingerprint'), t('dn.packets'), t('dn.ports'), t('dn.lastseen')],
      sources.slice(0, 20).map((s) => el('tr', { 'data-ip': s.ip },
        el('td', { text: s.ip }), el('td', { text: s.country || '—' }), el('td', { text: s.class }),
        el('td', { 'data-k': `fp-${s.ip}`, text: s.research_name ? `${s.fingerprint} (${s.research_name})` : s.fingerprint }),
        el('td', { 'data-k': `pk-${s.ip}`, text: s.packets }),
        el('td', { text: (s.ports || []).slice(0, 8).join(', ') }), el('td', { text: fmtTime(s.last_seen, lang()) }))),
      { class: 'grid', 'data-k': 'scanners' }));
    // The port to plot: the user's, else the strongest surge's, else the
    // port the top scanners hit most.
    let pick = chosen;
    if (!pick && signals.length) pick = { proto: signals[0].proto, port: signals[0].port };
    if (!pick && sources.length) {
      const hits = new Map();
      for (const s of sources) for (const p of s.ports || []) hits.set(p, (hits.get(p) || 0) + s.packets);
      const best = [...hits.entries()].sort((a, b) => b[1] - a[1])[0];
      if (best) pick = { proto: 'tcp', port: best[0] };
    }
    if (pick) {
      proto.value = pick.proto;
      port.value = String(pick.port);
      const body = await api(`/api/v1/darknet/ports?proto=${encodeURIComponent(pick.proto)}&port=${pick.port}&step=hour`);
      drawSeries(seriesBox, body);
    } else {
      clear(seriesBox).append(el('p', { class: 'muted', text: t('dn.nodata') }));
    }
    refreshes += 1;
    updated.dataset.n = String(refreshes);
    updated.textContent = `${t('dn.updated')} ${new Date().toLocaleTimeString(ctx.lang === 'ja' ? 'ja-JP' : 'en-GB', { hour12: false })}`;
  }

  await refresh();
  let pending = null;
  const timer = setInterval(() => refresh().catch(() => {}), 30000);
  return {
    onEvent(type) {
      if (type !== 'darknet' || pending) return;
      pending = setTimeout(() => { pending = null; refresh().catch(() => {}); }, 500);
    },
    destroy() { clearInterval(timer); if (pending) clearTimeout(pending); },
  };
}
