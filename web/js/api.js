// api.js - the one module that talks to the GrowVRD API (API.md).
//
// It owns the session: the tokens live in this module's memory and in
// sessionStorage (one tab, gone when the tab closes), never in
// localStorage or cookies.  Every request goes through request(), which
//   - adds the bearer token (the ID token: it names the caller's email),
//   - retries idempotent reads on network failures, 502/503/504 and
//     nginx's short 429s, with a growing wait,
//   - on a 401 invalid_token refreshes the tokens once, silently, and
//     repeats the request; when that fails the session ends and
//     listeners hear "expired" (the app sends the person to log in),
//   - turns problem documents (RFC 9457) into an ApiError whose .human
//     is a sentence a person can act on.

const BASE = '/api/v1';
const STORE_KEY = 'growvrd.session';
const READ_RETRIES = 2;          // extra tries of a GET
const SHORT_WAIT_MAX = 5;        // seconds of Retry-After worth waiting

export const events = new EventTarget();

let session = loadSession();
let refreshing = null;           // the one refresh in flight

// ------------------------------------------------------------- session

function loadSession() {
  try {
    const raw = sessionStorage.getItem(STORE_KEY);
    const s = raw ? JSON.parse(raw) : null;
    return s && typeof s.id_token === 'string' && typeof s.email === 'string'
      ? s : null;
  } catch {
    return null;
  }
}

function saveSession(s) {
  session = s;
  try {
    if (s) sessionStorage.setItem(STORE_KEY, JSON.stringify(s));
    else sessionStorage.removeItem(STORE_KEY);
  } catch {
    // storage refused (private mode quota): memory still holds it
  }
  events.dispatchEvent(new Event('change'));
}

// The claims of a JWT, for display and menus only: the server verifies.
function claims(token) {
  try {
    const part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const bin = atob(part + '='.repeat((4 - part.length % 4) % 4));
    const bytes = Uint8Array.from(bin, (ch) => ch.charCodeAt(0));
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return {};
  }
}

function sessionFrom(email, tokens, old) {
  const id = claims(tokens.id_token);
  const groups = Array.isArray(id['cognito:groups']) ? id['cognito:groups'] : [];
  return {
    email: typeof id.email === 'string' ? id.email : email,
    id_token: tokens.id_token,
    access_token: tokens.access_token,
    refresh_token: tokens.refresh_token || (old && old.refresh_token) || '',
    admin: groups.includes('admin'),
  };
}

/** The signed-in person ({email, admin}) or null. */
export function currentUser() {
  return session ? { email: session.email, admin: session.admin === true } : null;
}

/** Forget the session locally (no request). */
export function forgetSession() {
  saveSession(null);
}

// -------------------------------------------------------------- errors

function duration(seconds) {
  const s = Math.max(1, Math.round(seconds));
  const units = [[86400, 'day'], [3600, 'hour'], [60, 'minute'], [1, 'second']];
  for (const [size, name] of units) {
    if (s >= size) {
      const n = Math.round(s / size);
      return `${n} ${name}${n === 1 ? '' : 's'}`;
    }
  }
  return `${s} seconds`;
}

function sentence(text) {
  const t = String(text || '').trim();
  if (!t) return '';
  const s = t[0].toUpperCase() + t.slice(1);
  return /[.!?]$/.test(s) ? s : `${s}.`;
}

/** Seconds as a phrase: "3 days", "1 minute". */
export { duration as waitPhrase };

/**
 * A failed request.  status is 0 when no answer came (offline or
 * unreachable); problem is the problem document when there was one;
 * retryAfter is in seconds (or null); human is a sentence for people.
 */
export class ApiError extends Error {
  constructor(status, problem, retryAfter, requestId) {
    super(problem && problem.detail ? problem.detail : `HTTP ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.problem = problem || null;
    this.retryAfter = retryAfter;
    this.requestId = requestId || (problem && problem.request_id) || '';
    this.human = humanText(this);
  }

  /** True when trying again later could help. */
  get retryable() {
    return this.status === 0 || this.status === 429 || this.status >= 500;
  }
}

function humanText(e) {
  const detail = e.problem && typeof e.problem.detail === 'string'
    ? sentence(e.problem.detail) : '';
  switch (e.status) {
  case 0:
    return navigator.onLine === false
      ? 'You seem to be offline. Check your connection, then try again.'
      : 'GrowVRD could not be reached. Check your connection, then try again.';
  case 400:
    return detail ? `Please check what you entered. ${detail}`
      : 'Please check what you entered.';
  case 401: return 'Please log in to continue.';
  case 403: return 'Your account is not allowed to do that.';
  case 404: return 'We could not find that. It may have been removed.';
  case 405: return 'That action is not possible here.';
  case 409: return detail ? `That clashes with what is already saved. ${detail}`
    : 'That clashes with what is already saved.';
  case 412:
    return 'This was changed somewhere else (another tab or device) after you opened it.';
  case 413: return 'That is too large to send.';
  case 429:
    if (e.retryAfter && e.retryAfter > 120) {
      const when = new Date(Date.now() + e.retryAfter * 1000);
      return `You have used everything your plan allows for now. It renews in ${duration(e.retryAfter)} (${when.toLocaleDateString('en', { dateStyle: 'long' })}).`;
    }
    return `Too many requests at once. Please wait ${duration(e.retryAfter || 1)} and try again.`;
  case 501: return 'This is not available on this server.';
  case 502: case 503: case 504:
    return 'GrowVRD is briefly unavailable. Please try again in a moment.';
  default:
    return e.status >= 500
      ? 'Something went wrong on our side. Please try again.'
      : (detail || 'The request did not work. Please try again.');
  }
}

// ------------------------------------------------------------ requests

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function retryAfterOf(resp) {
  const v = resp.headers.get('Retry-After');
  if (v === null) return null;
  const n = Number(v);
  if (Number.isFinite(n) && n >= 0) return n;
  const t = Date.parse(v);
  return Number.isNaN(t) ? null : Math.max(0, (t - Date.now()) / 1000);
}

async function bodyOf(resp) {
  if (resp.status === 204) return null;
  const type = resp.headers.get('Content-Type') || '';
  if (!/json/.test(type)) return null;
  try {
    return await resp.json();
  } catch {
    return null;
  }
}

function urlOf(path, query) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query || {})) {
    if (v !== undefined && v !== null && v !== '' && v !== false) q.set(k, String(v));
  }
  const s = q.toString();
  return BASE + path + (s ? `?${s}` : '');
}

// One fetch, with the retries of reads; returns the Response or throws
// ApiError(0) when no answer came.
async function send(method, url, init, signal) {
  const read = method === 'GET';
  for (let attempt = 0; ; attempt++) {
    let resp;
    try {
      resp = await fetch(url, { ...init, method, signal });
    } catch (err) {
      if (signal && signal.aborted) throw err;
      if (read && attempt < READ_RETRIES && navigator.onLine !== false) {
        await sleep(400 * 3 ** attempt);
        continue;
      }
      throw new ApiError(0, null, null, '');
    }
    const wait = retryAfterOf(resp);
    const busy = resp.status >= 502 && resp.status <= 504;
    const shortLimit = resp.status === 429 && wait !== null && wait <= SHORT_WAIT_MAX;
    if (read && attempt < READ_RETRIES && (busy || shortLimit)) {
      await sleep(wait !== null && wait <= SHORT_WAIT_MAX
        ? Math.max(wait * 1000, 300) : 400 * 3 ** attempt);
      continue;
    }
    return resp;
  }
}

function headersFor(opts, token) {
  const h = { Accept: 'application/json, application/problem+json' };
  if (opts.body !== undefined) h['Content-Type'] = 'application/json';
  if (token) h.Authorization = `Bearer ${token}`;
  if (opts.ifMatch !== undefined && opts.ifMatch !== null) h['If-Match'] = `"${opts.ifMatch}"`;
  return h;
}

/**
 * request(method, path, opts) -> {status, data, version}
 * opts: query (object), body (JSON value), auth (true: needs the
 * session), ifMatch (a version), signal (AbortSignal).
 * version is the ETag's number, when the answer had one.
 * Throws ApiError for any answer that is not 2xx.
 */
export async function request(method, path, opts = {}) {
  const url = urlOf(path, opts.query);
  const body = opts.body === undefined ? undefined : JSON.stringify(opts.body);
  let refreshed = false;
  for (;;) {
    const token = opts.auth && session ? session.id_token : null;
    if (opts.auth && !token) {
      events.dispatchEvent(new Event('expired'));
      throw new ApiError(401, null, null, '');
    }
    const resp = await send(method, url, {
      headers: headersFor(opts, token), body, cache: 'no-store',
      credentials: 'omit', redirect: 'error',
    }, opts.signal);
    const data = await bodyOf(resp);
    if (resp.ok) {
      const etag = resp.headers.get('ETag');
      const m = etag && /^(?:W\/)?"?(\d+)"?$/.exec(etag);
      return { status: resp.status, data, version: m ? Number(m[1]) : null };
    }
    const challenge = resp.headers.get('WWW-Authenticate') || '';
    if (resp.status === 401 && token) {
      if (!refreshed && /invalid_token/.test(challenge) && await refresh()) {
        refreshed = true;
        continue;
      }
      forgetSession();
      events.dispatchEvent(new Event('expired'));
    }
    throw new ApiError(resp.status, data, retryAfterOf(resp),
      resp.headers.get('X-Request-Id'));
  }
}

// One silent refresh for every request that needs it at the same time.
function refresh() {
  if (!refreshing) {
    const s = session;
    refreshing = (async () => {
      if (!s || !s.refresh_token) return false;
      try {
        const resp = await fetch(urlOf('/auth/refresh'), {
          method: 'POST', cache: 'no-store', credentials: 'omit',
          headers: headersFor({ body: true }, null),
          body: JSON.stringify({ refresh_token: s.refresh_token, email: s.email }),
        });
        if (!resp.ok) return false;
        const tokens = await resp.json();
        if (!tokens || typeof tokens.id_token !== 'string') return false;
        saveSession(sessionFrom(s.email, tokens, s));
        return true;
      } catch {
        return false;
      }
    })().finally(() => { refreshing = null; });
  }
  return refreshing;
}

export const get = (path, opts) => request('GET', path, opts);
export const post = (path, body, opts) => request('POST', path, { ...opts, body });
export const put = (path, body, opts) => request('PUT', path, { ...opts, body });
export const patch = (path, body, opts) => request('PATCH', path, { ...opts, body });
export const del = (path, opts) => request('DELETE', path, opts);

// ---------------------------------------------------------- auth flows

/** Log in; on success the session holds the tokens. */
export async function login(email, password) {
  const r = await post('/auth/login', { email, password });
  saveSession(sessionFrom(email, r.data, null));
  return currentUser();
}

/** Log out: revoke the refresh token (best effort), forget the session. */
export async function logout() {
  const s = session;
  forgetSession();
  if (!s || !s.refresh_token) return;
  try {
    // One plain try: a failure leaves only a token that expires anyway.
    await fetch(urlOf('/auth/logout'), {
      method: 'POST', cache: 'no-store', credentials: 'omit',
      headers: headersFor({ body: true }, s.id_token),
      body: JSON.stringify({ refresh_token: s.refresh_token }),
    });
  } catch {
    // offline: the session ends here all the same
  }
}
