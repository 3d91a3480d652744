// The sync wizard: 1 connection, 2 data model, 3 mapping, 4 settings, 5 review. Each step saves
// its resource through the API before the next one opens, so what the API refuses is shown
// beside the field it names. Opened on an existing sync (#/syncs/<id>/edit/<step>) it shows
// that one step and saves it back.
import { h, replace, field, showError, setInvalid, select, table, showValue, uid } from './dom.js';
import { get, post, put, enc, ApiError } from './api.js';
import { USER_IDENTITIES, DEVICE_IDENTITIES, reservedIdentity, newId, describeSchedule } from './common.js';

const STEPS = [
  ['connection', 'Connection'],
  ['model', 'Data model'],
  ['mapping', 'Mapping'],
  ['settings', 'Settings'],
  ['review', 'Review'],
];
const ITERATOR_TYPES = ['timestamp', 'date', 'datetime', 'timestamp_unixtime_ms', 'timestamp_unixtime_s', 'integer'];
const EVENT_FIELDS = ['event_type', 'event_name', 'custom_event_type', 'timestamp_unixtime_ms',
  'source_message_id', 'screen_name', 'product_action.action', 'product_action.transaction_id',
  'product_action.total_amount', 'product_action.products'];
const UNMAPPED = '$unmapped';

function humanize(key) {
  const s = key.replace(/_/g, ' ');
  return s[0].toUpperCase() + s.slice(1);
}

export async function render(main, { pipelineId, step }) {
  const st = {
    main,
    edit: Boolean(pipelineId),
    step: step ? STEPS.findIndex(([k]) => k === step) : 0,
    providers: [],
    connection: null,
    model: null,
    discovery: null,
    discoveredSql: null,
    ft: null,
    pipeline: null,
    mappingType: 'user_attributes',
    rows: null,
    verified: false,
  };
  document.title = st.edit ? 'Edit sync · wsync' : 'New sync · wsync';
  replace(main, h('h1', {}, st.edit ? 'Edit sync' : 'New sync'), h('p', { class: 'muted', role: 'status' }, 'Loading…'));
  const providers = await get('/providers');
  st.providers = providers.items;
  if (st.edit) {
    st.pipeline = await get(`/pipelines/${enc(pipelineId)}`);
    st.pipelineType = st.pipeline.pipeline_type;
    [st.connection, st.model] = await Promise.all([
      get(`/connections/${enc(st.pipeline.connection_id)}`),
      get(`/data-models/${enc(st.pipeline.data_model_id)}`),
    ]);
    if (st.pipeline.field_transformation_id) {
      st.ft = await get(`/field-transformations/${enc(st.pipeline.field_transformation_id)}`);
    }
    st.mappingType = st.pipeline.pipeline_type;
    if (step === 'mapping' || step === 'settings') {
      try {
        st.discovery = await post(`/data-models/${enc(st.model.id)}/discover`, { connection_id: st.connection.id });
        st.discoveredSql = st.model.sql_query;
      } catch (err) {
        if (err.status === 401) throw err;
        st.discoveryError = err.message;
      }
    }
  }
  draw(st);
  return null;
}

function columns(st) {
  return st.discovery ? st.discovery.columns.filter((c) => c.mappable !== false).map((c) => c.name) : [];
}

function draw(st) {
  const [key, title] = STEPS[st.step];
  const steps = st.edit ? null : h('ol', { class: 'steps', 'aria-label': 'Steps' }, STEPS.map(([k, t], i) => h('li', {
    class: i === st.step ? 'current' : (i < st.step ? 'done' : ''),
    'aria-current': i === st.step ? 'step' : null,
  }, h('span', { class: 'step-number', 'aria-hidden': 'true' }, String(i + 1)), h('span', {}, t))));
  const heading = h('h2', { tabindex: '-1', id: 'step-heading' }, st.edit ? title : `Step ${st.step + 1} of 5: ${title}`);
  const body = h('div', { class: 'step-body' });
  replace(st.main,
    h('div', { class: 'page-head' }, h('h1', {}, st.edit ? `Edit ${st.pipeline.name || st.pipeline.id}` : 'New sync'),
      st.edit ? h('a', { href: `#/syncs/${enc(st.pipeline.id)}` }, 'Back to the sync') : h('a', { href: '#/syncs' }, 'Cancel')),
    steps, h('section', { class: 'card wizard', 'aria-labelledby': 'step-heading' }, heading, body));
  ({ connection: stepConnection, model: stepModel, mapping: stepMapping, settings: stepSettings, review: stepReview })[key](st, body);
  return heading;
}

function go(st, index) {
  st.step = index;
  const heading = draw(st);
  heading.focus();
}

// Back / Next (or Save in edit mode) for a step's form; `next` saves and answers true to move on.
function stepForm(st, content, next, { nextLabel } = {}) {
  const formError = h('p', { class: 'form-error', role: 'alert', hidden: true });
  const nextButton = h('button', { type: 'submit', class: 'primary' }, nextLabel || (st.edit ? 'Save' : 'Next'));
  const form = h('form', { novalidate: true, onsubmit: async (e) => {
    e.preventDefault();
    showError(formError, '');
    nextButton.disabled = true;
    nextButton.setAttribute('aria-busy', 'true');
    try {
      const ok = await next(formError);
      if (ok) {
        if (st.edit) location.hash = `#/syncs/${enc(st.pipeline.id)}`;
        else go(st, st.step + 1);
      }
    } catch (err) {
      if (err.status !== 401) showError(formError, err.message);
    } finally {
      nextButton.disabled = false;
      nextButton.removeAttribute('aria-busy');
    }
  } }, content, formError,
  h('div', { class: 'actions' },
    !st.edit && st.step > 0 ? h('button', { type: 'button', class: 'secondary', onclick: () => go(st, st.step - 1) }, 'Back') : null,
    nextButton));
  return form;
}

// Shows each API error beside the control its `field` names (via `slots`: field → {error, input}),
// the rest in `fallback`. Answers whether any error was shown.
function showApiErrors(err, slots, fallback) {
  const rest = [];
  for (const e of err.errors) {
    let slot = e.field ? slots(e.field) : null;
    if (!slot && !e.field) {
      const named = /config\.([A-Za-z0-9_]+)/.exec(e.message || '');
      if (named) slot = slots(`config.${named[1]}`);
    }
    if (slot) {
      showError(slot.error, e.message);
      setInvalid(slot.input, true);
    } else {
      rest.push(e.message);
    }
  }
  if (rest.length) showError(fallback, rest.join(' '));
}

function clearErrors(root) {
  root.querySelectorAll('.field-error, .form-error').forEach((el) => showError(el, ''));
  root.querySelectorAll('[aria-invalid]').forEach((el) => el.removeAttribute('aria-invalid'));
}

// ---- 1. Connection ---------------------------------------------------------------------------

function stepConnection(st, body) {
  const c = st.connection;
  const providerNames = st.providers.map((p) => [p.name, p.connectable ? p.name : `${p.name} (not available in this build)`]);
  const name = field('Connection name', h('input', { type: 'text', required: true, value: c ? c.name || c.id : 'My warehouse' }));
  const provider = field('Warehouse provider', select(providerNames, c ? c.service_provider : 'sqlite', { required: true }));
  const configBox = h('fieldset', { class: 'config' });
  let inputs = new Map();
  const drawConfig = () => {
    const info = st.providers.find((p) => p.name === provider.input.value);
    inputs = new Map();
    const rows = (info ? info.config : []).map((f) => {
      const existing = c && c.service_provider === info.name && c.config ? c.config[f.name] : undefined;
      let input;
      if (f.type === 'boolean') {
        input = h('input', { type: 'checkbox', checked: existing === true });
      } else if (f.type === 'json') {
        input = h('textarea', { rows: '4', spellcheck: 'false', class: 'mono' });
      } else if (f.secret) {
        input = h('input', { type: 'password', autocomplete: 'new-password', spellcheck: 'false' });
      } else {
        input = h('input', { type: f.type === 'integer' ? 'number' : 'text', spellcheck: 'false',
          step: f.type === 'integer' ? '1' : null });
      }
      if (f.type !== 'boolean' && existing !== undefined && existing !== null && !(f.secret && existing === '********')) {
        input.value = typeof existing === 'object' ? JSON.stringify(existing) : String(existing);
      }
      const storedSecret = f.secret && existing === '********';
      const label = `${humanize(f.name)}${f.required ? ' (required)' : ''}`;
      const hint = storedSecret ? 'A value is stored; leave empty to keep it.'
        : (f.secret ? 'Secret: stored encrypted, never shown again.'
          : (info.name === 'sqlite' && f.name === 'path' ? 'A SQLite file under a directory the server allows (serve --sqlite-dir).' : null));
      const fl = field(label, input, { hint });
      input.name = `config.${f.name}`;
      if (f.required) input.required = true;
      inputs.set(f.name, { ...fl, spec: f, storedSecret });
      return fl.row;
    });
    replace(configBox, h('legend', {}, `${info ? info.name : ''} settings`), rows);
  };
  provider.input.addEventListener('change', () => { st.verified = false; drawConfig(); });
  drawConfig();

  const testResult = h('p', { class: 'test-result', role: 'status', 'aria-live': 'polite' });
  const testError = h('p', { class: 'field-error', role: 'alert', hidden: true, id: uid('test-error') });
  const testButton = h('button', { type: 'button', class: 'secondary', 'aria-describedby': testError.id }, 'Test connection');

  const slots = (f) => {
    if (f === 'name') return name;
    if (f === 'service_provider') return provider;
    const m = /^config\.([^.[]+)/.exec(f);
    return m && inputs.get(m[1]) ? inputs.get(m[1]) : null;
  };

  const save = async (fallback) => {
    clearErrors(body);
    const config = {};
    for (const [key, f] of inputs) {
      if (f.spec.type === 'boolean') {
        if (f.input.checked) config[key] = true;
        continue;
      }
      const v = f.input.value.trim();
      if (!v) {
        if (f.storedSecret) config[key] = '********';
        continue;
      }
      if (f.spec.type === 'integer') config[key] = Number(v);
      else if (f.spec.type === 'json' && v.startsWith('{')) {
        try { config[key] = JSON.parse(v); } catch { config[key] = v; }
      } else config[key] = v;
    }
    let bad = false;
    for (const [key, f] of inputs) {
      if (f.spec.required && config[key] === undefined) {
        showError(f.error, `${humanize(key)} is required.`);
        setInvalid(f.input, true);
        bad = true;
      }
      if (f.spec.type === 'integer' && config[key] !== undefined && !Number.isInteger(config[key])) {
        showError(f.error, `${humanize(key)} must be a whole number.`);
        setInvalid(f.input, true);
        bad = true;
      }
    }
    if (!name.input.value.trim()) {
      showError(name.error, 'Give the connection a name.');
      setInvalid(name.input, true);
      bad = true;
    }
    if (bad) return null;
    const id = st.connection ? st.connection.id : newId(name.input.value);
    const resource = { id, name: name.input.value.trim(), service_provider: provider.input.value, config };
    try {
      st.connection = st.connection
        ? await put(`/connections/${enc(id)}`, resource)
        : await post('/connections', resource);
      return st.connection;
    } catch (err) {
      if (err instanceof ApiError && err.status !== 401) {
        showApiErrors(err, slots, fallback);
        return null;
      }
      throw err;
    }
  };

  testButton.addEventListener('click', async () => {
    testResult.textContent = 'Testing…';
    showError(testError, '');
    testButton.disabled = true;
    try {
      const saved = await save(testError);
      if (!saved) { testResult.textContent = ''; return; }
      const r = await post(`/connections/${enc(saved.id)}/verify`);
      st.verified = true;
      testResult.textContent = `Connected (${r.latency_ms} ms).`;
      testResult.className = 'test-result ok';
    } catch (err) {
      testResult.textContent = '';
      if (err instanceof ApiError && err.status !== 401) showApiErrors(err, slots, testError);
    } finally {
      testButton.disabled = false;
    }
  });

  body.append(stepForm(st, [
    h('p', { class: 'muted' }, 'Where the data lives. Secrets are write-only: the API never shows them again.'),
    name.row, provider.row, configBox,
    h('div', { class: 'test-row' }, testButton, testResult), testError,
  ], async (fallback) => {
    const saved = await save(fallback);
    if (saved && st.edit) {
      const p = pipelineBody(st, {});
      await put(`/pipelines/${enc(st.pipeline.id)}`, p);
    }
    return Boolean(saved);
  }));
}

// ---- 2. Data model ---------------------------------------------------------------------------

function stepModel(st, body) {
  const m = st.model;
  const name = field('Model name', h('input', { type: 'text', required: true, value: m ? m.name || m.id : `${st.connection.name || st.connection.id} model` }));
  const sql = field('SQL query', h('textarea', { rows: '8', class: 'mono sql', spellcheck: 'false', required: true,
    value: m ? m.sql_query : 'SELECT * FROM customers' }),
  { hint: 'One read-only SELECT or WITH statement, in the warehouse\'s dialect. Run shows its columns and ten sample rows.' });
  const results = h('div', { class: 'discovery', 'aria-live': 'polite' });
  const tsBox = h('div', { class: 'grid-2' });
  let ts = null;
  let pk = null;
  const drawResults = () => {
    const cols = st.discovery ? st.discovery.columns : [];
    const names = cols.map((c) => c.name);
    ts = field('Timestamp field (optional)', select([['', 'None'], ...names], (m && m.timestamp_field) || ''),
      { hint: 'The source time of each row; needed for a sync start date.' });
    pk = field('Primary key (optional)', select([['', 'None'], ...names], (m && m.primary_key && m.primary_key[0]) || ''),
      { hint: 'A column that names each row uniquely (full syncs skip unchanged rows by it).' });
    replace(tsBox, ts.row, pk.row);
    if (!st.discovery) { replace(results); return; }
    const sample = st.discovery.sample_rows || [];
    replace(results,
      h('h3', {}, `Columns (${cols.length})`),
      table(['Column', 'Type', 'Inferred'], cols.map((c) => [h('code', {}, c.name), c.type, c.inferred ? 'yes' : 'no']), { className: 'columns' }),
      (st.discovery.warnings || []).map((w) => h('p', { class: 'warning' }, w)),
      h('h3', {}, `Sample rows (${sample.length})`),
      sample.length ? table(names, sample.map((r) => names.map((n) => showValue(r[n]))), { className: 'sample' })
        : h('p', { class: 'muted' }, 'The query returned no rows.'));
  };
  drawResults();

  const runButton = h('button', { type: 'button', class: 'secondary' }, 'Run');
  const slots = (f) => (f === 'sql_query' ? sql : f === 'name' ? name : f === 'timestamp_field' ? ts : f && f.startsWith('primary_key') ? pk : null);

  const save = async (fallback, withDetails) => {
    clearErrors(body);
    if (!sql.input.value.trim()) {
      showError(sql.error, 'Write the query to sync.');
      setInvalid(sql.input, true);
      return null;
    }
    const id = st.model ? st.model.id : newId(name.input.value || 'model');
    const resource = { id, name: name.input.value.trim() || id, type: 'sql', sql_query: sql.input.value };
    if (withDetails && ts && ts.input.value) resource.timestamp_field = ts.input.value;
    if (withDetails && pk && pk.input.value) resource.primary_key = [pk.input.value];
    if (!withDetails && st.model) {
      if (st.model.timestamp_field) resource.timestamp_field = st.model.timestamp_field;
      if (st.model.primary_key) resource.primary_key = st.model.primary_key;
    }
    try {
      st.model = st.model ? await put(`/data-models/${enc(id)}`, resource) : await post('/data-models', resource);
      return st.model;
    } catch (err) {
      if (err instanceof ApiError && err.status !== 401) {
        showApiErrors(err, slots, fallback);
        return null;
      }
      throw err;
    }
  };
  const discover = async () => {
    try {
      st.discovery = await post(`/data-models/${enc(st.model.id)}/discover`, { connection_id: st.connection.id });
      st.discoveredSql = sql.input.value;
      drawResults();
      return true;
    } catch (err) {
      if (err instanceof ApiError && err.status !== 401) {
        st.discovery = null;
        drawResults();
        showError(sql.error, err.message);
        setInvalid(sql.input, true);
        return false;
      }
      throw err;
    }
  };
  runButton.addEventListener('click', async () => {
    runButton.disabled = true;
    replace(results, h('p', { class: 'muted' }, 'Running…'));
    try {
      if (await save(sql.error, false)) await discover();
      else drawResults();
    } finally {
      runButton.disabled = false;
    }
  });

  body.append(stepForm(st, [
    name.row, sql.row, h('div', { class: 'test-row' }, runButton), results, tsBox,
  ], async (fallback) => {
    if (!st.discovery || st.discoveredSql !== sql.input.value) {
      if (!(await save(fallback, false))) return false;
      if (!(await discover())) return false;
    }
    if (!(await save(fallback, true))) return false;
    if (st.edit) await put(`/pipelines/${enc(st.pipeline.id)}`, pipelineBody(st, {}));
    return true;
  }));
}

// ---- 3. Mapping ------------------------------------------------------------------------------

// One mapping row: {object: user_identities | user_attributes | events, kind: column | static |
// ignore, source, destination (within the object), value, valueType}.
function seedRows(st, type) {
  const rows = [];
  for (const c of columns(st)) {
    const dest = reservedIdentity(c);
    if (dest) rows.push({ object: 'user_identities', kind: 'column', source: c, destination: dest });
  }
  if (type === 'events') {
    rows.push({ object: 'events', kind: 'static', destination: 'event_type', value: 'custom_event', valueType: 'string' });
    rows.push({ object: 'events', kind: 'static', destination: 'event_name', value: 'Event', valueType: 'string' });
    rows.push({ object: 'events', kind: 'static', destination: 'custom_event_type', value: 'other', valueType: 'string' });
    rows.push({ object: 'events', kind: 'column', source: UNMAPPED, destination: 'custom_attributes.*' });
  } else {
    rows.push({ object: 'user_attributes', kind: 'column', source: UNMAPPED, destination: '*' });
  }
  return rows;
}

function rowsFromFt(ft) {
  const type = ft.destination_type === 'event_batch' ? 'events' : 'user_attributes';
  return ft.mappings.map((m) => {
    const d = m.destination || '';
    const row = { kind: m.mapping_type, source: m.source, value: m.value, valueType: m.value_type };
    if (d === 'mpid' || d.startsWith('user_identities.') || d.startsWith('device_info.')) {
      return { ...row, object: 'user_identities', destination: d };
    }
    if (d.startsWith('user_attributes.')) return { ...row, object: 'user_attributes', destination: d.slice(16) };
    if (d.startsWith('events.')) return { ...row, object: 'events', destination: d.slice(7) };
    return { ...row, object: type === 'events' ? 'events' : 'user_attributes', destination: '' };
  });
}

function mappingFromRows(rows) {
  return rows.map((r) => {
    const m = { mapping_type: r.kind };
    if (r.kind !== 'static') m.source = r.source;
    if (r.kind !== 'ignore') {
      if (r.object === 'user_identities') m.destination = r.destination;
      else if (r.object === 'user_attributes') m.destination = `user_attributes.${r.destination}`;
      else m.destination = `events.${r.destination}`;
    }
    if (r.kind === 'static') {
      m.value_type = r.valueType || 'string';
      if (m.value_type === 'number') m.value = r.value === '' || r.value === undefined ? null : Number(r.value);
      else if (m.value_type === 'boolean') m.value = r.value === true || r.value === 'true';
      else m.value = r.value === undefined ? '' : String(r.value);
    }
    return m;
  });
}

// What the row lacks, before the API is asked (the API checks the rest).
function checkRow(r) {
  if (r.kind !== 'static' && !r.source) return ['source', 'Choose a column.'];
  if (r.kind !== 'ignore' && !r.destination) return ['destination', 'Name the destination.'];
  if (r.kind === 'static') {
    if (r.valueType === 'number' && (String(r.value ?? '').trim() === '' || !Number.isFinite(Number(r.value)))) {
      return ['value', 'A static Number needs a numeric value, such as 3 or 2.5.'];
    }
    if (r.valueType === 'string' && String(r.value ?? '') === '') return ['value', 'A static String needs a value.'];
  }
  if (r.object === 'user_attributes' && r.kind !== 'ignore' && /[.]/.test(r.destination) && r.destination !== '*') {
    return ['destination', 'An attribute name cannot contain a dot.'];
  }
  return null;
}

function stepMapping(st, body) {
  if (!st.rows) {
    st.rows = st.ft ? rowsFromFt(st.ft) : seedRows(st, st.mappingType);
  }
  const cols = columns(st);
  const typeBox = h('fieldset', { class: 'radio-group' }, h('legend', {}, 'Type of data'),
    [['user_attributes', 'User attributes & identities'], ['events', 'Events']].map(([v, t]) => {
      const id = uid('type');
      return h('div', { class: 'radio' }, h('input', { type: 'radio', name: 'mapping-type', id, value: v, checked: st.mappingType === v,
        onchange: () => {
          st.mappingType = v;
          st.rows = seedRows(st, v);
          drawSections();
        } }), h('label', { for: id }, t));
    }));
  const sections = h('div', { class: 'mapping-sections' });
  const rowSlots = [];
  const drawSections = () => {
    rowSlots.length = 0;
    const objects = st.mappingType === 'events' ? ['events', 'user_identities', 'user_attributes'] : ['user_identities', 'user_attributes'];
    for (const r of st.rows) if (!objects.includes(r.object)) r.object = objects[objects.length - 1];
    replace(sections, objects.map((object) => {
      const list = h('div', { class: 'map-rows' });
      st.rows.forEach((r, index) => {
        if (r.object !== object) return;
        const slot = drawRow(st, r, index, cols, () => drawSections());
        rowSlots[index] = slot;
        list.append(slot.el);
      });
      const titles = { user_identities: 'user_identities', user_attributes: 'user_attributes', events: 'events' };
      const help = {
        user_identities: 'Identities find the profile of each row. Reserved identity names are mapped for you.',
        user_attributes: 'Attributes written to the profile. $unmapped → * maps every column no other row uses, under its own name.',
        events: 'The event each row becomes: event_type is required; custom_event needs event_name and custom_event_type.',
      };
      return h('fieldset', { class: 'map-object' }, h('legend', {}, h('code', {}, titles[object])),
        h('p', { class: 'hint' }, help[object]),
        h('div', { class: 'map-head', 'aria-hidden': 'true' }, h('span', {}, 'Type'), h('span', {}, 'Source'), h('span', {}, 'Destination'), h('span', {})),
        list,
        h('button', { type: 'button', class: 'secondary small', onclick: () => {
          st.rows.push({ object, kind: 'column', source: cols[0] || '', destination: object === 'user_identities' ? 'user_identities.customer_id' : (object === 'events' ? 'event_name' : '') });
          drawSections();
          const selects = sections.querySelectorAll(`[data-row="${st.rows.length - 1}"] select, [data-row="${st.rows.length - 1}"] input`);
          if (selects[0]) selects[0].focus();
        } }, `Add ${object} row`));
    }));
  };
  drawSections();

  body.append(stepForm(st, [
    h('p', { class: 'muted' }, `Columns of the model: ${cols.length ? cols.join(', ') : (st.discoveryError || 'none discovered')}.`),
    typeBox, sections,
  ], async (fallback) => {
    clearErrors(body);
    let bad = false;
    st.rows.forEach((r, i) => {
      const problem = checkRow(r);
      if (problem && rowSlots[i]) {
        showError(rowSlots[i].error, problem[1]);
        setInvalid(rowSlots[i].inputs[problem[0]], true);
        bad = true;
      }
    });
    if (bad) return false;
    const destinationType = st.mappingType === 'events' ? 'event_batch' : 'user_attributes';
    const id = st.ft ? st.ft.id : newId(`${st.model.name || st.model.id} mapping`);
    const resource = { id, name: st.ft ? st.ft.name || id : `${st.model.name || st.model.id} mapping`, destination_type: destinationType,
      mappings: mappingFromRows(st.rows) };
    const slots = (f) => {
      const m = /^mappings\[(\d+)\](?:\.(\w+))?/.exec(f || '');
      if (!m || !rowSlots[Number(m[1])]) return null;
      const slot = rowSlots[Number(m[1])];
      return { error: slot.error, input: slot.inputs[m[2]] || slot.inputs.destination || slot.inputs.source };
    };
    try {
      st.ft = st.ft ? await put(`/field-transformations/${enc(id)}`, resource) : await post('/field-transformations', resource);
    } catch (err) {
      if (err instanceof ApiError && err.status !== 401) {
        showApiErrors(err, slots, fallback);
        return false;
      }
      throw err;
    }
    if (st.edit || st.pipeline) {
      try {
        st.pipeline = await put(`/pipelines/${enc(st.pipeline.id)}`, pipelineBody(st, {}));
      } catch (err) {
        if (err instanceof ApiError && err.status !== 401) {
          showApiErrors(err, slots, fallback);
          return false;
        }
        throw err;
      }
    }
    return true;
  }));
  if (st.pendingMappingErrors) {
    const err = st.pendingMappingErrors;
    st.pendingMappingErrors = null;
    const slots = (f) => {
      const m = /^mappings\[(\d+)\](?:\.(\w+))?/.exec(f || '');
      const slot = m && rowSlots[Number(m[1])];
      return slot ? { error: slot.error, input: slot.inputs[m[2]] || slot.inputs.source } : null;
    };
    showApiErrors(err, slots, body.querySelector('.form-error'));
  }
}

function drawRow(st, r, index, cols, redraw) {
  const n = index + 1;
  const label = (what) => `${r.object} row ${n}: ${what}`;
  const inputs = {};
  const error = h('p', { class: 'field-error', role: 'alert', hidden: true, id: uid('row-error') });
  const kind = select([['column', 'Column'], ['static', 'Static'], ['ignore', 'Ignore']], r.kind, { 'aria-label': label('mapping type') });
  kind.addEventListener('change', () => {
    r.kind = kind.value;
    if (r.kind === 'static') { r.valueType = r.valueType || 'string'; r.value = r.value ?? ''; }
    if (r.kind !== 'static' && !r.source) r.source = cols[0] || '';
    redraw();
    const again = document.querySelector(`[data-row="${index}"] select`);
    if (again) again.focus();
  });
  inputs.kind = kind;
  const sourceCell = h('div', { class: 'map-source' });
  if (r.kind === 'static') {
    const vt = select([['string', 'String'], ['number', 'Number'], ['boolean', 'Boolean']], r.valueType || 'string', { 'aria-label': label('value type') });
    vt.addEventListener('change', () => {
      r.valueType = vt.value;
      if (vt.value === 'boolean') r.value = 'true';
      redraw();
    });
    let value;
    if ((r.valueType || 'string') === 'boolean') {
      value = select([['true', 'true'], ['false', 'false']], String(r.value === false || r.value === 'false' ? 'false' : 'true'), { 'aria-label': label('static value') });
      r.value = value.value;
      value.addEventListener('change', () => { r.value = value.value; });
    } else {
      value = h('input', { type: 'text', value: r.value === undefined || r.value === null ? '' : String(r.value), 'aria-label': label('static value'),
        inputmode: r.valueType === 'number' ? 'decimal' : null, oninput: () => { r.value = value.value; } });
    }
    inputs.valueType = vt;
    inputs.value = value;
    inputs.value_type = vt;
    sourceCell.append(vt, value);
  } else {
    const canUnmapped = r.kind === 'column' && r.object !== 'user_identities';
    const options = [...(canUnmapped ? [[UNMAPPED, '$unmapped (every other column)']] : []), ...cols];
    if (r.source && !options.some((o) => (Array.isArray(o) ? o[0] : o) === r.source)) options.push(r.source);
    if (!r.source) options.unshift(['', 'Choose a column']);
    const src = select(options, r.source || '', { 'aria-label': label('source column') });
    src.addEventListener('change', () => {
      const was = r.source;
      r.source = src.value;
      if (r.source === UNMAPPED) r.destination = r.object === 'events' ? 'custom_attributes.*' : '*';
      else if (was === UNMAPPED) r.destination = r.object === 'user_attributes' ? src.value : '';
      if (r.source === UNMAPPED || was === UNMAPPED) redraw();
    });
    inputs.source = src;
    sourceCell.append(src);
  }
  let dest = null;
  if (r.kind !== 'ignore') {
    if (r.source === UNMAPPED && r.kind === 'column') {
      dest = h('input', { type: 'text', value: r.destination, readOnly: true, 'aria-label': label('destination') });
    } else if (r.object === 'user_identities') {
      const opts = [['mpid', 'mpid'], ...USER_IDENTITIES.map((t) => [`user_identities.${t}`, t]),
        ...DEVICE_IDENTITIES.map((t) => [`device_info.${t}`, `${t} (device)`])];
      dest = select(opts, r.destination, { 'aria-label': label('identity type') });
      if (!r.destination) r.destination = dest.value;
      dest.addEventListener('change', () => { r.destination = dest.value; });
    } else if (r.object === 'events') {
      const listId = uid('event-fields');
      dest = h('input', { type: 'text', value: r.destination || '', list: listId, spellcheck: 'false', 'aria-label': label('event field'),
        oninput: () => { r.destination = dest.value.trim(); } });
      dest = h('span', { class: 'combo' }, dest, h('datalist', { id: listId }, EVENT_FIELDS.map((f) => h('option', { value: f })), h('option', { value: 'custom_attributes.' })));
      inputs.destination = dest.firstChild;
    } else {
      dest = h('input', { type: 'text', value: r.destination || '', spellcheck: 'false', 'aria-label': label('attribute name'),
        oninput: () => { r.destination = dest.value.trim(); } });
    }
    if (!inputs.destination) inputs.destination = dest;
  }
  const remove = h('button', { type: 'button', class: 'link danger', 'aria-label': `Remove ${r.object} row ${n}`, onclick: () => {
    st.rows.splice(index, 1);
    redraw();
  } }, 'Remove');
  for (const input of Object.values(inputs)) if (input) input.setAttribute('aria-describedby', error.id);
  const el = h('div', { class: 'map-row', 'data-row': String(index) },
    h('div', { class: 'map-cells' }, kind, sourceCell, h('div', { class: 'map-dest' }, dest || h('span', { class: 'muted small' }, 'not ingested')), remove),
    error);
  return { el, error, inputs };
}

// ---- 4. Settings -----------------------------------------------------------------------------

function pipelineBody(st, overrides) {
  const p = st.pipeline || {};
  const body = {
    id: p.id,
    name: p.name,
    pipeline_type: st.mappingType,
    connection_id: st.connection.id,
    data_model_id: st.model.id,
    environment: p.environment || 'development',
  };
  for (const k of ['input_protection', 'sync_mode', 'schedule', 'sync_start_date', 'null_values', 'outputs']) {
    if (p[k] !== undefined && p[k] !== null) body[k] = p[k];
  }
  if (st.ft) body.field_transformation_id = st.ft.id;
  return { ...body, ...overrides };
}

function guessIteratorType(type) {
  if (type === 'date') return 'date';
  if (type === 'int64' || type === 'integer') return 'integer';
  return 'timestamp';
}

// "2024-06-01T12:00:00Z" ↔ the value of a datetime-local input read as UTC.
function toLocalInput(rfc3339) {
  return rfc3339 ? String(rfc3339).replace(/(\.\d+)?Z$/, '').slice(0, 16) : '';
}

function stepSettings(st, body) {
  const p = st.pipeline || {};
  const cols = st.discovery ? st.discovery.columns : [];
  const name = field('Sync name', h('input', { type: 'text', required: true, value: p.name || (st.model.name ? `${st.model.name} sync` : 'New sync') }));
  const radios = (legend, groupName, options, current) => {
    const box = h('fieldset', { class: 'radio-group' }, h('legend', {}, legend));
    const error = h('p', { class: 'field-error', role: 'alert', hidden: true });
    for (const [v, t] of options) {
      const id = uid(groupName);
      box.append(h('div', { class: 'radio' }, h('input', { type: 'radio', name: groupName, id, value: v, checked: v === current }), h('label', { for: id }, t)));
    }
    box.append(error);
    return { row: box, error, get value() { const c = box.querySelector('input:checked'); return c ? c.value : null; }, input: box.querySelector('input') };
  };
  const env = radios('Environment', 'environment', [['development', 'Development'], ['production', 'Production']], p.environment || 'development');
  const protection = field('Input protection', select([
    ['create_and_update', 'Create and update profiles'],
    ['update_only', 'Update existing profiles only'],
    ['read_only', 'Read only (change no profile)']], p.input_protection || 'create_and_update'));
  const mode = p.sync_mode || { type: 'full' };
  const syncMode = radios('Sync mode', 'sync-mode', [['full', 'Full: read every row each run (unchanged rows are skipped)'], ['incremental', 'Incremental: read rows past the iterator\'s last value']], mode.type);
  const iterator = field('Iterator column', select([['', 'Choose a column'], ...cols.map((c) => [c.name, `${c.name} (${c.type})`])], mode.iterator || ''));
  const iteratorType = field('Iterator type', select(ITERATOR_TYPES, mode.iterator_data_type || 'timestamp'));
  iterator.input.addEventListener('change', () => {
    const c = cols.find((x) => x.name === iterator.input.value);
    if (c) iteratorType.input.value = guessIteratorType(c.type);
  });
  const incrementalBox = h('div', { class: 'grid-2 indent' }, iterator.row, iteratorType.row);
  const sched = p.schedule || { type: 'interval', frequency: 'daily' };
  const scheduleType = field('Schedule type', select([['interval', 'Interval'], ['once', 'Once'], ['on_demand', 'On demand']], sched.type));
  const frequency = field('Frequency', select([['hourly', 'Hourly'], ['daily', 'Daily'], ['weekly', 'Weekly'], ['monthly', 'Monthly']], sched.frequency || 'daily'));
  const start = field('Initial sync time (UTC)', h('input', { type: 'datetime-local', value: toLocalInput(sched.start) }),
    { hint: 'When the first scheduled run is due, in UTC; empty: at activation.' });
  const startDate = field('Sync start date (optional, UTC)', h('input', { type: 'date', value: p.sync_start_date ? String(p.sync_start_date).slice(0, 10) : '' }),
    { hint: 'Rows before it are never read; rows from it to activation load in a background historical run. Needs a timestamp field.' });
  const scheduleBox = h('div', { class: 'grid-2' }, frequency.row, start.row);
  const sync = () => {
    incrementalBox.hidden = syncMode.value !== 'incremental';
    frequency.row.hidden = scheduleType.input.value !== 'interval';
    start.row.hidden = scheduleType.input.value === 'on_demand';
  };
  syncMode.row.addEventListener('change', sync);
  scheduleType.input.addEventListener('change', sync);
  sync();

  const slots = (f) => {
    if (f === 'name') return name;
    if (f === 'environment') return env;
    if (f === 'input_protection') return protection;
    if (f === 'sync_mode.iterator' || f === 'sync_mode.lookback') return iterator;
    if (f === 'sync_mode.iterator_data_type') return iteratorType;
    if (f && f.startsWith('sync_mode')) return syncMode;
    if (f === 'schedule.frequency') return frequency;
    if (f === 'schedule.start') return start;
    if (f && f.startsWith('schedule')) return scheduleType;
    if (f === 'sync_start_date') return startDate;
    return null;
  };

  body.append(stepForm(st, [
    name.row, env.row, protection.row, syncMode.row, incrementalBox,
    h('div', { class: 'grid-2' }, scheduleType.row), scheduleBox, startDate.row,
  ], async (fallback) => {
    clearErrors(body);
    if (syncMode.value === 'incremental' && !iterator.input.value) {
      showError(iterator.error, 'Choose the column whose growing values mark new rows.');
      setInvalid(iterator.input, true);
      return false;
    }
    const schedule = { type: scheduleType.input.value };
    if (schedule.type === 'interval') schedule.frequency = frequency.input.value;
    if (schedule.type !== 'on_demand' && start.input.value) schedule.start = `${start.input.value.length === 16 ? `${start.input.value}:00` : start.input.value}Z`;
    const syncModeBody = syncMode.value === 'incremental'
      ? { type: 'incremental', iterator: iterator.input.value, iterator_data_type: iteratorType.input.value } : { type: 'full' };
    if (syncMode.value === 'incremental' && mode.lookback) syncModeBody.lookback = mode.lookback;
    const id = p.id || newId(name.input.value);
    const resource = pipelineBody(st, {
      id, name: name.input.value.trim() || id, environment: env.value, input_protection: protection.input.value,
      sync_mode: syncModeBody, schedule,
    });
    delete resource.sync_start_date;
    if (startDate.input.value) resource.sync_start_date = `${startDate.input.value}T00:00:00Z`;
    try {
      st.pipeline = st.pipeline ? await put(`/pipelines/${enc(id)}`, resource) : await post('/pipelines', resource);
      return true;
    } catch (err) {
      if (!(err instanceof ApiError) || err.status === 401) throw err;
      if (err.errors.some((e) => (e.field || '').startsWith('mappings'))) {
        st.pendingMappingErrors = err;
        go(st, STEPS.findIndex(([k]) => k === 'mapping'));
        return false;
      }
      showApiErrors(err, slots, fallback);
      return false;
    }
  }));
}

// ---- 5. Review -------------------------------------------------------------------------------

function stepReview(st, body) {
  const p = st.pipeline;
  const summary = h('dl', { class: 'summary' },
    h('dt', {}, 'Connection'), h('dd', {}, `${st.connection.name || st.connection.id} (${st.connection.service_provider})`),
    h('dt', {}, 'Data model'), h('dd', {}, h('code', {}, st.model.sql_query)),
    h('dt', {}, 'Mapping'), h('dd', {}, st.ft ? `${st.ft.mappings.length} mappings (${st.mappingType === 'events' ? 'events' : 'user attributes & identities'})` : 'Default mapping'),
    h('dt', {}, 'Environment'), h('dd', {}, p.environment),
    h('dt', {}, 'Sync mode'), h('dd', {}, p.sync_mode.type === 'incremental' ? `Incremental on ${p.sync_mode.iterator} (${p.sync_mode.iterator_data_type})` : 'Full'),
    h('dt', {}, 'Schedule'), h('dd', {}, describeSchedule(p.schedule)));
  const preview = h('div', { class: 'preview', 'aria-live': 'polite' }, h('p', { class: 'muted' }, 'Loading the preview…'));
  body.append(stepForm(st, [
    summary,
    h('h3', {}, 'Preview: sample profiles'),
    h('p', { class: 'hint' }, 'Up to ten rows of the model, mapped and resolved against the profile store without writing anything.'),
    preview,
  ], async (fallback) => {
    try {
      await post(`/pipelines/${enc(p.id)}/activate`);
    } catch (err) {
      if (err instanceof ApiError && err.status !== 401) {
        if (err.errors.some((e) => (e.field || '').startsWith('mappings'))) {
          st.pendingMappingErrors = err;
          go(st, STEPS.findIndex(([k]) => k === 'mapping'));
          return false;
        }
        showError(fallback, err.message);
        return false;
      }
      throw err;
    }
    location.hash = `#/syncs/${enc(p.id)}`;
    return false;
  }, { nextLabel: 'Activate' }));
  post(`/pipelines/${enc(p.id)}/preview`).then((r) => {
    const profiles = r.profiles || [];
    replace(preview,
      profiles.length ? profiles.map((x, i) => {
        const mpid = x.after && x.after.mpid;
        return h('article', { class: 'profile-preview' },
          h('h4', {}, x.before ? `Profile ${mpid || (x.before && x.before.mpid)} (updated)` : `New profile ${i + 1}`),
          x.changes && x.changes.length
            ? table(['Field', 'Before', 'After'], x.changes.map((c) => [h('code', {}, c.field), showValue(c.before), showValue(c.after)]), { className: 'changes' })
            : h('p', { class: 'muted' }, 'No change.'));
      }) : h('p', { class: 'muted' }, 'No profile would change.'),
      (r.warnings || []).length ? [h('h4', {}, 'Warnings'), h('ul', { class: 'warnings' }, r.warnings.map((w) => h('li', {}, w)))] : null);
  }).catch((err) => {
    if (err.status !== 401) replace(preview, h('p', { class: 'form-error', role: 'alert' }, err.message));
  });
}

