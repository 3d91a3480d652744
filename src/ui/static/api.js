// The REST API (docs/api.md) as the UI calls it: the bearer token kept in sessionStorage for this
// tab, JSON in and out, and errors as ApiError carrying the API's {code, field, message} list.
// A 401 forgets the token and sends the user back to sign-in with a message.

const KEY = 'wsync.session';
const NOTICE = 'wsync.notice';

export class ApiError extends Error {
  constructor(status, errors) {
    const list = errors && errors.length ? errors
      : [{ code: 'internal', field: null, message: `the server answered ${status}` }];
    super(list.map((e) => e.message).join('; '));
    this.status = status;
    this.errors = list;
  }

  // Errors whose field is `name` or lies under it ("config" matches "config.port").
  for(name) {
    return this.errors.filter((e) => e.field === name || (e.field || '').startsWith(`${name}.`)
      || (e.field || '').startsWith(`${name}[`));
  }
}

export function session() {
  try {
    const s = JSON.parse(sessionStorage.getItem(KEY) || 'null');
    if (!s || !s.token || !s.workspace) return null;
    if (s.expires_at && Date.now() >= s.expires_at) {
      signOut('Your session has expired. Sign in again.');
      return null;
    }
    return s;
  } catch {
    return null;
  }
}

export function signOut(notice) {
  sessionStorage.removeItem(KEY);
  if (notice) sessionStorage.setItem(NOTICE, notice);
}

// A message left for the sign-in page (why the user was signed out), read once.
export function takeNotice() {
  const n = sessionStorage.getItem(NOTICE);
  sessionStorage.removeItem(NOTICE);
  return n;
}

async function parse(res) {
  const text = await res.text();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

// POST /oauth/token, then one authenticated call to check the credential reaches `workspace`.
export async function signIn(workspace, clientId, clientSecret) {
  const res = await fetch('/oauth/token', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ grant_type: 'client_credentials', client_id: clientId,
      client_secret: clientSecret }),
  });
  const body = await parse(res);
  if (!res.ok) throw new ApiError(res.status, body && body.errors);
  const s = { token: body.access_token, workspace: String(workspace),
    expires_at: Date.now() + (body.expires_in || 0) * 1000 };
  const check = await fetch(`/platform/v2/workspaces/${encodeURIComponent(s.workspace)}/providers`,
    { headers: { Authorization: `Bearer ${s.token}` } });
  if (!check.ok) {
    const err = new ApiError(check.status, (await parse(check) || {}).errors);
    err.errors = err.errors.map((e) => ({ ...e, field: 'workspace' }));
    throw err;
  }
  sessionStorage.setItem(KEY, JSON.stringify(s));
  return s;
}

// Calls `path` under the signed-in workspace ("/pipelines?page_size=500").
export async function api(method, path, body) {
  const s = session();
  if (!s) {
    expired('Sign in to continue.');
    throw new ApiError(401, [{ code: 'unauthenticated', field: null, message: 'not signed in' }]);
  }
  const init = { method, headers: { Authorization: `Bearer ${s.token}` } };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  } else if (method !== 'GET') {
    init.headers['Content-Type'] = 'application/json';
    init.body = '{}';
  }
  let res;
  try {
    res = await fetch(`/platform/v2/workspaces/${encodeURIComponent(s.workspace)}${path}`, init);
  } catch {
    throw new ApiError(0, [{ code: 'internal', field: null,
      message: 'the wsync server cannot be reached; check that it is running' }]);
  }
  const data = await parse(res);
  if (res.status === 401) {
    expired('Your session has expired or was revoked. Sign in again.');
  }
  if (!res.ok) throw new ApiError(res.status, data && data.errors);
  return data;
}

// Back to sign-in, keeping a notice already left (an expiry found by session() says more).
function expired(message) {
  signOut(sessionStorage.getItem(NOTICE) ? null : message);
  if (location.hash !== '#/signin') location.hash = '#/signin';
}

export const get = (path) => api('GET', path);
export const post = (path, body) => api('POST', path, body);
export const put = (path, body) => api('PUT', path, body);

// Every item of a list endpoint (the API pages at most 500 a page).
export async function all(path) {
  const items = [];
  for (let page = 1; ; page += 1) {
    const sep = path.includes('?') ? '&' : '?';
    const body = await get(`${path}${sep}page=${page}&page_size=500`);
    items.push(...body.items);
    if (items.length >= body.total || body.items.length === 0) return items;
  }
}

export const enc = encodeURIComponent;
