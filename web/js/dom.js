// dom.js - building the page safely.  Everything from the API enters the
// document as text (text nodes, textContent, attribute values): this
// module never parses HTML, and links may only point inside the app.

let nextId = 0;

/** A fresh element id with a prefix. */
export function uid(prefix = 'f') {
  nextId += 1;
  return `${prefix}-${nextId}`;
}

// Links stay inside the app: "#/..." routes and same-origin "/..." paths.
function safeHref(v) {
  const s = String(v);
  return /^#\/|^#[A-Za-z][\w-]*$|^\/(?!\/)/.test(s) ? s : '#/';
}

const PROPS = new Set(['value', 'checked', 'selected', 'indeterminate']);

/**
 * h(tag, props, ...children): a new element.  props: class, text,
 * dataset, on<event> (listeners), value/checked/selected (properties),
 * any other key as an attribute (true: present, false/null: absent).
 * children: nodes, strings and numbers (as text), arrays, null/false.
 */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = Array.isArray(v) ? v.filter(Boolean).join(' ') : v;
    else if (k === 'text') el.textContent = String(v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (PROPS.has(k)) el[k] = v;
    else if (k === 'href') el.setAttribute('href', safeHref(v));
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

/** Append children (nodes, text, arrays) to el. */
export function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/** Replace el's content. */
export function replace(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

/**
 * A labelled form control.  o: label, name, type (text, email,
 * password, number, date, checkbox, select, textarea), value, options
 * ([[value, label]] for select), hint, required, and any attribute for
 * the control (autocomplete, min, max, inputmode, ...).
 * Returns {wrap, input, hint, error}.
 */
export function field(o) {
  const id = uid(o.name || 'f');
  const hintId = o.hint ? `${id}-hint` : null;
  const errId = `${id}-err`;
  const skip = new Set(['label', 'hint', 'options', 'type', 'value', 'wide']);
  const attrs = { id, name: o.name };
  for (const [k, v] of Object.entries(o)) if (!skip.has(k) && !(k in attrs)) attrs[k] = v;
  attrs['aria-describedby'] = [hintId, errId].filter(Boolean).join(' ');
  let input;
  if (o.type === 'select') {
    input = h('select', attrs, (o.options || []).map(([v, label]) =>
      h('option', { value: v, selected: String(v) === String(o.value ?? '') }, label)));
  } else if (o.type === 'textarea') {
    input = h('textarea', { ...attrs, rows: o.rows || 4 });
    input.value = o.value ?? '';
  } else if (o.type === 'checkbox') {
    input = h('input', { ...attrs, type: 'checkbox', checked: o.value === true });
  } else {
    input = h('input', { ...attrs, type: o.type || 'text', value: o.value ?? '' });
  }
  const label = h('label', { for: id }, o.label,
    o.required && o.type !== 'checkbox' ? h('span', { class: 'req', 'aria-hidden': 'true' }, ' *') : null);
  const hint = o.hint ? h('p', { class: 'hint', id: hintId }, o.hint) : null;
  const error = h('p', { class: 'field-error', id: errId, hidden: true });
  const wrap = o.type === 'checkbox'
    ? h('div', { class: ['field', 'check', o.wide && 'wide'] }, input, label, hint, error)
    : h('div', { class: ['field', o.wide && 'wide'] }, label, input, hint, error);
  return { wrap, input, hint, error };
}

/** Show (or clear, with '') a message under a field; marks it invalid. */
export function fieldError(f, text) {
  f.error.textContent = text || '';
  f.error.hidden = !text;
  if (text) f.input.setAttribute('aria-invalid', 'true');
  else f.input.removeAttribute('aria-invalid');
}

/** The "Loading..." state of a region. */
export function loading(el, text = 'Loading…') {
  el.setAttribute('aria-busy', 'true');
  return replace(el, h('p', { class: 'loading', role: 'status' },
    h('span', { class: 'spinner', 'aria-hidden': 'true' }), text));
}

/** Marks a region as done loading. */
export function loaded(el) {
  el.removeAttribute('aria-busy');
}

/**
 * A button's busy state: disables it and shows text until the returned
 * function is called.
 */
export function busy(button, text) {
  const old = button.textContent;
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  button.textContent = text;
  return () => {
    button.disabled = false;
    button.removeAttribute('aria-busy');
    button.textContent = old;
  };
}

/**
 * An alert box for a failed request: the error's human sentence (or
 * text), the request id for support, and optional actions (nodes).
 */
export function problemBox(err, text, ...actions) {
  const box = h('div', { class: 'problem', role: 'alert' },
    h('p', {}, text || (err && err.human) || 'Something went wrong. Please try again.'));
  if (err && err.requestId) {
    box.append(h('p', { class: 'ref' }, `Reference: ${err.requestId}`));
  }
  if (actions.length) box.append(h('p', { class: 'actions' }, actions));
  return box;
}

/** A short success or information box (role status). */
export function okBox(...children) {
  return h('div', { class: 'ok', role: 'status' }, children);
}

/** A heading that takes focus after a route change. */
export function title(text) {
  return h('h1', { tabindex: '-1', class: 'view-title' }, text);
}

/**
 * onSubmit(form, busyText, box, fn): on submit, runs async fn with the
 * submit button busy and box (a region above or below the form) cleared;
 * an error fn throws is shown in box as a problem (err.text overrides
 * its sentence).  fn may return a node to show in box instead.
 */
export function onSubmit(form, busyText, box, fn) {
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const button = ev.submitter || form.querySelector('button[type="submit"]');
    const done = button ? busy(button, busyText) : () => {};
    replace(box);
    try {
      const shown = await fn();
      if (shown instanceof Node) replace(box, shown);
    } catch (err) {
      if (err && err.name === 'AbortError') return;
      replace(box, problemBox(err, err && err.text));
    } finally {
      if (button && button.isConnected) done();
    }
  });
}
