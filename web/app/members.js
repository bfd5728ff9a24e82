// Members: per organization what the hub knows of its contribution and of
// its sensors (admins see every member, others their own).
import { api } from './api.js';
import { el, table, fmtTime } from './dom.js';
import { t, lang } from './i18n.js';

// Null until a sensor of the member took in something shared.
export function loadText(l) {
  return l ? `${Math.round(l.p50_ms)} / ${Math.round(l.p95_ms)}` : '—';
}

export async function render(view) {
  const body = await api('/api/v1/members');
  view.append(el('section', { class: 'card' }, el('h2', { text: t('mb.title') }),
    el('p', { class: 'muted', text: t('mb.note') }),
    table([t('mb.org'), t('mb.sector'), t('mb.country'), t('mb.s24'), t('mb.stotal'), t('mb.last'), t('mb.sensors'), t('mb.telescopes'), t('mb.load')],
      body.members.map((m) => el('tr', { 'data-org': m.org },
        el('td', { text: m.org }), el('td', { text: m.sector }), el('td', { text: m.country || '—' }),
        el('td', { 'data-k': `s24-${m.org}`, text: m.sightings_24h }),
        el('td', { 'data-k': `stotal-${m.org}`, text: m.sightings_total }),
        el('td', { text: fmtTime(m.last_sighting, lang()) }),
        el('td', { 'data-k': `sensors-${m.org}`, text: m.sensor_tokens }),
        el('td', { 'data-k': `tele-${m.org}`, text: m.telescopes_online }),
        el('td', { 'data-k': `load-${m.org}`, text: loadText(m.indicator_load) }))),
      { class: 'grid', 'data-k': 'members' })));
  return {};
}
