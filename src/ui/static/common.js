// Vocabulary shared by the pages: schedule and state wording, reserved identity types (SPEC §4).
import { h, badge, formatTime } from './dom.js';

export function describeSchedule(schedule) {
  const s = schedule || { type: 'on_demand' };
  if (s.type === 'interval') return s.frequency ? s.frequency[0].toUpperCase() + s.frequency.slice(1) : 'Interval';
  if (s.type === 'once') return s.start ? `Once at ${formatTime(s.start)}` : 'Once';
  return 'On demand';
}

const STATE_WORDS = { active: 'Active', paused: 'Paused', draft: 'Draft' };
export function stateBadge(state) {
  return badge(STATE_WORDS[state] || state, state);
}

export function runBadge(run) {
  if (!run) return h('span', { class: 'muted' }, 'Never run');
  return badge(run.state, run.state);
}

export function lastRun(run) {
  if (!run) return h('span', { class: 'muted' }, 'Never run');
  return h('span', {}, runBadge(run), ' ', h('span', { class: 'muted small' }, formatTime(run.ended_at || run.started_at || run.created_at)));
}

// Reserved user identities in priority order, then device identities (SPEC §4).
export const USER_IDENTITIES = ['customer_id', 'email', 'mobile_number', 'phone_number_2',
  'phone_number_3', 'other', 'other_id_2', 'other_id_3', 'other_id_4', 'other_id_5', 'other_id_6',
  'other_id_7', 'other_id_8', 'other_id_9', 'other_id_10', 'facebook',
  'facebook_custom_audience_id', 'google', 'twitter', 'microsoft', 'yahoo'];
export const DEVICE_IDENTITIES = ['ios_advertising_id', 'ios_idfv', 'android_advertising_id',
  'android_uuid', 'push_token', 'amp_id', 'roku_advertising_id', 'roku_publisher_id',
  'microsoft_advertising_id', 'microsoft_publisher_id', 'fire_advertising_id', 'mp_deviceid'];

// The identity destination a column of this name maps to by default, or null.
export function reservedIdentity(column) {
  const n = String(column).toLowerCase();
  if (n === 'mpid') return 'mpid';
  if (n === 'customerid') return 'user_identities.customer_id';
  if (USER_IDENTITIES.includes(n)) return `user_identities.${n}`;
  if (DEVICE_IDENTITIES.includes(n)) return `device_info.${n}`;
  return null;
}

export function slug(text) {
  const base = String(text || '').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40);
  return base || 'item';
}

export function newId(name) {
  return `${slug(name)}-${Math.random().toString(36).slice(2, 7)}`;
}
