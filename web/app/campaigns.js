// Campaigns: the graph of each campaign the caller may see, the indicators
// that link its submissions and the number of organizations it reached
// (organizations appear as counts: the hub names only those that allowed
// it), drawn from the STIX objects and relationships of the hub's views.
import cytoscape from '/static/vendor/cytoscape/dist/cytoscape.esm.min.mjs';
import { api } from './api.js';
import { el, table } from './dom.js';
import { t } from './i18n.js';

const GRAPH_STYLE = [
  { selector: 'node', style: { label: 'data(label)', 'font-size': 10, color: '#222', 'text-wrap': 'ellipsis', 'text-max-width': 140 } },
  { selector: 'node.campaign', style: { 'background-color': '#c0392b', width: 34, height: 34, 'font-weight': 'bold' } },
  { selector: 'node.indicator', style: { 'background-color': '#2980b9', shape: 'round-rectangle', width: 18, height: 18 } },
  { selector: 'node.orgs', style: { 'background-color': '#27ae60', shape: 'hexagon', width: 26, height: 26 } },
  { selector: 'node.mail', style: { 'background-color': '#8e44ad', shape: 'diamond', width: 14, height: 14 } },
  { selector: 'edge', style: { width: 1.5, 'line-color': '#95a5a6', 'target-arrow-color': '#95a5a6', 'target-arrow-shape': 'triangle', 'curve-style': 'bezier', label: 'data(label)', 'font-size': 8 } },
];

function graphElements(views) {
  const nodes = new Map();
  const edges = [];
  for (const v of views) {
    const c = v.campaign || {};
    nodes.set(v.id, { data: { id: v.id, label: c.name || v.id }, classes: 'campaign' });
    const orgId = `${v.id}#orgs`;
    nodes.set(orgId, { data: { id: orgId, label: `${v.organizations} ${t('cp.orgnode')}` }, classes: 'orgs' });
    edges.push({ data: { id: `${orgId}-e`, source: v.id, target: orgId, label: 'reached' } });
    for (const o of v.objects || []) {
      if (o.type === 'indicator') nodes.set(o.id, { data: { id: o.id, label: o.name || o.pattern || o.id }, classes: 'indicator' });
      else if (o.type === 'email-message') nodes.set(o.id, { data: { id: o.id, label: '' }, classes: 'mail' });
    }
    for (const o of v.objects || []) {
      if (o.type === 'relationship' && nodes.has(o.source_ref) && nodes.has(o.target_ref)) {
        edges.push({ data: { id: o.id, source: o.source_ref, target: o.target_ref, label: o.relationship_type } });
      }
    }
  }
  return [...nodes.values(), ...edges];
}

export async function render(view) {
  const list = await api('/api/v1/campaigns');
  const summaries = list.campaigns || [];
  // The full views (objects and relationships), one request each.
  const views = await Promise.all(summaries.map((c) => api(`/api/v1/campaigns/${encodeURIComponent(c.id)}`)));
  const graphBox = el('div', { class: 'graph', 'data-k': 'graph' });
  view.append(
    el('section', { class: 'card' }, el('h2', { text: t('cp.graph') }), graphBox),
    el('section', { class: 'card' }, el('h2', { text: t('cp.list') }),
      views.length
        ? table([t('cp.name'), t('cp.orgs'), t('cp.subs'), t('cp.values')],
          views.map((v) => el('tr', { 'data-id': v.id },
            el('td', { text: (v.campaign && v.campaign.name) || v.id }),
            el('td', { 'data-k': `orgs-${v.id}`, text: v.organizations }),
            el('td', { 'data-k': `subs-${v.id}`, text: v.submissions }),
            el('td', { 'data-k': `values-${v.id}`, text: (v.shared_values || []).length }))),
          { class: 'grid', 'data-k': 'campaigns' })
        : el('p', { class: 'muted', 'data-k': 'no-campaigns', text: t('cp.none') })));
  graphBox.dataset.campaigns = String(views.length);
  let cy = null;
  if (views.length) {
    const elements = graphElements(views);
    graphBox.dataset.nodes = String(elements.filter((e) => !e.data.source).length);
    graphBox.dataset.edges = String(elements.filter((e) => e.data.source).length);
    cy = cytoscape({ container: graphBox, elements, style: GRAPH_STYLE, layout: { name: 'cose', animate: false, padding: 30 }, maxZoom: 1.4, wheelSensitivity: 0.2 });
  }
  return { destroy() { if (cy) cy.destroy(); } };
}
