/**
 * The callback inbox page at `/inbox`: one self-contained HTML file (no network beyond this server) that lists an
 * organization's inboxes and shows each request as it arrives, through the inbox API and its long polling.
 */

/** The page. Every value from the API is written with textContent, never as HTML. */
export const INBOX_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Boomerang callback inbox</title>
<link rel="icon" href="data:,">
<style>
  :root { font-family: system-ui, sans-serif; color: #1d2330; background: #f5f6f8; }
  body { margin: 0; }
  header { background: #1d2330; color: #fff; padding: 12px 20px; display: flex; gap: 16px; align-items: center; flex-wrap: wrap; }
  header h1 { font-size: 18px; margin: 0 12px 0 0; }
  header a { color: #9cc3ff; }
  main { display: grid; grid-template-columns: 280px 1fr; gap: 16px; padding: 16px 20px; }
  section { background: #fff; border-radius: 6px; padding: 12px 16px; box-shadow: 0 1px 2px #0002; }
  label { display: block; font-size: 13px; margin: 8px 0 4px; color: #555; }
  input, select, button { font: inherit; padding: 5px 8px; }
  input, select { width: 100%; box-sizing: border-box; }
  button { cursor: pointer; margin-top: 6px; }
  ul.inboxes { list-style: none; padding: 0; margin: 8px 0; }
  ul.inboxes li { padding: 6px 8px; border-radius: 4px; cursor: pointer; display: flex; justify-content: space-between; }
  ul.inboxes li.selected { background: #e3edff; font-weight: 600; }
  .url { font-family: ui-monospace, monospace; font-size: 13px; word-break: break-all; background: #f0f2f5; padding: 6px; border-radius: 4px; }
  .request { border: 1px solid #dde1e7; border-radius: 6px; margin: 10px 0; padding: 10px 12px; }
  .request h3 { margin: 0 0 6px; font-size: 15px; display: flex; gap: 8px; flex-wrap: wrap; align-items: center; }
  .badge { font-size: 12px; padding: 2px 7px; border-radius: 10px; background: #e9ecf1; }
  .ok { background: #d6f5dd; color: #11602a; }
  .bad { background: #fde0e0; color: #8a1616; }
  .muted { color: #777; font-size: 13px; }
  pre { background: #f6f8fa; padding: 8px; overflow: auto; max-height: 320px; font-size: 12px; margin: 6px 0; }
  table { border-collapse: collapse; font-size: 12px; }
  td, th { border-bottom: 1px solid #eee; padding: 2px 8px 2px 0; text-align: left; vertical-align: top; }
  details summary { cursor: pointer; font-size: 13px; margin-top: 4px; }
  #status { font-size: 13px; }
</style>
</head>
<body>
<header>
  <h1>Boomerang callback inbox</h1>
  <span id="status" class="muted">Enter an API key to start.</span>
  <a href="/docs">API docs</a>
</header>
<main>
  <div>
    <section>
      <label for="key">API key</label>
      <input id="key" type="password" autocomplete="off" placeholder="40 hex characters">
      <button id="use-key" type="button">Use key</button>
      <label for="organization">Organization</label>
      <select id="organization"></select>
    </section>
    <section style="margin-top:16px">
      <strong>Inboxes</strong>
      <ul id="inboxes" class="inboxes"></ul>
      <label for="new-name">New inbox</label>
      <input id="new-name" placeholder="name, e.g. my-receiver" pattern="[a-z0-9][a-z0-9-]{0,62}">
      <button id="create" type="button">Create</button>
    </section>
  </div>
  <section>
    <div id="inbox-head" class="muted">Choose an inbox.</div>
    <div id="inbox-tools" hidden>
      <label>Receiving URL (point a callback's <code>url</code> at it)</label>
      <div id="inbox-url" class="url"></div>
      <label for="secret">Secret to check signatures with (the callback's <code>sharedSecret</code>, or an API token for dongle callbacks)</label>
      <input id="secret" type="password" autocomplete="off" placeholder="leave empty not to check">
    </div>
    <div id="requests"></div>
  </section>
</main>
<script>
(() => {
  const $ = (id) => document.getElementById(id);
  const state = { key: '', organizationId: '', inbox: null, lastId: null, requests: new Map(), generation: 0 };

  // The key Swagger UI keeps when "persistAuthorization" is on, so that authorizing once in /docs is enough here.
  function swaggerKey() {
    try {
      const saved = JSON.parse(localStorage.getItem('authorized') || '{}');
      for (const scheme of ['bearerAuth', 'meraki_api_key', 'apiToken']) {
        const value = saved[scheme] && saved[scheme].value;
        if (typeof value === 'string' && value) return value.replace(/^(Bearer|APIToken) /, '');
      }
    } catch {}
    return '';
  }

  function status(text) { $('status').textContent = text; }

  async function api(path, options = {}) {
    const headers = { Authorization: 'Bearer ' + state.key, ...(options.headers || {}) };
    if (options.body !== undefined) headers['Content-Type'] = 'application/json';
    const response = await fetch(path, { ...options, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body) });
    if (response.status === 204) return null;
    const data = await response.json().catch(() => ({ errors: [response.statusText] }));
    if (!response.ok) throw new Error((data.errors || [response.statusText]).join('; '));
    return data;
  }

  function el(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (className) node.className = className;
    return node;
  }

  async function start() {
    state.key = $('key').value.trim();
    if (!state.key) return status('Enter an API key to start.');
    localStorage.setItem('boomerang.inbox.key', state.key);
    try {
      const organizations = await api('/api/v1/organizations');
      const select = $('organization');
      select.replaceChildren(...organizations.map((o) => { const option = el('option', o.name + ' (' + o.id + ')'); option.value = o.id; return option; }));
      state.organizationId = organizations[0] ? organizations[0].id : '';
      status(organizations.length + ' organization(s).');
      await loadInboxes();
    } catch (err) { status('Cannot use this key: ' + err.message); }
  }

  async function loadInboxes(selectId) {
    const inboxes = await api('/api/v1/organizations/' + state.organizationId + '/inboxes');
    const list = $('inboxes');
    list.replaceChildren(...inboxes.map((inbox) => {
      const item = el('li');
      item.append(el('span', inbox.name), el('span', inbox.requestCount, 'muted'));
      item.dataset.id = inbox.id;
      if (state.inbox && state.inbox.id === inbox.id) item.classList.add('selected');
      item.addEventListener('click', () => choose(inbox));
      return item;
    }));
    const wanted = inboxes.find((i) => i.id === selectId) || (!state.inbox && inboxes[0]);
    if (wanted) choose(wanted);
  }

  function choose(inbox) {
    state.inbox = inbox;
    state.generation += 1;
    state.lastId = null;
    state.requests.clear();
    for (const item of $('inboxes').children) item.classList.toggle('selected', item.dataset.id === inbox.id);
    $('inbox-head').textContent = 'Inbox "' + inbox.name + '"';
    $('inbox-head').className = '';
    $('inbox-tools').hidden = false;
    $('inbox-url').textContent = inbox.url;
    $('secret').value = sessionStorage.getItem('boomerang.inbox.secret.' + inbox.id) || '';
    $('requests').replaceChildren(el('p', 'Waiting for requests…', 'muted'));
    poll(state.generation);
  }

  function badge(text, good) {
    return el('span', text, 'badge' + (good === true ? ' ok' : good === false ? ' bad' : ''));
  }

  function render(request) {
    const card = el('div', undefined, 'request');
    card.dataset.id = request.id;
    const head = el('h3');
    const what = request.identified.kind === 'unknown' ? 'not a known callback or alert'
      : (request.identified.kind === 'callback' ? 'callback of ' : 'alert ') + request.identified.name;
    head.append(el('span', request.method + ' · ' + what));
    const schema = request.schema.valid === null ? badge('schema: not checked') : badge(request.schema.valid ? 'schema: matches' : 'schema: does not match', request.schema.valid);
    const sig = request.signature;
    const sigText = { verified: 'signature verified', invalid: 'signature invalid', unsigned: 'unsigned', unchecked: 'signed (enter the secret to check)' }[sig.status];
    head.append(schema, badge(sigText + (sig.scheme ? ' · ' + sig.scheme : ''), sig.status === 'verified' ? true : sig.status === 'invalid' ? false : undefined));
    card.append(head);
    card.append(el('div', new Date(request.receivedAt).toLocaleString() + ' · ' + request.size + ' bytes · identified by ' + request.identified.by, 'muted'));
    if (sig.reason) card.append(el('div', sig.reason, 'muted'));
    if (request.schema.errors.length) { const list = el('ul'); for (const e of request.schema.errors) list.append(el('li', e)); card.append(list); }
    if (request.callback) {
      const cb = request.callback;
      card.append(el('div', 'Callback ' + cb.id + ': ' + cb.status + ', ' + cb.attempts.length + ' attempt(s)', 'muted'));
      if (cb.attempts.length) {
        const table = el('table');
        const header = el('tr'); header.append(el('th', 'sent'), el('th', 'answer'), el('th', 'error')); table.append(header);
        for (const a of cb.attempts) { const row = el('tr'); row.append(el('td', new Date(a.sentAt).toLocaleTimeString()), el('td', a.responseCode ?? '—'), el('td', a.error ?? '')); table.append(row); }
        card.append(table);
      }
    }
    let body = request.body;
    try { body = JSON.stringify(JSON.parse(request.body), null, 2); } catch {}
    card.append(el('pre', body));
    const headers = el('details'); headers.append(el('summary', 'Headers'));
    const table = el('table');
    for (const [name, value] of Object.entries(request.headers)) { const row = el('tr'); row.append(el('td', name), el('td', value)); table.append(row); }
    headers.append(table);
    card.append(headers);
    return card;
  }

  function show(requests) {
    for (const r of requests) state.requests.set(r.id, r);
    const sorted = [...state.requests.values()].sort((a, b) => (BigInt(b.id) > BigInt(a.id) ? 1 : -1));
    $('requests').replaceChildren(...(sorted.length ? sorted.map(render) : [el('p', 'Waiting for requests…', 'muted')]));
  }

  function secretHeaders() {
    const secret = $('secret').value;
    return secret ? { 'X-Inbox-Secret': secret } : {};
  }

  const base = () => '/api/v1/organizations/' + state.organizationId + '/inboxes/' + state.inbox.id + '/requests';

  // Everything again: signatures for a new secret, and the attempts of callbacks still being delivered.
  async function refresh(generation) {
    const all = await api(base(), { headers: secretHeaders() });
    if (generation !== state.generation) return;
    state.requests.clear();
    show(all);
    state.lastId = all.length ? all[all.length - 1].id : '0';
  }

  async function poll(generation) {
    try {
      await refresh(generation);
      while (generation === state.generation) {
        const query = '?after=' + state.lastId + '&waitSeconds=20';
        const fresh = await api(base() + query, { headers: secretHeaders() });
        if (generation !== state.generation) return;
        if (fresh.length) { state.lastId = fresh[fresh.length - 1].id; show(fresh); status('Received ' + fresh.length + ' new request(s).'); }
        const pending = [...state.requests.values()].some((r) => r.callback && (r.callback.status === 'running' || r.callback.attempts.length === 0));
        if (pending) { await new Promise((r) => setTimeout(r, 1000)); await refresh(generation); }
      }
    } catch (err) {
      status('Lost the inbox: ' + err.message + ' (retrying)');
      setTimeout(() => generation === state.generation && poll(generation), 3000);
    }
  }

  $('use-key').addEventListener('click', start);
  $('key').addEventListener('keydown', (e) => e.key === 'Enter' && start());
  $('organization').addEventListener('change', (e) => { state.organizationId = e.target.value; state.inbox = null; loadInboxes(); });
  $('create').addEventListener('click', async () => {
    try {
      const inbox = await api('/api/v1/organizations/' + state.organizationId + '/inboxes', { method: 'POST', body: { name: $('new-name').value.trim() } });
      $('new-name').value = '';
      await loadInboxes(inbox.id);
    } catch (err) { status('Cannot create the inbox: ' + err.message); }
  });
  $('secret').addEventListener('change', () => {
    if (!state.inbox) return;
    sessionStorage.setItem('boomerang.inbox.secret.' + state.inbox.id, $('secret').value);
    refresh(state.generation).catch((err) => status(err.message));
  });

  $('key').value = localStorage.getItem('boomerang.inbox.key') || swaggerKey();
  if ($('key').value) start();
})();
</script>
</body>
</html>
`;
