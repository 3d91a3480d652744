// Profiles: look one profile up by an identity (type and value, in one environment) and show its
// identities, its attributes with the pipeline, run and source time that set each, and its
// recent events.
import { h, replace, field, showError, setInvalid, select, table, formatTime, showValue } from './dom.js';
import { get, enc, ApiError } from './api.js';
import { USER_IDENTITIES, DEVICE_IDENTITIES } from './common.js';

// The environment and identity type of the last lookup in this tab (never the value looked up).
let last = { environment: 'development', type: 'email' };

export function render(main) {
  document.title = 'Profiles · wsync';
  const env = field('Environment', select([['development', 'Development'], ['production', 'Production']], last.environment));
  const type = field('Identity type', select([['mpid', 'mpid'], ...USER_IDENTITIES, ...DEVICE_IDENTITIES.map((t) => [t, `${t} (device)`])], last.type));
  const value = field('Identity value', h('input', { type: 'search', spellcheck: 'false', required: true }),
    { hint: 'Matched as stored: trimmed, e-mail addresses lower-cased.' });
  const result = h('div', { class: 'profile-result', 'aria-live': 'polite' });
  const button = h('button', { type: 'submit', class: 'primary' }, 'Look up');
  const form = h('form', { class: 'card lookup', role: 'search', novalidate: true, onsubmit: async (e) => {
    e.preventDefault();
    showError(value.error, '');
    setInvalid(value.input, false);
    const v = value.input.value.trim();
    if (!v) {
      showError(value.error, 'Enter the identity value to look up.');
      setInvalid(value.input, true);
      return;
    }
    last = { environment: env.input.value, type: type.input.value };
    button.disabled = true;
    replace(result, h('p', { class: 'muted' }, 'Looking up…'));
    try {
      await lookUp(result, { ...last, value: v });
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) return;
      const fieldError = err.errors && err.errors.find((x) => x.field === 'value' || x.field === 'identity_type');
      if (fieldError) {
        showError(value.error, fieldError.message);
        setInvalid(value.input, true);
        replace(result);
      } else {
        replace(result, h('p', { class: 'form-error', role: 'alert' }, err.message));
      }
    } finally {
      button.disabled = false;
    }
  } }, h('div', { class: 'grid-3' }, env.row, type.row, value.row), h('div', { class: 'actions' }, button));
  replace(main, h('h1', {}, 'Profiles'), form, result);
  return null;
}

async function lookUp(result, q) {
  let mpid = null;
  if (q.type === 'mpid') {
    mpid = q.value;
  } else {
    const list = await get(`/profiles?environment=${enc(q.environment)}&identity_type=${enc(q.type)}&value=${enc(q.value)}`);
    if (list.items.length) mpid = list.items[0].mpid;
  }
  let profile = null;
  if (mpid !== null) {
    try {
      profile = await get(`/profiles/${enc(mpid)}`);
    } catch (err) {
      if (!(err instanceof ApiError) || err.status !== 404) throw err;
    }
  }
  if (!profile || profile.environment !== q.environment) {
    replace(result, h('p', { class: 'card empty', role: 'status' }, `No ${q.environment} profile has ${q.type} = ${q.value}.`));
    return;
  }
  const identities = [
    ...Object.entries(profile.user_identities || {}).map(([k, v]) => [k, 'user', v]),
    ...Object.entries(profile.device_identities || {}).map(([k, v]) => [k, 'device', v]),
  ];
  const sources = profile.attribute_sources || {};
  const attributes = Object.entries(profile.user_attributes || {}).map(([k, v]) => {
    const s = sources[k] || {};
    return [h('code', {}, k), showValue(v),
      s.pipeline_id ? h('a', { href: `#/syncs/${enc(s.pipeline_id)}` }, s.pipeline_id) : '—',
      s.run_id !== undefined && s.run_id !== null ? String(s.run_id) : '—', formatTime(s.source_time), formatTime(s.updated_at)];
  });
  const events = (profile.events || []).map((ev) => [
    ev.timestamp_unixtime_ms ? formatTime(new Date(ev.timestamp_unixtime_ms).toISOString()) : formatTime(ev.created_at),
    ev.event_type || '', ev.event_name || '',
    h('code', { class: 'small' }, showValue(ev.custom_attributes || {})), String(ev.pipeline_run_id ?? '—')]);
  replace(result, h('article', { class: 'card profile', 'aria-labelledby': 'profile-heading' },
    h('h2', { id: 'profile-heading' }, `Profile ${profile.mpid}`),
    h('p', { class: 'muted' }, `${profile.environment} · created ${formatTime(profile.created_at)} · updated ${formatTime(profile.updated_at)}`),
    h('h3', {}, 'Identities'),
    identities.length ? table(['Type', 'Kind', 'Value'], identities.map(([k, kind, v]) => [h('code', {}, k), kind, v])) : h('p', { class: 'muted' }, 'None.'),
    h('h3', {}, 'Attributes'),
    attributes.length ? table(['Name', 'Value', 'Set by sync', 'Run', 'Source time', 'Updated'], attributes, { className: 'attributes' }) : h('p', { class: 'muted' }, 'None.'),
    h('h3', {}, 'Recent events'),
    events.length ? table(['Time', 'Type', 'Name', 'Attributes', 'Run'], events) : h('p', { class: 'muted' }, 'No events.')));
}
