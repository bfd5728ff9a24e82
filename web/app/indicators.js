// Indicators: search what the caller may read (by TLP), with each one's
// TLP, lifecycle state and sightings over every member.
import { api } from './api.js';
import { el, clear, table, fmtTime } from './dom.js';
import { t, lang } from './i18n.js';

export async function render(view) {
  const q = el('input', { type: 'search', 'data-k': 'q', placeholder: t('in.q'), maxlength: 256 });
  const out = el('div', {});
  const form = el('form', { class: 'inline', 'data-k': 'search' }, q, el('button', { type: 'submit', text: t('in.go') }));
  view.append(el('section', { class: 'card' }, el('h2', { text: t('in.search') }), form, out));

  async function search() {
    const body = await api(`/api/v1/indicators/search?limit=200&q=${encodeURIComponent(q.value)}`);
    clear(out).append(
      el('p', { class: 'muted' }, el('span', { 'data-k': 'matched', text: body.matched }), ` ${t('in.matched')}`),
      table([t('in.id'), t('in.pattern'), t('in.tlp'), t('in.state'), t('in.sightings'), t('in.orgs'), t('in.modified')],
        body.indicators.map((i) => el('tr', { 'data-id': i.id },
          el('td', { class: 'mono', text: i.name ? `${i.name}` : i.id, title: i.id }),
          el('td', { class: 'mono', text: i.pattern || '' }),
          el('td', {}, el('span', { class: `tlp tlp-${i.tlp.replace('TLP:', '').replace('+', '-').toLowerCase()}`, 'data-k': `tlp-${i.id}`, text: i.tlp })),
          el('td', { 'data-k': `state-${i.id}`, 'data-state': i.state, text: t(`state.${i.state}`) }),
          el('td', { 'data-k': `sightings-${i.id}`, text: i.sightings }),
          el('td', { text: i.organizations }),
          el('td', { text: fmtTime(i.modified, lang()) }))),
        { class: 'grid', 'data-k': 'indicators' }));
    out.dataset.q = q.value;
  }
  form.addEventListener('submit', (e) => { e.preventDefault(); search().catch((err) => { clear(out).append(el('p', { class: 'error', text: err.message })); }); });
  await search();
  return {};
}
