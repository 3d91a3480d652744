// Syncs: every pipeline, grouped by the provider of its warehouse connection, with its state,
// schedule and last run. With none yet, the page leads into the wizard.
import { h, replace, table } from './dom.js';
import { all, get, enc } from './api.js';
import { describeSchedule, stateBadge, lastRun } from './common.js';

export async function render(main) {
  document.title = 'Syncs · wsync';
  replace(main, h('h1', {}, 'Syncs'), h('p', { class: 'muted', role: 'status' }, 'Loading syncs…'));
  const [pipelines, connections] = await Promise.all([all('/pipelines'), all('/connections')]);
  const statuses = await Promise.all(pipelines.map((p) => get(`/pipelines/${enc(p.id)}/status`).catch(() => null)));
  const provider = new Map(connections.map((c) => [c.id, c.service_provider]));

  const header = h('div', { class: 'page-head' }, h('h1', {}, 'Syncs'),
    pipelines.length ? h('a', { class: 'button', href: '#/syncs/new' }, 'New sync') : null);
  if (!pipelines.length) {
    replace(main, header, h('section', { class: 'card empty' },
      h('h2', {}, 'No syncs yet'),
      h('p', {}, 'A sync reads a SQL model from your warehouse, maps its columns onto user identities, attributes or events, and keeps profiles up to date on a schedule.'),
      h('a', { class: 'button', href: '#/syncs/new' }, 'Create your first sync')));
    return;
  }
  const groups = new Map();
  pipelines.forEach((p, i) => {
    const name = provider.get(p.connection_id) || 'unknown';
    if (!groups.has(name)) groups.set(name, []);
    groups.get(name).push([p, statuses[i]]);
  });
  const sections = [...groups.keys()].sort().map((name) => h('section', { class: 'group', 'aria-labelledby': `group-${name}` },
    h('h2', { id: `group-${name}` }, name, h('span', { class: 'count' }, ` (${groups.get(name).length})`)),
    table(['Sync', 'Type', 'State', 'Frequency', 'Last run'], groups.get(name).map(([p, st]) => [
      h('a', { href: `#/syncs/${enc(p.id)}` }, p.name || p.id),
      p.pipeline_type === 'events' ? 'Events' : 'User attributes',
      h('span', {}, stateBadge(p.state), p.status === 'faulted' ? h('span', { class: 'badge badge-faulted' }, 'faulted') : null),
      describeSchedule(p.schedule),
      lastRun(st && st.latest_run),
    ]), { className: 'syncs' })));
  replace(main, header, sections);
}
