// The dashboard's only way to the hub: same-origin fetch with the session
// cookie (sent by the browser, never read by scripts), the CSRF token on
// every request that changes state, and a marker header so that the hub
// never answers with a Basic challenge (a browser would open its own
// password dialog over the page).

let csrf = null;
let onLoggedOut = () => {};

export function setCsrf(token) { csrf = token; }
export function onLogout(fn) { onLoggedOut = fn; }

export class ApiError extends Error {
  constructor(status, body) {
    super((body && (body.description || body.title)) || `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

export async function api(path, { method = 'GET', body, quiet = false } = {}) {
  const headers = { Accept: 'application/json', 'X-Yagura-Client': 'dashboard' };
  if (method !== 'GET' && method !== 'HEAD') {
    if (csrf) headers['X-CSRF-Token'] = csrf;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
  }
  const r = await fetch(path, {
    method, headers, credentials: 'same-origin', cache: 'no-store',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let data = null;
  const text = await r.text();
  if (text) {
    try { data = JSON.parse(text); } catch { data = null; }
  }
  if (r.status === 401 && !quiet) onLoggedOut();
  if (!r.ok) throw new ApiError(r.status, data);
  return data;
}

// Whether a route answers at all (another part of the hub may not exist
// in this build): the figure is shown only then.
export async function optional(path) {
  try {
    return await api(path, { quiet: true });
  } catch (e) {
    if (e instanceof ApiError && (e.status === 404 || e.status === 501 || e.status === 403)) return null;
    throw e;
  }
}
