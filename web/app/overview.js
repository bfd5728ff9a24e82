// Overview: the alert level with its reasons, the waiting proposal (which
// admins confirm or reject here), the audit log, and the last 24 hours.
import { api, optional } from './api.js';
import { el, clear, figure, table, fmtTime, fmtNum } from './dom.js';
import { t } from './i18n.js';

function reasonsList(reasons) {
  if (!reasons || !reasons.length) return el('p', { class: 'muted', 'data-k': 'no-reasons', text: t('level.noreasons') });
  return el('ul', { class: 'reasons', 'data-k': 'reasons' }, reasons.map((r) =>
    el('li', { 'data-rule': r.rule },
      el('strong', { text: `${r.rule} → ${r.level}` }), ' ',
      el('span', { text: `${r.signal} = ${r.value} ${r.op} ${r.threshold}` }), ' ',
      el('span', { class: 'muted', text: r.why || '' }))));
}

function levelCard(lv, session, onDecision) {
  const card = el('section', { class: `card level lv${lv.level}`, 'data-k': 'level-card' },
    el('h2', { text: t('level.title') }),
    el('div', { class: 'level-big' },
      el('span', { class: 'level-num', 'data-k': 'level', text: lv.level }),
      el('span', { class: 'level-name', 'data-k': 'level-name', text: lv.name })),
    el('p', { text: lv.description || '' }),
    el('p', { class: 'muted', text: `${t('level.since')} ${fmtTime(lv.since)}` }),
    el('h3', { text: t('level.reasons') }),
    reasonsList(lv.evaluated && lv.evaluated.reasons));
  const p = lv.proposal;
  if (p) {
    const reason = el('input', { type: 'text', 'data-k': 'decision-reason', placeholder: t('level.reason'), maxlength: 2000 });
    const box = el('div', { class: 'proposal', 'data-k': 'proposal', 'data-level': p.level },
      el('h3', { text: t('level.proposal') }),
      el('p', {}, `${t('level.proposed')}: `, el('strong', { 'data-k': 'proposal-level', text: p.level }),
        ` (${p.name || ''}) ← ${p.from}`),
      reasonsList(p.reasons));
    if (session.role === 'admin') {
      const decide = (what) => async () => {
        const body = { proposal: p.id };
        if (reason.value.trim()) body.reason = reason.value.trim();
        await onDecision(what, body);
      };
      box.append(el('div', { class: 'actions' }, reason,
        el('button', { type: 'button', 'data-k': 'confirm', on: { click: decide('confirm') }, text: t('level.confirm') }),
        el('button', { type: 'button', class: 'secondary', 'data-k': 'reject', on: { click: decide('reject') }, text: t('level.reject') })));
    }
    card.append(box);
  }
  return card;
}

function historyTable(h) {
  return table([t('hist.time'), t('hist.kind'), t('hist.from'), t('hist.to'), t('hist.who'), t('hist.reason')],
    (h.history || []).map((e) => el('tr', { 'data-entry': e.id },
      el('td', { text: fmtTime(e.time) }), el('td', { text: e.kind }),
      el('td', { text: e.from }), el('td', { text: e.to }),
      el('td', { text: (e.actor && e.actor.org) || '' }), el('td', { text: e.reason || '' }))),
    { class: 'grid', 'data-k': 'history' });
}

function sectorBars(by) {
  if (!by.length) return el('p', { class: 'muted', text: t('ov.nosector') });
  const max = Math.max(...by.map((s) => s.count), 1);
  return el('div', { class: 'bars', 'data-k': 'by-sector' }, by.map((s) => {
    const fill = el('span', { class: 'bar-fill' });
    fill.style.width = `${Math.round((100 * s.count) / max)}%`;
    return el('div', { class: 'bar-row', 'data-sector': s.sector },
      el('span', { class: 'bar-label', text: s.sector }),
      el('span', { class: 'bar' }, fill),
      el('span', { class: 'bar-value', 'data-k': `sector-${s.sector}`, text: s.count }));
  }));
}

export async function render(view, ctx) {
  const levelBox = el('div', { class: 'col' });
  const countsBox = el('div', { class: 'col' });
  view.append(el('div', { class: 'cols' }, levelBox, countsBox));

  async function drawLevel(lv) {
    const hist = await api('/api/v1/level/history?limit=20');
    clear(levelBox).append(
      levelCard(lv, ctx.session, async (what, body) => {
        const st = await api(`/api/v1/level/${what}`, { method: 'POST', body });
        await drawLevel(st);
      }),
      el('section', { class: 'card' }, el('h2', { text: t('level.history') }), historyTable(hist)));
  }

  const [lv, sum, hosts] = await Promise.all([
    ctx.level() ? Promise.resolve(ctx.level()) : api('/api/v1/level'),
    api('/api/v1/summary'),
    optional('/api/v1/hosts'),
  ]);
  await drawLevel(lv);
  const tiles = el('div', { class: 'tiles' },
    figure('sightings-total', t('ov.sightings'), fmtNum(sum.sightings.total)),
    figure('campaigns', t('ov.campaigns'), fmtNum(sum.campaigns.active),
      el('div', { class: 'muted' }, el('span', { 'data-k': 'campaigns-visible', text: fmtNum(sum.campaigns.visible) }), ` ${t('ov.visible')}`)),
    figure('indicators-live', t('ov.indicators'), fmtNum(sum.indicators.live)),
    figure('darknet-score', t('ov.darknet'), fmtNum(sum.darknet.max_score)));
  if (hosts) {
    const n = Array.isArray(hosts.hosts) ? hosts.hosts.length : hosts.total ?? hosts.count;
    if (typeof n === 'number') tiles.append(figure('hosts', t('ov.hosts'), n));
  }
  countsBox.append(el('section', { class: 'card' }, el('h2', { text: t('ov.counts') }), tiles),
    el('section', { class: 'card' }, el('h2', { text: t('ov.bysector') }), sectorBars(sum.sightings.by_sector)));

  return {
    onEvent(type, data) {
      if (type === 'level') drawLevel(data).catch(() => {});
    },
  };
}
