// The dashboard's entry: login, the page router (#overview, #darknet, ...),
// the hub's event stream, and the language switch.
import { api, ApiError, setCsrf, onLogout } from './api.js';
import { el, clear } from './dom.js';
import { t, lang, setLang, applyStatic } from './i18n.js';
import * as overview from './overview.js';
import * as darknet from './darknet.js';
import * as campaigns from './campaigns.js';
import * as indicators from './indicators.js';
import * as members from './members.js';

const pages = { overview, darknet, campaigns, indicators, members };
const view = document.getElementById('view');
const state = { session: null, level: null, page: null, events: null };

function showLogin() {
  state.session = null;
  setCsrf(null);
  if (state.events) state.events.close();
  state.events = null;
  if (state.page && state.page.destroy) state.page.destroy();
  state.page = null;
  clear(view);
  document.getElementById('nav').hidden = true;
  document.getElementById('logout').hidden = true;
  document.getElementById('level-badge').hidden = true;
  document.getElementById('who').textContent = '';
  document.getElementById('login').hidden = false;
  document.body.dataset.state = 'login';
  document.getElementById('token').focus();
}

function badge() {
  const b = document.getElementById('level-badge');
  const lv = state.level;
  if (!lv) return;
  b.hidden = false;
  b.className = `badge lv${lv.level}`;
  b.dataset.level = String(lv.level);
  b.textContent = `${t('level.title')} ${lv.level} · ${lv.name}`;
}

function connectEvents() {
  if (state.events) state.events.close();
  const es = new EventSource('/api/v1/events');
  state.events = es;
  es.addEventListener('level', (ev) => {
    try { state.level = JSON.parse(ev.data); } catch { return; }
    badge();
    if (state.page && state.page.onEvent) state.page.onEvent('level', state.level);
  });
  es.addEventListener('darknet', (ev) => {
    let d = null;
    try { d = JSON.parse(ev.data); } catch { return; }
    if (state.page && state.page.onEvent) state.page.onEvent('darknet', d);
  });
  es.addEventListener('open', () => { document.body.dataset.stream = 'open'; });
  es.addEventListener('error', async () => {
    document.body.dataset.stream = 'error';
    // A stream refused for want of a session: back to the login.
    try { await api('/session'); } catch (e) { if (e instanceof ApiError && e.status === 401) showLogin(); }
  });
}

async function route() {
  if (!state.session) return;
  const name = (location.hash || '#overview').slice(1);
  const mod = pages[name] || overview;
  if (state.page && state.page.destroy) state.page.destroy();
  for (const a of document.querySelectorAll('#nav a')) {
    a.classList.toggle('active', a.dataset.page === (pages[name] ? name : 'overview'));
  }
  clear(view);
  document.body.dataset.page = pages[name] ? name : 'overview';
  document.body.dataset.ready = 'no';
  const ctx = { session: state.session, level: () => state.level, lang: lang() };
  try {
    state.page = await mod.render(view, ctx);
  } catch (e) {
    view.append(el('p', { class: 'error', text: `${t('error')}: ${e.message}` }));
  }
  document.body.dataset.ready = 'yes';
}

async function start() {
  applyStatic();
  let s;
  try {
    s = await api('/session', { quiet: true });
  } catch {
    showLogin();
    return;
  }
  state.session = s;
  setCsrf(s.csrf);
  document.getElementById('login').hidden = true;
  document.getElementById('nav').hidden = false;
  document.getElementById('logout').hidden = false;
  document.getElementById('who').textContent = `${s.org} (${s.role})`;
  document.body.dataset.state = 'in';
  try { state.level = await api('/api/v1/level'); badge(); } catch { /* shown by the page */ }
  connectEvents();
  await route();
}

document.getElementById('login-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const input = document.getElementById('token');
  const err = document.getElementById('login-error');
  err.textContent = '';
  try {
    await api('/session', { method: 'POST', body: { token: input.value.trim() }, quiet: true });
    input.value = '';
    await start();
  } catch (e) {
    err.textContent = e instanceof ApiError && e.status === 401 ? t('login.bad') : t('login.error');
  }
});

document.getElementById('logout').addEventListener('click', async () => {
  try { await api('/session', { method: 'DELETE', quiet: true }); } catch { /* gone anyway */ }
  showLogin();
});

document.getElementById('lang').addEventListener('click', () => {
  setLang(lang() === 'ja' ? 'en' : 'ja');
  badge();
  route();
});

onLogout(showLogin);
window.addEventListener('hashchange', route);
start();
