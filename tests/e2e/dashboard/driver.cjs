// The browser side of the dashboard tests (tests/e2e/test_dashboard.py):
// Debian's Chromium driven by playwright-core from web/node_modules, one
// page, commands read as JSON lines on stdin, one JSON answer line each on
// stdout. The test in Python decides what to do and what to expect; this
// only does it in a real browser and reports what the page shows.
//
//   node driver.cjs '{"base": URL, "locale": "en-US", "shots": DIR}'
//
// It records what must never happen and answers it with "info": CSP
// violations reported by the page, uncaught errors, failed requests, and
// any request to a host other than the hub (no CDN, no web fonts).
'use strict';
const path = require('path');
const readline = require('readline');

const root = path.resolve(__dirname, '..', '..', '..');
const pw = require(path.join(root, 'web', 'node_modules', 'playwright-core'));

async function main() {
  const opts = JSON.parse(process.argv[2]);
  const base = new URL(opts.base);
  const browser = await pw.chromium.launch({
    executablePath: process.env.YG_CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
  const context = await browser.newContext({
    locale: opts.locale || 'en-US', viewport: { width: 1440, height: 1000 },
    extraHTTPHeaders: opts.locale ? { 'Accept-Language': opts.locale } : {},
  });
  const page = await context.newPage();
  const seen = { errors: [], external: [], failed: [], console: [] };
  page.on('pageerror', (e) => seen.errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') seen.console.push(m.text()); });
  page.on('request', (r) => {
    const u = new URL(r.url());
    if (u.protocol !== 'data:' && u.host !== base.host) seen.external.push(r.url());
  });
  page.on('requestfailed', (r) => {
    // An event stream cut by navigation is no failure of the page.
    if (!r.url().endsWith('/api/v1/events')) seen.failed.push(`${r.url()} ${r.failure() && r.failure().errorText}`);
  });
  await page.addInitScript(() => {
    window.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`);
    });
  });

  const cmds = {
    async goto({ path: p }) { await page.goto(new URL(p, base).href, { waitUntil: 'load' }); return page.url(); },
    async hash({ hash }) {
      await page.evaluate((h) => { location.hash = h; }, hash);
      await page.waitForFunction((h) => document.body.dataset.page === h && document.body.dataset.ready === 'yes', hash, { timeout: 20000 });
      return true;
    },
    async wait({ selector, state, timeout }) {
      await page.waitForSelector(selector, { state: state || 'visible', timeout: timeout || 20000 });
      return true;
    },
    async wait_text({ selector, text, timeout }) {
      await page.waitForFunction(([s, t]) => {
        const e = document.querySelector(s);
        return e && e.textContent.trim() === t;
      }, [selector, String(text)], { timeout: timeout || 20000 });
      return true;
    },
    async wait_attr({ selector, attr, value, timeout }) {
      await page.waitForFunction(([s, a, v]) => {
        const e = document.querySelector(s);
        return e && e.getAttribute(a) === v;
      }, [selector, attr, String(value)], { timeout: timeout || 20000 });
      return true;
    },
    async click({ selector }) { await page.click(selector); return true; },
    async fill({ selector, value }) { await page.fill(selector, value); return true; },
    async press({ selector, key }) { await page.press(selector, key); return true; },
    async texts() {
      return page.evaluate(() => {
        const out = {};
        for (const e of document.querySelectorAll('[data-k]')) out[e.dataset.k] = e.textContent.trim();
        return { k: out, body: { ...document.body.dataset }, lang: document.documentElement.lang };
      });
    },
    async attrs({ selector, names }) {
      return page.evaluate(([s, n]) => [...document.querySelectorAll(s)].map((e) => {
        const o = {};
        for (const a of n) o[a] = e.getAttribute(a);
        o.text = e.textContent.trim();
        return o;
      }), [selector, names]);
    },
    async text({ selector }) { return page.textContent(selector); },
    async screenshot({ name }) {
      const file = path.join(opts.shots, `${name}.png`);
      await page.screenshot({ path: file, fullPage: true });
      return file;
    },
    async cookies() { return context.cookies(); },
    async info() {
      const csp = await page.evaluate(() => window.__csp || []);
      return { csp, ...seen };
    },
  };

  const rl = readline.createInterface({ input: process.stdin });
  for await (const line of rl) {
    if (!line.trim()) continue;
    const { cmd, args } = JSON.parse(line);
    if (cmd === 'quit') break;
    let reply;
    try {
      reply = { ok: true, value: await cmds[cmd](args || {}) };
    } catch (e) {
      reply = { ok: false, error: String(e && e.message ? e.message : e).slice(0, 2000) };
    }
    process.stdout.write(`${JSON.stringify(reply)}\n`);
  }
  await browser.close();
}

main().catch((e) => { process.stderr.write(`driver: ${e.stack || e}\n`); process.exit(1); });
