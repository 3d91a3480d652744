// Sync detail: the pipeline's state, schedule and next run; its in-progress run (rows so far and
// rows per second, refreshed by polling) and recent runs with counters and row errors; the
// lifecycle actions; and Data Model / Mapping / Settings tabs, each with Edit into the wizard.
import { h, replace, table, formatTime, formatNumber, showValue, badge } from './dom.js';
import { get, post, enc, ApiError } from './api.js';
import { describeSchedule, stateBadge, runBadge } from './common.js';

const POLL_BUSY_MS = 1000;
const POLL_IDLE_MS = 5000;

export async function render(main, { id }) {
  const view = { main, id, timer: null, stopped: false, samples: new Map(), openErrors: new Set() };
  document.title = 'Sync · wsync';
  replace(main, h('h1', {}, 'Sync'), h('p', { class: 'muted', role: 'status' }, 'Loading…'));
  const pipeline = await get(`/pipelines/${enc(id)}`);
  const [connection, model, ft] = await Promise.all([
    get(`/connections/${enc(pipeline.connection_id)}`).catch(() => null),
    get(`/data-models/${enc(pipeline.data_model_id)}`).catch(() => null),
    pipeline.field_transformation_id ? get(`/field-transformations/${enc(pipeline.field_transformation_id)}`).catch(() => null) : null,
  ]);
  Object.assign(view, { pipeline, connection, model, ft });
  document.title = `${pipeline.name || pipeline.id} · wsync`;

  view.head = h('div', { class: 'detail-head' });
  view.notice = h('p', { class: 'form-error', role: 'alert', hidden: true });
  view.status = h('p', { class: 'visually-hidden', role: 'status', 'aria-live': 'polite' });
  view.runs = h('section', { class: 'card runs', 'aria-labelledby': 'runs-heading' });
  replace(main,
    h('div', { class: 'page-head' }, h('h1', {}, pipeline.name || pipeline.id), h('a', { href: '#/syncs' }, 'All syncs')),
    view.head, view.notice, view.status, view.runs, tabs(view));
  await refresh(view);
  return () => {
    view.stopped = true;
    clearTimeout(view.timer);
  };
}

async function refresh(view) {
  if (view.stopped) return;
  clearTimeout(view.timer);
  let busy = false;
  try {
    const [status, runs] = await Promise.all([
      get(`/pipelines/${enc(view.id)}/status`),
      get(`/pipelines/${enc(view.id)}/runs?page_size=10`),
    ]);
    if (view.stopped) return;
    view.pipeline.state = status.state;
    drawHead(view, status);
    drawRuns(view, runs.items);
    busy = runs.items.some((r) => r.state === 'queued' || r.state === 'running');
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return;
    showNotice(view, err.message);
  }
  if (!view.stopped) view.timer = setTimeout(() => refresh(view), busy ? POLL_BUSY_MS : POLL_IDLE_MS);
}

function showNotice(view, message) {
  view.notice.textContent = message || '';
  view.notice.hidden = !message;
}

async function action(view, button, path, done) {
  showNotice(view, '');
  button.disabled = true;
  try {
    const r = await post(path);
    view.status.textContent = done(r);
  } catch (err) {
    if (!(err instanceof ApiError) || err.status !== 401) showNotice(view, err.message);
  } finally {
    button.disabled = false;
  }
  await refresh(view);
}

function drawHead(view, status) {
  const p = view.pipeline;
  const state = status.state;
  const button = (label, path, done, cls) => {
    const b = h('button', { type: 'button', class: cls || 'secondary' }, label);
    b.addEventListener('click', () => action(view, b, `/pipelines/${enc(p.id)}${path}`, done));
    return b;
  };
  const actions = [];
  if (state === 'draft') actions.push(button('Activate', '/activate', () => 'Activated.', 'primary'));
  if (state === 'active') actions.push(button('Pause', '/pause', () => 'Paused.'));
  if (state === 'paused') actions.push(button('Resume', '/resume', () => 'Resumed.'));
  if (state !== 'draft') {
    actions.push(button('Run Sync', '/trigger', (r) => `Run ${r.pipeline_run_id} queued.`, 'primary'));
    actions.push(button('Resync', '/resync', () => 'The next run reads every row again.'));
  }
  const errors = status.status === 'faulted' && status.errors && status.errors.length
    ? h('ul', { class: 'errors' }, status.errors.map((e) => h('li', {}, e.message || showValue(e)))) : null;
  replace(view.head,
    h('dl', { class: 'facts' },
      h('div', {}, h('dt', {}, 'State'), h('dd', {}, stateBadge(state), status.status === 'faulted' ? badge('faulted', 'faulted') : badge('healthy', 'healthy'))),
      h('div', {}, h('dt', {}, 'Frequency'), h('dd', {}, describeSchedule(p.schedule))),
      h('div', {}, h('dt', {}, 'Next run'), h('dd', {}, status.next_run_at ? formatTime(status.next_run_at) : (state === 'paused' ? 'Paused' : (p.schedule && p.schedule.type === 'on_demand' ? 'On demand' : '—')))),
      h('div', {}, h('dt', {}, 'Warehouse'), h('dd', {}, view.connection ? `${view.connection.name || view.connection.id} (${view.connection.service_provider})` : p.connection_id)),
      h('div', {}, h('dt', {}, 'Type'), h('dd', {}, p.pipeline_type === 'events' ? 'Events' : 'User attributes')),
      h('div', {}, h('dt', {}, 'Environment'), h('dd', {}, p.environment))),
    errors,
    h('div', { class: 'actions', role: 'group', 'aria-label': 'Sync actions' }, actions));
}

function rate(view, run) {
  const now = Date.now();
  const prev = view.samples.get(run.pipeline_run_id);
  view.samples.set(run.pipeline_run_id, { at: now, rows: run.records_extracted, rate: prev ? prev.rate : null });
  if (prev && now > prev.at && run.records_extracted >= prev.rows) {
    const r = ((run.records_extracted - prev.rows) * 1000) / (now - prev.at);
    view.samples.get(run.pipeline_run_id).rate = r;
    return r;
  }
  if (run.started_at) {
    const secs = (now - Date.parse(run.started_at)) / 1000;
    if (secs > 0) return run.records_extracted / secs;
  }
  return null;
}

function drawRuns(view, runs) {
  const p = view.pipeline;
  const live = runs.filter((r) => r.state === 'queued' || r.state === 'running');
  const cancel = (run) => {
    const b = h('button', { type: 'button', class: 'secondary danger' }, 'Cancel');
    b.setAttribute('aria-label', `Cancel run ${run.pipeline_run_id}`);
    b.addEventListener('click', () => action(view, b, `/pipelines/${enc(p.id)}/runs/${run.pipeline_run_id}/cancel`, () => `Run ${run.pipeline_run_id} cancelling.`));
    return b;
  };
  const progress = live.map((run) => {
    const perSecond = run.state === 'running' ? rate(view, run) : null;
    return h('div', { class: 'progress', 'data-run': String(run.pipeline_run_id) },
      h('div', { class: 'progress-line' },
        h('strong', {}, `Run ${run.pipeline_run_id}`), ' ', runBadge(run), ' ',
        h('span', { class: 'rows-so-far' }, `${formatNumber(run.records_extracted)} rows so far`),
        perSecond !== null ? h('span', { class: 'rows-per-second muted' }, ` · ${formatNumber(Math.round(perSecond))} rows/s`) : null,
        ' ', cancel(run)),
      h('div', { class: 'bar', 'aria-hidden': 'true' }, h('span', { class: run.state === 'running' ? 'moving' : '' })),
      h('p', { class: 'muted small' }, `Mapped ${formatNumber(run.records_mapped)}, failed ${formatNumber(run.records_failed)}, profiles created ${formatNumber(run.profiles_created)}, updated ${formatNumber(run.profiles_updated)}`));
  });
  const rows = runs.map((run) => {
    const errorsButton = run.row_errors_total > 0 ? h('button', { type: 'button', class: 'link', 'aria-expanded': view.openErrors.has(run.pipeline_run_id) ? 'true' : 'false',
      onclick: () => toggleErrors(view, run.pipeline_run_id) }, `${formatNumber(run.row_errors_total)} row errors`) : '0';
    return [
      String(run.pipeline_run_id), run.run_type, runBadge(run), formatTime(run.started_at || run.created_at), formatTime(run.ended_at),
      formatNumber(run.records_extracted), formatNumber(run.records_mapped), formatNumber(run.records_unchanged),
      formatNumber(run.records_skipped), formatNumber(run.records_failed), formatNumber(run.profiles_created),
      formatNumber(run.profiles_updated), formatNumber(run.events_created), errorsButton,
      run.error ? h('span', { class: 'run-error' }, run.error) : '',
    ];
  });
  const panels = [...view.openErrors].map((runId) => h('div', { class: 'row-errors', id: `row-errors-${runId}` }, h('p', { class: 'muted' }, `Loading row errors of run ${runId}…`)));
  replace(view.runs,
    h('h2', { id: 'runs-heading' }, 'Runs'),
    live.length ? h('div', { class: 'in-progress', 'aria-label': 'In progress' }, progress) : null,
    runs.length ? table(['Run', 'Type', 'State', 'Started', 'Ended', 'Extracted', 'Mapped', 'Unchanged', 'Skipped', 'Failed', 'Created', 'Updated', 'Events', 'Row errors', 'Error'], rows, { className: 'runs-table' })
      : h('p', { class: 'muted' }, p.state === 'draft' ? 'Activate the sync to run it.' : 'No runs yet. Run Sync starts one now.'),
    panels);
  for (const runId of view.openErrors) loadErrors(view, runId);
}

function toggleErrors(view, runId) {
  if (view.openErrors.has(runId)) view.openErrors.delete(runId);
  else view.openErrors.add(runId);
  refresh(view);
}

async function loadErrors(view, runId) {
  const el = view.runs.querySelector(`#row-errors-${runId}`);
  try {
    const r = await get(`/pipelines/${enc(view.id)}/runs/${runId}/errors?page_size=100`);
    if (!el.isConnected) return;
    replace(el, h('h3', {}, `Row errors of run ${runId} (${formatNumber(r.total)})`),
      table(['Row', 'Key', 'Column', 'Code', 'Message'], r.items.map((e) => [String(e.row), showValue(e.key), e.column || '', h('code', {}, e.code), e.message])));
  } catch (err) {
    if (el.isConnected) replace(el, h('p', { class: 'form-error' }, err.message));
  }
}

// Data Model / Mapping / Settings as an ARIA tab list (arrow keys move between tabs).
function tabs(view) {
  const p = view.pipeline;
  const edit = (step, what) => h('a', { class: 'button secondary', href: `#/syncs/${enc(p.id)}/edit/${step}` }, `Edit ${what}`);
  const m = view.model;
  const panels = [
    ['model', 'Data Model', () => [
      m ? h('dl', { class: 'summary' },
        h('dt', {}, 'Name'), h('dd', {}, m.name || m.id),
        h('dt', {}, 'SQL'), h('dd', {}, h('pre', { class: 'mono sql' }, m.sql_query)),
        h('dt', {}, 'Timestamp field'), h('dd', {}, m.timestamp_field || '—'),
        h('dt', {}, 'Primary key'), h('dd', {}, m.primary_key && m.primary_key.length ? m.primary_key.join(', ') : '—'),
        h('dt', {}, 'Connection'), h('dd', {}, view.connection ? `${view.connection.name || view.connection.id} (${view.connection.service_provider})` : p.connection_id))
        : h('p', {}, 'The data model is missing.'),
      h('div', { class: 'actions' }, edit('model', 'data model'), edit('connection', 'connection'))]],
    ['mapping', 'Mapping', () => [
      view.ft ? table(['Type', 'Source', 'Destination', 'Value'], view.ft.mappings.map((x) => [
        x.mapping_type, x.source ? h('code', {}, x.source) : '', x.destination ? h('code', {}, x.destination) : '',
        x.mapping_type === 'static' ? `${showValue(x.value)} (${x.value_type})` : '']), { className: 'mapping-table' })
        : h('p', {}, 'Default mapping: columns named like a reserved identity become identities, every other column an attribute of the same name.'),
      h('div', { class: 'actions' }, edit('mapping', 'mapping'))]],
    ['settings', 'Settings', () => [
      h('dl', { class: 'summary' },
        h('dt', {}, 'Environment'), h('dd', {}, p.environment),
        h('dt', {}, 'Input protection'), h('dd', {}, p.input_protection || 'create_and_update'),
        h('dt', {}, 'Sync mode'), h('dd', {}, p.sync_mode && p.sync_mode.type === 'incremental' ? `Incremental on ${p.sync_mode.iterator} (${p.sync_mode.iterator_data_type})` : 'Full'),
        h('dt', {}, 'Schedule'), h('dd', {}, describeSchedule(p.schedule)),
        h('dt', {}, 'Initial sync time'), h('dd', {}, p.schedule && p.schedule.start ? formatTime(p.schedule.start) : '—'),
        h('dt', {}, 'Sync start date'), h('dd', {}, p.sync_start_date ? formatTime(p.sync_start_date) : '—'),
        h('dt', {}, 'High-water mark'), h('dd', {}, p.high_water_mark ? showValue(p.high_water_mark.value) : '—')),
      h('div', { class: 'actions' }, edit('settings', 'settings'))]],
  ];
  const list = h('div', { role: 'tablist', 'aria-label': 'Sync definition', class: 'tabs' });
  const box = h('section', { class: 'card' }, list);
  const tabEls = [];
  const panelEls = [];
  panels.forEach(([key, title, content], i) => {
    const tab = h('button', { type: 'button', role: 'tab', id: `tab-${key}`, 'aria-controls': `panel-${key}`,
      'aria-selected': i === 0 ? 'true' : 'false', tabindex: i === 0 ? '0' : '-1' }, title);
    const panel = h('div', { role: 'tabpanel', id: `panel-${key}`, 'aria-labelledby': `tab-${key}`, tabindex: '0', hidden: i !== 0 }, content());
    tabEls.push(tab);
    panelEls.push(panel);
    list.append(tab);
    box.append(panel);
  });
  const select = (i) => {
    tabEls.forEach((t, j) => {
      t.setAttribute('aria-selected', j === i ? 'true' : 'false');
      t.tabIndex = j === i ? 0 : -1;
      panelEls[j].hidden = j !== i;
    });
    tabEls[i].focus();
  };
  tabEls.forEach((t, i) => {
    t.addEventListener('click', () => select(i));
    t.addEventListener('keydown', (e) => {
      if (e.key === 'ArrowRight') { e.preventDefault(); select((i + 1) % tabEls.length); }
      if (e.key === 'ArrowLeft') { e.preventDefault(); select((i + tabEls.length - 1) % tabEls.length); }
      if (e.key === 'Home') { e.preventDefault(); select(0); }
      if (e.key === 'End') { e.preventDefault(); select(tabEls.length - 1); }
    });
  });
  return box;
}
