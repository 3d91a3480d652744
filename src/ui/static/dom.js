// Building DOM nodes. Every value from the API goes in as a text node or an attribute value, never
// as markup: nothing here parses HTML, so a value cannot become script.

const PROPERTIES = new Set(['value', 'checked', 'selected', 'disabled', 'multiple', 'readOnly',
  'required', 'hidden']);

// h('tag', {attr: value, onclick: fn}, child, ...): children are nodes, strings (text), numbers,
// arrays of children, or null/false (skipped).
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') {
      el.addEventListener(key.slice(2), value);
    } else if (key === 'class') {
      el.className = value;
    } else if (PROPERTIES.has(key)) {
      el[key] = value;
    } else {
      el.setAttribute(key, value === true ? '' : String(value));
    }
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

// Replaces the children of `el`.
export function replace(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

let uniqueCounter = 0;
export function uid(prefix) {
  uniqueCounter += 1;
  return `${prefix}-${uniqueCounter}`;
}

// A labelled form control with a slot for its error message:
// field('Name', h('input', {...}), {hint}) → {row, input, error}.
export function field(label, input, { hint, id } = {}) {
  const inputId = id || input.id || uid('f');
  input.id = inputId;
  const errorId = `${inputId}-error`;
  const hintId = hint ? `${inputId}-hint` : null;
  const error = h('p', { class: 'field-error', id: errorId, role: 'alert', hidden: true });
  input.setAttribute('aria-describedby', [hintId, errorId].filter(Boolean).join(' '));
  const row = h('div', { class: 'field' },
    h('label', { for: inputId }, label),
    input,
    hint ? h('p', { class: 'hint', id: hintId }, hint) : null,
    error);
  return { row, input, error };
}

export function showError(slot, message) {
  if (!slot) return;
  if (message) {
    slot.textContent = message;
    slot.hidden = false;
  } else {
    slot.textContent = '';
    slot.hidden = true;
  }
}

export function setInvalid(input, invalid) {
  if (!input) return;
  if (invalid) input.setAttribute('aria-invalid', 'true');
  else input.removeAttribute('aria-invalid');
}

export function select(options, selected, attrs = {}) {
  return h('select', attrs, options.map((o) => {
    const [value, text] = Array.isArray(o) ? o : [o, o];
    return h('option', { value, selected: value === selected }, text);
  }));
}

// "2024-06-01T12:00:00Z" → "2024-06-01 12:00:00 UTC"; null → "—".
export function formatTime(rfc3339) {
  if (!rfc3339) return '—';
  return String(rfc3339).replace('T', ' ').replace(/(\.\d+)?Z$/, ' UTC');
}

export function formatNumber(n) {
  if (n === null || n === undefined) return '—';
  return Number(n).toLocaleString('en-US');
}

// A JSON value as short text for tables.
export function showValue(v) {
  if (v === null || v === undefined) return '∅';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

export function badge(text, kind) {
  return h('span', { class: `badge badge-${kind || text}` }, text);
}

export function table(headers, rows, { caption, className } = {}) {
  // Focusable, so a table wider than the screen can be scrolled by keyboard.
  return h('div', { class: 'table-wrap', tabindex: '0' },
    h('table', { class: className || null },
      caption ? h('caption', {}, caption) : null,
      h('thead', {}, h('tr', {}, headers.map((x) => h('th', { scope: 'col' }, x)))),
      h('tbody', {}, rows.map((r) => h('tr', {}, r.map((c) => h('td', {}, c)))))));
}
