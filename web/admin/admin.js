// Gatehouse admin console: a small single-page front end over the admin API. The API key is
// entered once per tab, kept in sessionStorage (never in a URL or a cookie) and sent as a Bearer
// token. Every value from the API is put into the page as text (textContent), never as HTML.
'use strict';

const KEY = 'gatehouse.apiKey';
const $ = (id) => document.getElementById(id);

/** el('tr', {class: 'x'}, child, 'text', ...): a DOM element with attributes and children. */
function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat(Infinity)) e.append(c instanceof Node ? c : document.createTextNode(c === undefined || c === null ? '' : String(c)));
  return e;
}

/** A refused admin API call: the HTTP status and the API's error code ("precondition_failed", ...). */
class ApiError extends Error {
  constructor(status, json) {
    super(json && (json.message || json.error) ? `${json.error}: ${json.message || ''}` : `HTTP ${status}`);
    this.status = status;
    this.code = json ? json.error : undefined;
  }
}

/**
 * One admin API call: {json, etag}. ifMatch makes a write conditional on the version read (the
 * ETag of that read). Throws ApiError for any answer but 2xx.
 */
async function call(method, path, body, { ifMatch } = {}) {
  const headers = { authorization: `Bearer ${sessionStorage.getItem(KEY) || ''}` };
  const init = { method, headers };
  if (body !== undefined) {
    headers['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  if (ifMatch) headers['if-match'] = ifMatch;
  const res = await fetch(path, init);
  if (res.status === 401) {
    signOut('The API key was refused.');
    throw new Error('unauthorized');
  }
  const text = await res.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
  if (!res.ok) throw new ApiError(res.status, json);
  return { json, etag: res.headers.get('etag') };
}

async function api(method, path, body) {
  return (await call(method, path, body)).json;
}

const time = (v, ms = false) => (v ? new Date(ms ? v : v * 1000).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '—');
const badge = (text) => el('span', { class: `badge ${text}` }, text);
function table(headers, rows, rowAttrs = () => ({})) {
  return el('table', {}, el('thead', {}, el('tr', {}, headers.map((h) => el('th', {}, h)))),
    el('tbody', {}, rows.map((r, i) => el('tr', rowAttrs(i), r.map((c) => el('td', {}, c))))));
}
// The title each route's page is drawn with. A page is drawn after its data arrives, so a draw
// that finishes once the operator has moved to another page (an editor's redraw after a save, a
// slow list) is dropped instead of replacing the page now shown.
const TITLES = {
  cluster: 'Cluster', logs: 'Logs', keys: 'Signing keys', 'api-keys': 'API keys', applications: 'Applications',
  users: 'Users', themes: 'Theme of the hosted pages', audit: 'Audit trail', jobs: 'Jobs',
};
const currentRoute = () => (location.hash.slice(1).split('?')[0]) || 'cluster';

function page(title, ...content) {
  const shown = TITLES[currentRoute()] ?? TITLES.cluster;
  if (Object.values(TITLES).includes(title) && title !== shown) return;
  const p = $('page');
  p.replaceChildren(el('h1', {}, title), ...content);
  p.hidden = false;
}
function failure(err) {
  if (err.message === 'unauthorized') return;
  const p = $('page');
  p.append(el('p', { class: 'error', role: 'alert' }, String(err.message || err)));
}

const versionOf = (etag) => (etag ? etag.replace(/^W\//, '').replace(/"/g, '') : '?');

/**
 * Opens an editor of one record as JSON at the end of the page (replacing an earlier one with the
 * same id). The save is conditional on the ETag read when the editor opened (If-Match): if someone
 * changed the record since, the API answers 412 and the editor says so, keeping the operator's text;
 * "Load the current version" then shows the record as it is now, the unsaved text kept beside it.
 * ids: {form, area, status}; what: "the application" / "the user"; onSaved(): after a save.
 */
async function openJsonEditor({ ids, title, path, what, onSaved }) {
  const { json: current, etag: firstEtag } = await call('GET', path);
  let etag = firstEtag;
  const area = el('textarea', { id: ids.area, rows: 16 }, JSON.stringify(current, null, 2));
  const label = el('label', { for: ids.area });
  const status = el('div', { id: ids.status, role: 'alert' });
  const mine = el('div', { id: `${ids.area}-unsaved` });
  const labelFor = () => label.replaceChildren(`${title} (JSON, version ${versionOf(etag)})`);
  labelFor();
  const reload = async () => {
    const unsaved = area.value;
    try {
      const fresh = await call('GET', path);
      etag = fresh.etag;
      area.value = JSON.stringify(fresh.json, null, 2);
      labelFor();
      status.replaceChildren(el('p', { class: 'notice' }, `Loaded the current version (${versionOf(etag)}). `
        + 'Your unsaved edit is below: apply what you still need and save again.'));
      mine.replaceChildren(el('label', { for: `${ids.area}-mine` }, 'Your unsaved edit'),
        el('textarea', { id: `${ids.area}-mine`, rows: 12, readonly: true }, unsaved));
    } catch (err) {
      if (err.message !== 'unauthorized') status.replaceChildren(el('p', { class: 'error' }, String(err.message)));
    }
  };
  const save = async (ev) => {
    ev.preventDefault();
    let doc;
    try { doc = JSON.parse(area.value); } catch (err) {
      status.replaceChildren(el('p', { class: 'error' }, `Not valid JSON: ${err.message}`));
      return;
    }
    try {
      await call('PUT', path, doc, { ifMatch: etag });
    } catch (err) {
      if (err.message === 'unauthorized') return;
      if (err.status === 412 || err.code === 'precondition_failed') {
        status.replaceChildren(el('p', { class: 'error conflict' },
          `Not saved: ${what} was changed by someone else since you opened it; reload it to see the current version. `
          + 'Your text is kept in the editor.'),
        el('button', { type: 'button', class: 'secondary', id: `${ids.form}-reload`, onclick: reload }, 'Load the current version'));
      } else {
        status.replaceChildren(el('p', { class: 'error' }, `Not saved: ${err.message}`));
      }
      return;
    }
    try { await onSaved(); } catch (err) { failure(err); }
  };
  $(ids.form)?.remove();
  const form = el('form', { class: 'card', id: ids.form, onsubmit: save }, label, area, status, el('button', { type: 'submit' }, 'Save'), mine);
  $('page').append(form);
  area.focus();
  return form;
}

// ------------------------------------------------------------------------------------------
// Pages

const pages = {
  async cluster() {
    const data = await api('GET', '/api/system/nodes');
    const drift = data.drift.length
      ? el('div', { class: 'drift', id: 'drift' }, el('strong', {}, 'Drift: '), data.drift.join('; '))
      : el('div', { class: 'in-step', id: 'drift' }, el('strong', {}, 'In step: '),
        'every node that is up runs the same version, configuration and signing keys.');
    const short = (fingerprint) => el('code', { title: fingerprint || '' }, fingerprint ? fingerprint.slice(0, 10) : '—');
    page('Cluster', drift,
      el('p', { class: 'muted' }, `Latest cluster event ${data.latest_event}. This page is served by node ${data.this_node}.`),
      table(['Node', 'State', 'Version', 'Started', 'Last check-in', 'Event lag', 'Configuration', 'Signing keys', 'URL'],
        data.nodes.map((n) => [
          el('span', {}, n.node_id, n.this_node ? el('span', { class: 'badge this', title: 'the node answering' }, ' this node') : ''),
          badge(n.state), n.version, time(n.started_at, true), `${n.seconds_since_checkin} s ago`,
          String(Math.max(0, data.latest_event - n.applied_event)), short(n.config_hash), short(n.keyset), n.url || '—']),
        (i) => ({ class: data.nodes[i].this_node ? 'this-node' : null, 'data-node': data.nodes[i].node_id })));
  },

  async logs() {
    const nodes = (await api('GET', '/api/system/nodes')).nodes.filter((n) => n.state !== 'left');
    const select = el('select', { id: 'log-node' }, nodes.map((n) => el('option', { value: n.node_id, selected: n.this_node }, n.node_id)));
    const out = el('pre', { class: 'log', id: 'log-lines' });
    const load = async () => {
      out.textContent = 'Loading…';
      try {
        const r = await api('GET', `/api/system/logs?node=${encodeURIComponent(select.value)}&limit=500`);
        out.textContent = r.lines.map((l) => `${l.ts} ${l.level.padEnd(7)} ${l.request_id ? `[${l.request_id}] ` : ''}${l.msg}`).join('\n') || '(no lines)';
        out.scrollTop = out.scrollHeight;
      } catch (err) { out.textContent = String(err.message); }
    };
    select.addEventListener('change', load);
    page('Logs', el('div', { class: 'toolbar' }, el('label', { for: 'log-node' }, 'Node'), select,
      el('button', { type: 'button', class: 'secondary', onclick: load }, 'Refresh')), out);
    await load();
  },

  async keys() {
    const data = await api('GET', '/api/system/keys');
    const status = el('p', { id: 'rotate-status', class: 'muted' });
    const rotate = async () => {
      try {
        const r = await api('POST', '/api/system/keys/rotate');
        status.textContent = `Rotated: ${r.rotated.join(', ') || 'none'}; published: ${r.published.join(', ') || 'none'}.`;
        await pages.keys();
      } catch (err) { status.textContent = String(err.message); }
    };
    page('Signing keys', el('div', { class: 'toolbar' }, el('button', { type: 'button', id: 'rotate', onclick: rotate }, 'Rotate now')), status,
      table(['Key id', 'Algorithm', 'State', 'Created', 'Signs from', 'Retires'],
        data.keys.map((k) => [k.kid, k.alg, badge(k.state), time(k.created_at), time(k.activates_at), time(k.retires_at)])));
  },

  async 'api-keys'() {
    const data = await api('GET', '/api/api-keys');
    const now = Date.now() / 1000;
    const form = el('form', { class: 'card', id: 'new-api-key' },
      el('label', { for: 'key-description' }, 'Description'), el('input', { id: 'key-description', name: 'description', maxlength: 200 }),
      el('label', { for: 'key-role' }, 'Role'),
      el('select', { id: 'key-role', name: 'role' },
        el('option', { value: 'admin', selected: true }, 'admin: everything'), el('option', { value: 'read_only' }, 'read_only: GET only')),
      el('label', { for: 'key-expires' }, 'Expires (your local time; empty: never)'),
      el('input', { id: 'key-expires', name: 'expires', type: 'datetime-local' }),
      el('button', { type: 'submit' }, 'Create API key'));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const f = new FormData(form);
      const doc = { description: f.get('description') || '', role: f.get('role') };
      if (f.get('expires')) doc.expires_at = Math.floor(new Date(String(f.get('expires'))).getTime() / 1000);
      try {
        const created = await api('POST', '/api/api-keys', doc);
        await pages['api-keys']();
        $('new-key').replaceChildren(el('p', {}, `API key ${created.id} created.`),
          el('p', {}, 'The key, shown this once:', el('div', { class: 'secret', id: 'api-key-value' }, created.key)));
      } catch (err) { failure(err); }
    });
    const remove = (id) => async () => {
      if (!window.confirm(`Delete API key ${id}?`)) return;
      try { await api('DELETE', `/api/api-keys/${encodeURIComponent(id)}`); await pages['api-keys'](); } catch (err) { failure(err); }
    };
    const expiry = (k) => (k.expires_at === null || k.expires_at === undefined ? 'never'
      : el('span', {}, time(k.expires_at), k.expires_at <= now ? el('span', { class: 'badge expired' }, ' expired') : ''));
    page('API keys', el('div', { id: 'new-key' }),
      table(['Id', 'Description', 'Role', 'Created', 'Expires', ''],
        data.api_keys.map((k) => [k.id, k.description, badge(k.role), time(k.created_at), expiry(k),
          el('button', { type: 'button', class: 'danger', onclick: remove(k.id) }, 'Delete')]),
        (i) => ({ 'data-key': data.api_keys[i].id })),
      form);
  },

  async applications() {
    const data = await api('GET', '/api/applications?limit=500');
    const form = el('form', { class: 'card', id: 'new-application' },
      el('label', { for: 'app-id' }, 'Client id (empty: generated)'), el('input', { id: 'app-id', name: 'client_id' }),
      el('label', { for: 'app-name' }, 'Name'), el('input', { id: 'app-name', name: 'client_name' }),
      el('label', { for: 'app-grants' }, 'Grant types'),
      el('select', { id: 'app-grants', name: 'grant_types', multiple: true },
        ['client_credentials', 'authorization_code', 'refresh_token'].map((g) => el('option', { value: g, selected: g === 'client_credentials' }, g))),
      el('label', { for: 'app-scope' }, 'Scope'), el('input', { id: 'app-scope', name: 'scope', value: '' }),
      el('label', { for: 'app-redirects' }, 'Redirect URIs (one per line)'), el('textarea', { id: 'app-redirects', name: 'redirect_uris' }),
      el('label', { for: 'app-introspection' }, 'Introspection audiences (one per line): it may introspect access tokens issued for these'),
      el('textarea', { id: 'app-introspection', name: 'introspection_audiences' }),
      el('button', { type: 'submit' }, 'Create application'));
    const lines = (v) => String(v || '').split('\n').map((s) => s.trim()).filter(Boolean);
    const shown = el('div', { id: 'new-secret' });
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const f = new FormData(form);
      const doc = {
        client_name: f.get('client_name') || undefined,
        grant_types: [...form.querySelector('#app-grants').selectedOptions].map((o) => o.value),
        scope: f.get('scope'),
        redirect_uris: lines(f.get('redirect_uris')),
      };
      const audiences = lines(f.get('introspection_audiences'));
      if (audiences.length) doc.introspection_audiences = audiences;
      if (f.get('client_id')) doc.client_id = f.get('client_id');
      try {
        const created = await api('POST', '/api/applications', doc);
        await pages.applications();
        $('new-secret').replaceChildren(el('p', {}, `Application ${created.client_id} created.`),
          created.client_secret ? el('p', {}, 'Its secret, shown this once:', el('div', { class: 'secret', id: 'secret-value' }, created.client_secret)) : '');
      } catch (err) { failure(err); }
    });
    const remove = async (id) => {
      if (!window.confirm(`Delete application ${id}?`)) return;
      try { await api('DELETE', `/api/applications/${encodeURIComponent(id)}`); await pages.applications(); } catch (err) { failure(err); }
    };
    const edit = async (id) => {
      try {
        await openJsonEditor({ ids: { form: 'edit-application', area: 'app-json', status: 'app-edit-status' }, title: `Edit ${id}`,
          path: `/api/applications/${encodeURIComponent(id)}`, what: 'the application', onSaved: () => pages.applications() });
      } catch (err) { failure(err); }
    };
    page('Applications', shown,
      table(['Client id', 'Name', 'Grant types', 'Authentication', 'Scope', 'Introspects tokens for', ''],
        data.applications.map((a) => [a.client_id, a.client_name, a.grant_types.join(', '), a.token_endpoint_auth_method, a.scope,
          el('span', { class: 'audiences' }, (a.introspection_audiences || []).join(', ') || '—'),
          el('span', {}, el('button', { type: 'button', class: 'secondary', onclick: () => edit(a.client_id) }, 'Edit'), ' ',
            el('button', { type: 'button', class: 'danger', onclick: () => remove(a.client_id) }, 'Delete'))]),
        (i) => ({ 'data-app': data.applications[i].client_id })),
      form);
  },

  async users() {
    const query = new URLSearchParams(location.hash.split('?')[1] || '');
    const search = el('input', { id: 'user-search', placeholder: 'username or e-mail (exact)', value: query.get('q') || '' });
    const filter = search.value.includes('@') ? `&email=${encodeURIComponent(search.value)}` : search.value ? `&username=${encodeURIComponent(search.value)}` : '';
    const data = await api('GET', `/api/users?limit=200${filter}`);
    const act = (id, what, body) => async () => {
      try { await api('POST', `/api/users/${id}/${what}`, body); await pages.users(); } catch (err) { failure(err); }
    };
    const reset = (id) => async () => {
      const password = window.prompt('New password');
      if (password) await act(id, 'password', { password })();
    };
    const remove = (id) => async () => {
      if (!window.confirm('Delete this user?')) return;
      try { await api('DELETE', `/api/users/${id}`); await pages.users(); } catch (err) { failure(err); }
    };
    const edit = (u) => async () => {
      try {
        await openJsonEditor({ ids: { form: 'edit-user', area: 'user-json', status: 'user-edit-status' }, title: `Edit ${u.username}`,
          path: `/api/users/${encodeURIComponent(u.id)}`, what: 'the user', onSaved: () => pages.users() });
      } catch (err) { failure(err); }
    };
    // Ends every SSO session of the user and revokes every token issued to them, on every node.
    const status = el('div', { id: 'user-status', role: 'status' });
    const signOutEverywhere = (u) => async () => {
      if (!window.confirm(`Sign ${u.username} out everywhere? Every session ends and every token issued to them stops working.`)) return;
      try {
        await api('POST', `/api/users/${encodeURIComponent(u.id)}/sign-out`);
        status.replaceChildren(el('p', { class: 'notice' },
          `${u.username} is signed out everywhere: sessions ended, refresh tokens revoked, earlier tokens inactive.`));
      } catch (err) {
        if (err.message !== 'unauthorized') status.replaceChildren(el('p', { class: 'error' }, `Sign-out of ${u.username} failed: ${err.message}`));
      }
    };
    // The user's second factors (never a secret) and their reset, after a lost device.
    const factors = (u) => async () => {
      try {
        const f = await api('GET', `/api/users/${encodeURIComponent(u.id)}/factors`);
        const passkeys = f.passkeys.map((p) => `${p.name || 'passkey'}${p.flagged ? ' (blocked)' : ''}`).join(', ') || 'none';
        const resetFactors = async () => {
          if (!window.confirm(`Reset every second factor of ${u.username}? Their authenticator app, passkeys and recovery codes stop working.`)) return;
          try { await api('DELETE', `/api/users/${encodeURIComponent(u.id)}/factors`); await factors(u)(); } catch (err) { failure(err); }
        };
        status.replaceChildren(el('div', { class: 'card', id: 'user-factors' },
          el('p', {}, `${u.username}: authenticator app ${f.totp.enabled ? `set up ${time(f.totp.since)}` : 'not set up'}; ` +
            `${f.recovery_codes_left} recovery code(s) left; passkeys: ${passkeys}.`),
          el('button', { type: 'button', class: 'danger', 'data-action': 'reset-factors', onclick: resetFactors }, 'Reset second factors')));
      } catch (err) { failure(err); }
    };
    const form = el('form', { class: 'card', id: 'new-user' },
      el('label', { for: 'user-name' }, 'Username'), el('input', { id: 'user-name', name: 'username', required: true }),
      el('label', { for: 'user-email' }, 'E-mail'), el('input', { id: 'user-email', name: 'email', type: 'email' }),
      el('label', { for: 'user-display' }, 'Name'), el('input', { id: 'user-display', name: 'name' }),
      el('label', { for: 'user-password' }, 'Password'), el('input', { id: 'user-password', name: 'password', type: 'password' }),
      el('button', { type: 'submit' }, 'Create user'));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const f = new FormData(form);
      const doc = { username: f.get('username') };
      for (const k of ['email', 'name', 'password']) if (f.get(k)) doc[k] = f.get(k);
      try { await api('POST', '/api/users', doc); await pages.users(); } catch (err) { failure(err); }
    });
    page('Users',
      el('form', { class: 'toolbar', onsubmit: (ev) => { ev.preventDefault(); location.hash = `#users?q=${encodeURIComponent(search.value)}`; } },
        search, el('button', { type: 'submit', class: 'secondary' }, 'Search')),
      el('p', { class: 'muted' }, `${data.total} user(s).`),
      status,
      table(['Username', 'E-mail', 'Name', 'Active', ''],
        data.users.map((u) => [u.username, u.email || '—', u.name || '—', u.active ? 'yes' : 'no',
          el('span', {},
            el('button', { type: 'button', class: 'secondary', onclick: edit(u) }, 'Edit'), ' ',
            el('button', { type: 'button', class: 'secondary', onclick: act(u.id, u.active ? 'deactivate' : 'activate') }, u.active ? 'Deactivate' : 'Activate'), ' ',
            el('button', { type: 'button', class: 'secondary', onclick: reset(u.id) }, 'Reset password'), ' ',
            el('button', { type: 'button', class: 'secondary', 'data-action': 'sign-out', onclick: signOutEverywhere(u) }, 'Sign out everywhere'), ' ',
            el('button', { type: 'button', class: 'secondary', 'data-action': 'factors', onclick: factors(u) }, 'Second factors'), ' ',
            el('button', { type: 'button', class: 'danger', onclick: remove(u.id) }, 'Delete'))]),
        (i) => ({ 'data-user': data.users[i].username })),
      form);
  },

  async themes() {
    const data = await api('GET', '/api/themes/default');
    const fields = ['login_html', 'error_html', 'logout_html', 'account_html', 'style_css'];
    const form = el('form', { class: 'card', id: 'theme-form' },
      fields.map((f) => [el('label', { for: `theme-${f}` }, f), el('textarea', { id: `theme-${f}`, name: f, rows: 10 }, data[f] || '')]),
      el('button', { type: 'submit' }, 'Save theme'));
    const status = el('p', { id: 'theme-status', class: 'muted' }, data.updated_at ? `Saved ${time(data.updated_at)}.` : 'The built-in theme.');
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const f = new FormData(form);
      const doc = {};
      for (const k of fields) doc[k] = f.get(k);
      try {
        await api('PUT', '/api/themes/default', doc);
        status.textContent = 'Saved: every node serves it within a second.';
      } catch (err) { status.textContent = String(err.message); }
    });
    page('Theme of the hosted pages', status, form);
  },

  async audit() {
    const query = new URLSearchParams(location.hash.split('?')[1] || '');
    const action = el('input', { id: 'audit-action', placeholder: 'action or prefix (user.)', value: query.get('action') || '' });
    const data = await api('GET', `/api/system/audit?limit=200${action.value ? `&action=${encodeURIComponent(action.value)}` : ''}`);
    page('Audit trail',
      el('form', { class: 'toolbar', onsubmit: (ev) => { ev.preventDefault(); location.hash = `#audit?action=${encodeURIComponent(action.value)}`; } },
        action, el('button', { type: 'submit', class: 'secondary' }, 'Filter')),
      table(['When', 'Node', 'Who', 'What', 'Target', 'Status', 'From'],
        data.events.map((e) => [time(e.at, true), e.node_id, e.actor, e.action, e.target, e.status ? String(e.status) : '', e.client_address])));
  },

  async jobs() {
    const [jobs, runs] = await Promise.all([api('GET', '/api/system/jobs'), api('GET', '/api/system/jobs/runs?limit=50')]);
    const run = (name) => async () => {
      try { await api('POST', `/api/system/jobs/${encodeURIComponent(name)}/run`); await pages.jobs(); } catch (err) { failure(err); }
    };
    page('Jobs',
      table(['Job', 'Next run', 'Running on', ''], jobs.jobs.map((j) => [j.name, time(j.next_run, true), j.running_on || '—',
        el('button', { type: 'button', class: 'secondary', onclick: run(j.name) }, 'Run now')])),
      el('h1', {}, 'Recent runs'),
      table(['Job', 'Node', 'Started', 'Finished', 'Outcome', 'Detail'],
        runs.runs.map((r) => [r.job, r.node_id, time(r.started_at, true), time(r.finished_at, true), badge(r.outcome), r.detail])));
  },
};

// ------------------------------------------------------------------------------------------
// Navigation and sign-in

// The Cluster page follows the cluster: it is drawn again every few seconds while it is shown.
const CLUSTER_REFRESH_MS = 5000;
let refreshTimer = null;

async function show() {
  clearTimeout(refreshTimer);
  refreshTimer = null;
  const name = (location.hash.slice(1).split('?')[0]) || 'cluster';
  for (const a of document.querySelectorAll('nav a')) a.classList.toggle('active', a.dataset.page === name);
  const render = pages[name] || pages.cluster;
  try { await render(); } catch (err) { page(name, el('p', { class: 'error', role: 'alert' }, String(err.message))); }
  const still = (location.hash.slice(1).split('?')[0]) || 'cluster';
  if (render === pages.cluster && still === name && sessionStorage.getItem(KEY)) {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(show, CLUSTER_REFRESH_MS);
  }
}

function signOut(message) {
  clearTimeout(refreshTimer);
  sessionStorage.removeItem(KEY);
  $('nav').hidden = true;
  $('sign-out').hidden = true;
  $('page').hidden = true;
  $('sign-in').hidden = false;
  const e = $('sign-in-error');
  e.hidden = !message;
  e.textContent = message || '';
}

function signedIn() {
  $('sign-in').hidden = true;
  $('nav').hidden = false;
  $('sign-out').hidden = false;
  show();
}

document.addEventListener('DOMContentLoaded', () => {
  $('sign-in-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    sessionStorage.setItem(KEY, $('api-key').value);
    $('api-key').value = '';
    try {
      await api('GET', '/api/system/nodes');
      signedIn();
    } catch (err) {
      if (err.message !== 'unauthorized') signOut(String(err.message));
    }
  });
  $('sign-out').addEventListener('click', () => signOut());
  window.addEventListener('hashchange', show);
  if (sessionStorage.getItem(KEY)) signedIn(); else signOut();
});
