// The shell of the web UI: top bar, sign-in, and the hash router (#/syncs, #/syncs/new,
// #/syncs/<id>, #/syncs/<id>/edit/<step>, #/profiles). Each page module exports
// render(main, params) and may return a cleanup function (stops its polling).
import { h, replace, field, showError, setInvalid } from './dom.js';
import { session, signIn, signOut, takeNotice, ApiError } from './api.js';
import * as syncs from './syncs.js';
import * as wizard from './wizard.js';
import * as detail from './detail.js';
import * as profiles from './profiles.js';

const main = document.getElementById('main');
const topbar = document.getElementById('topbar');
let cleanup = null;

// Each page renders into a fresh element of its own: a page still loading when the user moves on
// draws into a detached element, never over the next page.
const routes = [
  [/^#\/syncs\/new$/, (m, el) => wizard.render(el, {})],
  [/^#\/syncs\/([^/]+)\/edit\/(connection|model|mapping|settings)$/,
    (m, el) => wizard.render(el, { pipelineId: decodeURIComponent(m[1]), step: m[2] })],
  [/^#\/syncs\/([^/]+)$/, (m, el) => detail.render(el, { id: decodeURIComponent(m[1]) })],
  [/^#\/syncs$/, (m, el) => syncs.render(el)],
  [/^#\/profiles$/, (m, el) => profiles.render(el, {})],
];

function renderTopbar(s) {
  const current = location.hash.startsWith('#/profiles') ? 'profiles' : 'syncs';
  const link = (href, text, name) => h('a', { href, 'aria-current': current === name ? 'page' : null }, text);
  replace(topbar,
    h('a', { class: 'brand', href: '#/syncs' }, h('span', { class: 'logo', 'aria-hidden': 'true' }), 'wsync'),
    s ? h('nav', { 'aria-label': 'Main' }, link('#/syncs', 'Syncs', 'syncs'), link('#/profiles', 'Profiles', 'profiles')) : null,
    s ? h('div', { class: 'account' },
      h('span', { class: 'muted' }, `Workspace ${s.workspace}`),
      h('button', { type: 'button', class: 'secondary', id: 'sign-out', onclick: () => {
        signOut('You are signed out.');
        location.hash = '#/signin';
      } }, 'Sign out')) : null);
}

function renderSignIn() {
  document.title = 'Sign in · wsync';
  const notice = takeNotice();
  const ws = field('Workspace', h('input', { type: 'number', min: '1', step: '1', value: '1', required: true, name: 'workspace' }));
  const id = field('Client ID', h('input', { type: 'text', required: true, autocomplete: 'username', name: 'client_id', spellcheck: 'false' }));
  const secret = field('Client secret', h('input', { type: 'password', required: true, autocomplete: 'current-password', name: 'client_secret' }),
    { hint: 'From `wsync credentials create --workspace N`.' });
  const formError = h('p', { class: 'form-error', role: 'alert', hidden: true });
  const button = h('button', { type: 'submit' }, 'Sign in');
  const form = h('form', { class: 'card narrow', novalidate: true, onsubmit: async (e) => {
    e.preventDefault();
    for (const f of [ws, id, secret]) { showError(f.error, ''); setInvalid(f.input, false); }
    showError(formError, '');
    let bad = false;
    for (const f of [ws, id, secret]) {
      if (!f.input.value.trim()) { showError(f.error, 'Required.'); setInvalid(f.input, true); bad = true; }
    }
    if (bad) return;
    button.disabled = true;
    try {
      await signIn(ws.input.value.trim(), id.input.value.trim(), secret.input.value);
      location.hash = '#/syncs';
    } catch (err) {
      const byField = { workspace: ws, client_id: id, client_secret: secret };
      const errors = err instanceof ApiError ? err.errors : [{ message: String(err) }];
      for (const e of errors) {
        const f = byField[e.field];
        if (f) { showError(f.error, e.message); setInvalid(f.input, true); }
        else if (err.status === 401) { showError(secret.error, 'The client ID or secret is not valid.'); setInvalid(secret.input, true); }
        else showError(formError, e.message);
      }
    } finally {
      button.disabled = false;
    }
  } },
  h('h1', { tabindex: '-1' }, 'Sign in to wsync'),
  notice ? h('p', { class: 'notice', role: 'status' }, notice) : null,
  ws.row, id.row, secret.row, formError,
  h('div', { class: 'actions' }, button));
  replace(main, form);
}

async function route() {
  if (cleanup) { cleanup(); cleanup = null; }
  const s = session();
  if (!location.hash || location.hash === '#' || location.hash === '#/') {
    location.replace(s ? '#/syncs' : '#/signin');
    return;
  }
  renderTopbar(s);
  if (!s || location.hash === '#/signin') {
    if (s && location.hash === '#/signin') { location.replace('#/syncs'); return; }
    if (!s && location.hash !== '#/signin') { location.replace('#/signin'); return; }
    renderSignIn();
    focusHeading();
    return;
  }
  for (const [re, fn] of routes) {
    const m = location.hash.match(re);
    if (m) {
      const page = h('div', { class: 'page' });
      replace(main, page);
      try {
        const stop = (await fn(m, page)) || null;
        if (page.isConnected) cleanup = stop;
        else if (stop) stop();  // the user moved on while it loaded
      } catch (err) {
        if (err instanceof ApiError && err.status === 401) return;
        replace(page, h('h1', { tabindex: '-1' }, 'Something went wrong'),
          h('p', { class: 'form-error', role: 'alert' }, err.message || String(err)),
          h('p', {}, h('a', { href: '#/syncs' }, 'Back to syncs')));
      }
      if (page.isConnected) focusHeading();
      return;
    }
  }
  replace(main, h('h1', { tabindex: '-1' }, 'Page not found'), h('p', {}, h('a', { href: '#/syncs' }, 'Back to syncs')));
  focusHeading();
}

// After a page change, focus its heading so keyboard and screen-reader users start there.
function focusHeading() {
  const h1 = main.querySelector('h1');
  if (h1) { h1.setAttribute('tabindex', '-1'); h1.focus({ preventScroll: true }); }
}

window.addEventListener('hashchange', route);
route();
