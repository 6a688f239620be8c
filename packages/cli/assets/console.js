// agentrt console: plain browser JavaScript, no dependencies, no network beyond its own server.
// Every element is built with DOM calls and every run-provided string is set as text, never
// parsed as HTML, so a tool result such as `<script>…` shows as the characters it is.
// The same file renders `agentrt trace --html` pages, from data embedded in the page.
(() => {
  'use strict';

  const app = document.getElementById('app');
  const embedded = document.getElementById('agentrt-trace');
  const TRACE = embedded !== null;

  // ---------------------------------------------------------------- helpers

  // Characters that would reorder or hide what an approver reads are shown as their \uXXXX
  // escape (\u{XXXXX} above the BMP): `{"cmd":"rm -rf /\u202e"}` must not display as something
  // else, and text must not carry what nobody sees. That is every control (C0 and C1, but newline
  // and tab), format character (bidi overrides and isolates, zero-width characters, the soft
  // hyphen, tag characters U+E0000–E007F that spell invisible ASCII), line and paragraph
  // separator, and default-ignorable code point (word joiners, Hangul fillers, variation selectors
  // — a run of them after one letter can encode any bytes). A single emoji presentation selector
  // (U+FE0E, U+FE0F) right after a visible character is kept: ❤️ stays a heart.
  const HIDDEN = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}]/gu;
  const HIDDEN_ONE = /^[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}\s]$/u;
  const escapeChar = (c) => {
    const code = c.codePointAt(0);
    return code > 0xffff ? `\\u{${code.toString(16)}}` : `\\u${code.toString(16).padStart(4, '0')}`;
  };
  const visible = (text) => String(text).replace(HIDDEN, (c, at, all) => {
    if (c === '\n' || c === '\t') return c;
    if (c === '\ufe0e' || c === '\ufe0f') {
      const before = at > 1 && /[\udc00-\udfff]/.test(all[at - 1]) ? all.slice(at - 2, at) : all.slice(Math.max(0, at - 1), at);
      if (before && !HIDDEN_ONE.test(before)) return c;
    }
    return escapeChar(c);
  });

  /** Creates an element; strings among the children become text nodes. */
  function h(tag, props, ...children) {
    const el = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (key === 'class') el.className = value;
      else if (key === 'dataset') Object.assign(el.dataset, value);
      else if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
      else el.setAttribute(key, value === true ? '' : key === 'title' || key === 'alt' ? visible(value) : String(value));
    }
    append(el, children);
    return el;
  }
  function append(el, children) {
    for (const child of children.flat(Infinity)) {
      if (child === undefined || child === null || child === false) continue;
      el.append(child instanceof Node ? child : visible(child));
    }
    return el;
  }
  const clear = (el) => { while (el.firstChild) el.firstChild.remove(); return el; };
  const num = (n) => (typeof n === 'number' && Number.isFinite(n) ? n : 0);
  const fmtInt = (n) => num(n).toLocaleString('en-US');
  const fmtCost = (n) => `$${num(n).toFixed(4)}`;
  const fmtMs = (ms) => (num(ms) < 1000 ? `${Math.round(num(ms))} ms` : `${(num(ms) / 1000).toFixed(1)} s`);
  const fmtBytes = (b) => (num(b) < 1024 ? `${num(b)} B` : num(b) < 1048576 ? `${(num(b) / 1024).toFixed(1)} KB` : `${(num(b) / 1048576).toFixed(1)} MB`);
  const tokens = (usage) => (usage ? num(usage.inputTokens) + num(usage.outputTokens) : 0);
  const time = (iso) => {
    if (typeof iso !== 'string') return '—';
    const date = new Date(iso);
    return h('time', { datetime: iso, title: iso }, Number.isNaN(date.getTime()) ? iso : date.toLocaleString());
  };
  const duration = (from, to) => {
    const ms = new Date(to).getTime() - new Date(from).getTime();
    return Number.isFinite(ms) && ms >= 0 ? fmtMs(ms) : '—';
  };
  const runHref = (runId) => `/runs/${encodeURIComponent(runId)}`;
  const chip = (text, kind) => h('span', { class: `chip ${kind || ''}` }, text);
  const statusChip = (status) => h('span', { class: `chip status-${String(status)}`, 'data-status': String(status) }, String(status));
  const short = (hash, n) => (typeof hash === 'string' && hash.length > n ? `${hash.slice(0, n)}…` : String(hash ?? ''));

  /** Pretty JSON for objects and arrays; JSON text is parsed and pretty-printed too. */
  function jsonBlock(value, cls) {
    let shown = value;
    if (typeof value === 'string') {
      const trimmed = value.trim();
      if ((trimmed.startsWith('{') && trimmed.endsWith('}')) || (trimmed.startsWith('[') && trimmed.endsWith(']'))) {
        try { shown = JSON.parse(trimmed); } catch { return h('pre', { class: cls || 'text' }, value); }
      } else return h('pre', { class: cls || 'text' }, value);
    }
    let text;
    try { text = JSON.stringify(shown, null, 2); } catch { text = String(shown); }
    return h('pre', { class: `json ${cls || ''}` }, text === undefined ? 'undefined' : text);
  }

  // Images the page shows inline: raster types a browser decodes without running anything, up to
  // 8 MiB (the server judges the bytes again and serves them only as what they are). Everything
  // else is a labelled chip with a download link; url parts are never fetched or linked.
  const RASTER = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);
  const MAX_INLINE_IMAGE_BYTES = 8 * 1024 * 1024;
  const SHA256 = /^[0-9a-f]{64}$/;
  const cut = (text, n) => { const chars = Array.from(String(text)); return chars.length > n ? `${chars.slice(0, n - 1).join('')}…` : chars.join(''); };
  let mediaRunId = '';
  let embeddedMedia = {};

  /** An image or file part as recorded: type, size and hash, never its bytes. */
  function mediaChip(part) {
    const bits = [part.type === 'image' ? 'image' : 'file', cut(part.mediaType, 80), part.filename !== undefined ? cut(part.filename, 120) : undefined, part.bytes !== undefined ? fmtBytes(part.bytes) : undefined,
      part.sha256 ? `sha256 ${short(part.sha256, 12)}` : undefined, part.url ? `url (not fetched): ${cut(part.url, 200)}` : undefined,
      part.missing === true ? `bytes lost by the store${typeof part.blob === 'string' ? ` (sha256 ${short(part.blob, 12)})` : ''}` : undefined].filter((bit) => bit !== undefined && bit !== '');
    return h('span', { class: `chip media media-${part.type === 'image' ? 'image' : 'file'}${part.missing === true ? ' media-missing' : ''}`, title: part.sha256 || (typeof part.blob === 'string' ? part.blob : '') || cut(part.url || '', 2000) }, bits.join(' · '));
  }

  /** What an HTML trace embeds for a part (only `data:` URLs of the kinds it writes), or undefined. */
  function embeddedItem(part) {
    if (!TRACE || typeof part.sha256 !== 'string' || !SHA256.test(part.sha256) || !Object.prototype.hasOwnProperty.call(embeddedMedia, part.sha256)) return undefined;
    const item = embeddedMedia[part.sha256];
    if (!item || typeof item !== 'object') return undefined;
    return {
      image: typeof item.image === 'string' && /^data:image\/(png|jpeg|gif|webp);base64,[A-Za-z0-9+/=]*$/.test(item.image) ? item.image : undefined,
      download: typeof item.download === 'string' && /^data:application\/octet-stream;base64,[A-Za-z0-9+/=]*$/.test(item.download) ? item.download : undefined,
      name: typeof item.name === 'string' ? item.name : undefined,
    };
  }

  /** Where the bytes of a part are: the console's media endpoint, or the data an HTML trace embeds. */
  function mediaHref(part, source, download) {
    if (typeof part.sha256 !== 'string' || !SHA256.test(part.sha256)) return undefined;
    if (TRACE) {
      const item = embeddedItem(part);
      return item && (download ? item.download || item.image : item.image);
    }
    if (source === undefined) return undefined;
    return `/api/runs/${encodeURIComponent(mediaRunId)}/media/${part.sha256}?step=${encodeURIComponent(String(source))}${download ? '&download=1' : ''}`;
  }

  /** A media part: the image itself (lazily loaded) or a note why not, and a download link. */
  function mediaBlock(part, source) {
    const chipEl = mediaChip(part);
    const download = mediaHref(part, source, true);
    const item = embeddedItem(part);
    const name = item ? item.name : undefined;
    const link = download ? h('a', { class: 'media-download', href: download, download: name || '', rel: 'noopener' }, part.type === 'file' ? 'download file' : 'download') : null;
    const skipped = TRACE && part.sha256 && !item ? h('span', { class: 'media-note' }, 'not embedded (over the HTML trace\'s media budget, or not in the stored history)') : null;
    let shown = null;
    if (part.type === 'image' && !part.url) {
      const src = mediaHref(part, source, false);
      const declared = String(part.mediaType || '').toLowerCase();
      if (src && (TRACE || (RASTER.has(declared) && num(part.bytes) <= MAX_INLINE_IMAGE_BYTES))) {
        shown = h('img', { class: 'media-img', src, alt: `image ${cut(declared, 80)}${part.bytes !== undefined ? ` ${fmtBytes(part.bytes)}` : ''}`, loading: 'lazy', decoding: 'async' });
        shown.addEventListener('error', () => shown.replaceWith(h('span', { class: 'media-note' }, 'image not shown (its bytes are not a PNG, JPEG, GIF or WebP image, or it is too large)')), { once: true });
      } else if (src || (!TRACE && source !== undefined)) {
        shown = h('span', { class: 'media-note' }, RASTER.has(declared) ? 'image not shown inline (larger than 8 MiB)' : 'image not shown inline (only PNG, JPEG, GIF and WebP images are)');
      }
    }
    return h('div', { class: `media-part media-part-${part.type === 'image' ? 'image' : 'file'}` }, shown, h('div', { class: 'media-caption' }, chipEl, link, skipped));
  }

  /** Message content: text, or parts (text, image and file digests), or any JSON value. */
  function contentBlock(content, source) {
    if (typeof content === 'string') return jsonBlock(content);
    if (Array.isArray(content)) {
      return h('div', { class: 'parts' }, content.map((part) => (part && part.type === 'text' ? jsonBlock(String(part.text)) : part && (part.type === 'image' || part.type === 'file') ? mediaBlock(part, source) : jsonBlock(part))));
    }
    return jsonBlock(content);
  }

  async function api(path, body) {
    const response = await fetch(path, body === undefined ? { credentials: 'same-origin' } : {
      method: 'POST', credentials: 'same-origin', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
    });
    const data = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error((data.error && data.error.message) || `${response.status} ${response.statusText}`);
    return data;
  }

  const toasts = h('div', { class: 'toasts', 'aria-live': 'polite' });
  function notify(text, kind) {
    const toast = h('div', { class: `toast ${kind || ''}` }, text);
    toasts.append(toast);
    setTimeout(() => toast.remove(), 8000);
  }

  function banner(incident) {
    const slot = document.getElementById('incident');
    if (!slot) return;
    clear(slot);
    if (incident) {
      slot.append(h('div', { class: 'incident', role: 'alert' },
        h('strong', {}, 'Incident stop in force'), ` since `, time(incident.at), ` — ${incident.reason}. Every run stops and new runs are refused until it is cleared.`));
    }
  }

  function frame(title) {
    clear(app);
    document.title = visible(title);
    const main = h('main', {});
    app.append(
      h('header', { class: 'top' },
        h('a', { class: 'brand', href: TRACE ? '#' : '/' }, 'agentrt'),
        h('span', { class: 'sub' }, TRACE ? 'trace' : 'console'),
        TRACE ? null : h('nav', {}, h('a', { href: '/' }, 'Runs'))),
      h('div', { id: 'incident' }),
      main,
      toasts,
    );
    return main;
  }

  // ---------------------------------------------------------------- runs list

  const STATUSES = ['', 'running', 'paused', 'completed', 'stopped', 'failed'];
  const STOP_REASONS = ['', 'final_answer', 'max_steps', 'max_tool_calls', 'timeout', 'token_budget', 'cost_budget', 'killed', 'cancelled',
    'awaiting_approval', 'loop_detected', 'policy_violation', 'output_invalid', 'error'];

  function runsPage() {
    const main = frame('agentrt console · runs');
    const params = new URLSearchParams(location.search);
    const state = { status: params.get('status') || '', stopReason: params.get('stop') || '', search: params.get('q') || '', limit: params.get('limit') || '50', runs: [], incident: undefined };
    const select = (name, values, current, label) => h('label', {}, label, ' ', h('select', { name, onchange: (e) => { state[name] = e.target.value; changed(name === 'status' || name === 'limit'); } },
      values.map((value) => h('option', { value, selected: value === current }, value || 'any'))));
    const search = h('input', { type: 'search', name: 'search', placeholder: 'run id contains…', value: state.search, oninput: (e) => { state.search = e.target.value; changed(false); } });
    const body = h('tbody', {});
    const count = h('span', { class: 'count' });
    const controls = h('section', { class: 'incident-controls' });
    main.append(
      h('h1', {}, 'Runs'),
      h('form', { class: 'filters', onsubmit: (e) => e.preventDefault() },
        select('status', STATUSES, state.status, 'status'), select('stopReason', STOP_REASONS, state.stopReason, 'stop reason'),
        h('label', {}, 'search ', search), select('limit', ['20', '50', '100', '200', '500'], state.limit, 'show'), count),
      h('table', { class: 'runs' },
        h('thead', {}, h('tr', {}, ['run', 'status', 'stop reason', 'steps', 'tool calls', 'tokens', 'cost', 'started', 'ended', 'duration'].map((c) => h('th', {}, c)))),
        body),
      controls,
    );

    // The list holds the newest runs only (at most 500); the search filters those. A run id typed
    // in full is also looked up in the store, so an older run — one awaiting approval under
    // thousands of newer ones — is still found; it is looked up again when the list changes.
    const lookups = new Map(); // run id → { run (summary, or null: no such run), fresh, busy }
    function lookup(runId) {
      if (!/^[A-Za-z0-9._:-]{1,256}$/.test(runId)) return null;
      const entry = lookups.get(runId) || { run: undefined, fresh: false, busy: false };
      lookups.set(runId, entry);
      if (!entry.fresh && !entry.busy) {
        entry.busy = true;
        api(`/api/runs/${encodeURIComponent(runId)}`).then((view) => view.run, () => null).then((run) => {
          Object.assign(entry, { run, fresh: true, busy: false });
          if (state.search === runId) render();
        });
      }
      return entry.run;
    }

    function render() {
      clear(body);
      const matches = (run) => (!state.status || run.status === state.status) && (!state.stopReason || run.stopReason === state.stopReason);
      const shown = state.runs.filter((run) => matches(run) && (!state.search || run.runId.includes(state.search)));
      if (state.search && !state.runs.some((run) => run.runId === state.search)) {
        const found = lookup(state.search);
        if (found && matches(found)) shown.push(Object.assign({}, found, { older: true }));
      }
      count.textContent = `${shown.length} of ${state.runs.length} loaded`;
      if (!shown.length) body.append(h('tr', {}, h('td', { colspan: 10, class: 'empty' }, 'No runs match.')));
      for (const run of shown) {
        body.append(h('tr', { 'data-run': run.runId },
          h('td', { class: 'id' }, h('a', { href: runHref(run.runId) }, run.runId), run.older ? chip('older than the list', 'older') : null),
          h('td', {}, statusChip(run.status), run.pendingApprovals && run.pendingApprovals.length ? chip(`${run.pendingApprovals.length} awaiting approval`, 'warn') : null,
            run.mediaMissing && run.mediaMissing.length ? chip('damaged: media lost', 'error') : null),
          h('td', {}, run.stopReason || '—', run.stopDetail ? h('div', { class: 'detail' }, run.stopDetail) : null),
          h('td', { class: 'n' }, fmtInt(run.steps)), h('td', { class: 'n' }, fmtInt(run.toolCalls)),
          h('td', { class: 'n', title: `${fmtInt(run.usage.inputTokens)} in + ${fmtInt(run.usage.outputTokens)} out` }, fmtInt(tokens(run.usage))),
          h('td', { class: 'n' }, fmtCost(run.usage.costUsd)),
          h('td', {}, time(run.createdAt)), h('td', {}, run.endedAt ? time(run.endedAt) : '—'),
          h('td', { class: 'n' }, run.endedAt ? duration(run.createdAt, run.endedAt) : '—')));
      }
      renderControls();
    }

    // Rebuilt only when the incident state changes: a live update of the list must not wipe the
    // reason being typed (or swap the button under a click).
    let controlsShown;
    function renderControls() {
      const shown = state.incident ? 'incident' : 'none';
      if (shown === controlsShown) return;
      controlsShown = shown;
      clear(controls);
      controls.append(h('h2', {}, 'Incident stop'));
      if (state.incident) {
        controls.append(h('p', {}, 'Every run is stopped and new runs are refused. Killed runs stay killed after clearing.'),
          h('button', { type: 'button', class: 'danger-outline', 'data-action': 'clear-kill', onclick: act(() => api('/api/clear-kill', {}), 'Incident stop cleared: new runs are accepted') }, 'Clear incident stop'));
      } else {
        const reason = h('input', { type: 'text', name: 'reason', placeholder: 'reason (recorded in every run)', maxlength: 500 });
        controls.append(h('p', {}, 'Stops every running run (in any process sharing the store), kills paused runs, and refuses new runs until cleared.'),
          h('div', { class: 'inline' }, reason,
            h('button', { type: 'button', class: 'danger', 'data-action': 'kill-all', onclick: act(() => api('/api/kill-all', { reason: reason.value || 'incident stop from the console' }), 'Incident stop: every run stops') }, 'Stop all runs')));
      }
    }

    function changed(reload) {
      const query = new URLSearchParams();
      if (state.status) query.set('status', state.status);
      if (state.stopReason) query.set('stop', state.stopReason);
      if (state.search) query.set('q', state.search);
      if (state.limit !== '50') query.set('limit', state.limit);
      history.replaceState(null, '', `/${query.toString() ? `?${query}` : ''}`);
      if (reload) connect(); else render();
    }

    let source;
    function connect() {
      if (source) source.close();
      source = undefined;
      if (document.visibilityState === 'hidden') return; // reconnects when shown (see whileVisible)
      const query = new URLSearchParams({ limit: state.limit });
      if (state.status) query.set('status', state.status);
      source = new EventSource(`/api/runs/stream?${query}`);
      source.addEventListener('runs', (e) => {
        const data = JSON.parse(e.data);
        state.runs = data.runs;
        state.incident = data.incident;
        for (const entry of lookups.values()) entry.fresh = false;
        banner(data.incident);
        render();
      });
    }
    render();
    connect();
    whileVisible(connect, () => { if (source) source.close(); source = undefined; });
  }

  /**
   * Live streams only while the tab is shown. Browsers give a host at most six HTTP/1.1
   * connections and each stream holds one: with streams in background tabs too, a seventh
   * console tab would not even load. A hidden tab closes its stream and, shown again,
   * reconnects from where it was.
   */
  function whileVisible(show, hide) {
    document.addEventListener('visibilitychange', () => (document.visibilityState === 'hidden' ? hide() : show()));
  }

  /** Wraps an action: disables the button while it runs and reports the outcome. */
  function act(work, done) {
    return async (event) => {
      const button = event.currentTarget;
      button.disabled = true;
      try {
        const result = await work();
        notify((result && result.message) || done, 'ok');
      } catch (error) {
        notify(error.message, 'error');
      } finally {
        button.disabled = false;
      }
    };
  }

  // ---------------------------------------------------------------- run page

  /** Folds a run's events into a step-by-step timeline, incrementally (live events append). */
  class Timeline {
    constructor(root) {
      this.root = root;
      this.steps = new Map();
      this.tools = new Map();
      this.seen = 0;
    }

    step(index) {
      let step = this.steps.get(index);
      if (!step) {
        const meta = h('span', { class: 'meta' });
        const rows = h('div', { class: 'rows' });
        const section = h('section', { class: 'step', 'data-step': String(index) }, h('header', {}, h('h3', {}, `Step ${index + 1}`), meta), rows);
        step = { section, meta, rows };
        this.steps.set(index, step);
        this.root.append(section);
      }
      return step;
    }

    tool(stepIndex, id, name, args) {
      let tool = this.tools.get(id);
      if (!tool) {
        const status = h('span', { class: 'chip' }, 'decided');
        const timing = h('span', { class: 'dur' });
        const argsSlot = h('div', { class: 'args' });
        const result = h('div', { class: 'result' });
        const notes = h('div', { class: 'notes' });
        const row = h('div', { class: 'tool', 'data-call': id, 'data-tool': name },
          h('div', { class: 'tool-head' }, h('span', { class: 'label' }, 'tool'), h('strong', {}, name), h('code', { class: 'call-id' }, id), status, timing),
          argsSlot, notes, result);
        tool = { row, status, timing, argsSlot, result, notes, hasArgs: false };
        this.tools.set(id, tool);
        this.step(stepIndex).rows.append(row);
      }
      if (args !== undefined && !tool.hasArgs) {
        tool.hasArgs = true;
        tool.argsSlot.append(h('div', { class: 'label' }, 'arguments'), jsonBlock(args));
      }
      return tool;
    }

    setStatus(tool, text, kind) {
      tool.status.textContent = visible(text);
      tool.status.className = `chip ${kind || ''}`;
      tool.row.dataset.state = kind || text;
    }

    note(text, kind) {
      this.root.append(h('div', { class: `note ${kind || ''}` }, text));
    }

    row(stepIndex, cls, ...children) {
      this.step(stepIndex).rows.append(h('div', { class: `row ${cls}` }, ...children));
    }

    add(event) {
      if (!event || typeof event !== 'object') return;
      if (typeof event.seq === 'number') {
        if (event.seq <= this.seen) return;
        this.seen = event.seq;
      }
      // One malformed event (any process may write the store) is reported in place; it must not
      // throw away the rest of its batch, or stop the live view.
      try {
        this.show(event);
      } catch (error) {
        this.note(`event ${typeof event.seq === 'number' ? `#${event.seq} ` : ''}(${String(event.type)}) could not be shown: ${error && error.message}`, 'error');
      }
    }

    show(event) {
      const s = event.stepIndex;
      switch (event.type) {
        case 'run_started':
          this.note(`run started · ${event.messageCount} input message(s) · tools: ${(event.tools || []).join(', ') || 'none'}`, 'start');
          break;
        case 'run_resumed':
          this.note(`run resumed at step ${event.fromStep + 1}${event.approvals ? ` with ${event.approvals} decision(s)` : ''}`, 'resume');
          break;
        case 'step_started':
          this.step(s).section.dataset.state = 'running';
          break;
        case 'model_request':
          this.row(s, 'context', h('span', { class: 'label' }, 'context'),
            `${fmtInt(event.messageCount)} of ${fmtInt(event.historyMessages)} message(s) sent`,
            event.repairedPairs ? ` · ${event.repairedPairs} tool pair(s) repaired` : '',
            ` · tools offered: ${(event.tools || []).join(', ') || 'none'}`,
            event.attempt > 1 ? chip(`attempt ${event.attempt}`, 'warn') : null);
          break;
        case 'model_retry':
          this.row(s, 'retry', h('span', { class: 'label' }, 'retry'), chip(event.code, 'warn'), ` attempt ${event.attempt} · waited ${fmtMs(event.delayMs)}`);
          break;
        case 'model_response': {
          const message = event.message || {};
          const reasoning = (message.reasoning || []).map((part) => String(part.text || '')).filter(Boolean);
          const calls = message.toolCalls || [];
          this.row(s, 'decision', h('div', { class: 'row-head' }, h('span', { class: 'label' }, 'decision'),
            calls.length ? `${calls.length} tool call(s)` : 'answer',
            h('span', { class: 'meta' }, `${fmtInt(event.usage && event.usage.inputTokens)} in + ${fmtInt(event.usage && event.usage.outputTokens)} out tokens · finish: ${event.finishReason}`)),
          reasoning.length ? h('details', { class: 'reasoning' }, h('summary', {}, `reasoning (${fmtInt(reasoning.join('').length)} characters)`), reasoning.map((text) => h('pre', { class: 'text' }, text))) : null,
          message.content ? jsonBlock(message.content, 'text answer') : null);
          for (const call of calls) this.tool(s, call.id, call.name, call.args);
          break;
        }
        case 'tool_started': {
          const tool = this.tool(s, event.toolCallId, event.name, event.args);
          this.setStatus(tool, 'running', 'running');
          break;
        }
        case 'tool_finished': {
          const tool = this.tool(s, event.toolCallId, event.name);
          this.setStatus(tool, event.isError ? `error: ${event.code || 'tool_failed'}` : event.replayed ? 'done (replayed)' : 'done', event.isError ? 'error' : 'ok');
          tool.timing.textContent = fmtMs(event.durationMs);
          clear(tool.result).append(h('div', { class: 'label' }, event.isError ? 'error result' : 'result'), contentBlock(event.content, Number.isSafeInteger(event.stepIndex) ? event.stepIndex : undefined));
          break;
        }
        case 'tool_denied':
        case 'tool_rejected': {
          const tool = this.tool(s, event.toolCallId, event.name);
          this.setStatus(tool, `${event.type === 'tool_denied' ? 'denied' : 'rejected'}: ${event.code}`, 'error');
          tool.notes.append(h('div', { class: 'tool-note error' }, `${event.type === 'tool_denied' ? 'denied' : 'rejected'} (${event.code}): ${event.reason}`));
          break;
        }
        case 'approval_requested':
          for (const approval of event.approvals || []) {
            const tool = this.tool(s, approval.toolCallId, approval.tool, approval.args);
            this.setStatus(tool, 'awaiting approval', 'warn');
            tool.notes.append(h('div', { class: 'tool-note warn' }, 'approval requested for these arguments · fingerprint ', h('code', { title: approval.argsFingerprint }, short(approval.argsFingerprint, 16))));
          }
          break;
        case 'approval_decided': {
          const tool = this.tool(s, event.toolCallId, this.tools.has(event.toolCallId) ? '' : 'tool');
          if (event.decision === 'deny') this.setStatus(tool, 'denied by approver', 'error');
          else this.setStatus(tool, 'approved', 'ok');
          tool.notes.append(h('div', { class: `tool-note ${event.decision === 'deny' ? 'error' : 'ok'}` }, `${event.decision === 'deny' ? 'denied' : 'approved'}${event.reason ? `: ${event.reason}` : ''}`));
          break;
        }
        case 'loop_warning': {
          const tool = this.tool(s, event.toolCallId, event.name);
          tool.notes.append(h('div', { class: 'tool-note warn' }, `loop warning: ${event.name} repeated ${event.repeats} times with the same arguments`));
          break;
        }
        case 'tool_outcome_unknown': {
          const tool = this.tool(s, event.toolCallId, event.name);
          this.setStatus(tool, 'outcome unknown', 'warn');
          tool.notes.append(h('div', { class: 'tool-note warn' }, 'started before a crash with no recorded completion: not re-run'));
          break;
        }
        case 'late_result_discarded': {
          const tool = this.tool(s, event.toolCallId, event.name);
          tool.notes.append(h('div', { class: 'tool-note warn' }, 'a result that arrived after the stop was discarded'));
          break;
        }
        case 'step_finished': {
          const step = this.step(s);
          step.section.dataset.state = 'committed';
          step.meta.textContent = `${fmtInt(tokens(event.usage))} tokens · ${fmtCost(event.usage && event.usage.costUsd)} · ${fmtMs(event.durationMs)}`;
          this.row(s, 'committed', h('span', { class: 'label' }, 'state'), `step ${s + 1} committed · ${fmtInt(event.toolCalls)} tool call(s) · ${fmtInt(event.usage && event.usage.inputTokens)} in + ${fmtInt(event.usage && event.usage.outputTokens)} out tokens · ${fmtCost(event.usage && event.usage.costUsd)} · ${fmtMs(event.durationMs)}`);
          break;
        }
        case 'run_killed':
          this.note(`killed (${event.scope === 'all' ? 'incident stop' : 'this run'}): ${event.reason}`, 'error');
          break;
        case 'limit_reached':
          this.note(`limit reached: ${event.stopReason} — ${event.detail}`, 'warn');
          break;
        case 'run_error':
          this.note(`error ${event.code}: ${event.message}`, 'error');
          break;
        case 'run_paused':
          this.note(`paused: ${event.result && event.result.stopDetail ? event.result.stopDetail : 'awaiting approval'}`, 'warn');
          break;
        case 'run_finished': {
          const result = event.result || {};
          this.note(`finished: ${result.stopReason}${result.stopDetail ? ` — ${result.stopDetail}` : ''} · ${fmtInt(result.steps)} step(s) · ${fmtInt(result.toolCalls)} tool call(s) · ${fmtInt(tokens(result.usage))} tokens · ${fmtCost(result.usage && result.usage.costUsd)}`, result.status === 'completed' ? 'ok' : 'warn');
          break;
        }
        default:
          break;
      }
    }
  }

  const TERMINAL = new Set(['completed', 'stopped', 'failed']);

  function auditLine(audit) {
    if (!audit) return '—';
    if (!audit.ok) return h('span', { class: 'audit broken', 'data-audit': 'broken' }, `BROKEN at event ${audit.problem ? audit.problem.seq : '?'}: ${audit.problem ? audit.problem.message : ''}`);
    return h('span', { class: 'audit ok', 'data-audit': 'ok' }, `${fmtInt(audit.events)} events, sequence intact${audit.hashChained ? ', hash chain verified' : ''}`);
  }

  function runPage(view, runId) {
    const main = frame(`agentrt ${TRACE ? 'trace' : 'console'} · ${runId}`);
    mediaRunId = runId;
    embeddedMedia = TRACE && view.media && typeof view.media === 'object' ? view.media : {};
    const state = { run: view.run, audit: view.audit, limits: view.limits || {}, pendingKey: '', damaged: view.damaged };
    const live = h('span', { class: 'live', hidden: true }, 'live');
    const head = h('div', { class: 'run-head' });
    const summary = h('dl', { class: 'summary' });
    const damage = h('section', { class: 'damaged', hidden: true, 'data-damaged': 'true' });
    const approvals = h('section', { class: 'approvals', hidden: true });
    const actions = h('section', { class: 'actions', hidden: true });
    const output = h('section', { class: 'output', hidden: true });
    const input = h('section', { class: 'input' });
    const timelineRoot = h('div', { class: 'timeline' });
    append(main, [TRACE ? null : h('a', { class: 'back', href: '/' }, '← all runs'), head, damage, summary, approvals, actions, output, input,
      h('h2', {}, 'Timeline'), timelineRoot]);
    const timeline = new Timeline(timelineRoot);
    banner(view.incident);

    function renderRun() {
      const run = state.run;
      clear(head).append(h('h1', {}, h('span', { class: 'run-id' }, run.runId)), statusChip(run.status), live);
      const item = (label, ...value) => h('div', { class: 'field' }, h('dt', {}, label), h('dd', { 'data-field': label }, ...value));
      append(clear(summary), [
        item('stop reason', run.stopReason || '—'),
        run.stopDetail ? item('detail', run.stopDetail) : null,
        item('steps', `${fmtInt(run.steps)}${state.limits.maxSteps ? ` of ${fmtInt(state.limits.maxSteps)}` : ''}`),
        item('tool calls', `${fmtInt(run.toolCalls)}${run.toolCallsRefused ? ` (+${run.toolCallsRefused} refused)` : ''}`),
        item('tokens', `${fmtInt(tokens(run.usage))} (${fmtInt(run.usage.inputTokens)} in + ${fmtInt(run.usage.outputTokens)} out)`),
        item('cost', fmtCost(run.usage.costUsd)),
        item('started', time(run.createdAt)),
        item('ended', run.endedAt ? time(run.endedAt) : '—'),
        item('duration', run.endedAt ? duration(run.createdAt, run.endedAt) : '—'),
        item('audit', auditLine(state.audit)),
        run.metadata ? item('metadata', jsonBlock(run.metadata)) : null,
      ]);
      renderDamage();
      renderApprovals();
      renderActions();
      clear(output);
      output.hidden = run.output === undefined && !run.error;
      if (run.output !== undefined) {
        output.append(h('h2', {}, typeof run.output === 'string' ? 'Answer' : 'Output (structured)', run.finalized ? chip('finalized after a limit stop', 'warn') : null),
          typeof run.output === 'string' ? h('pre', { class: 'text answer' }, run.output) : jsonBlock(run.output, 'output-json'));
      }
      if (run.error) output.append(h('h2', {}, 'Error'), h('pre', { class: 'text error' }, `${run.error.code}: ${run.error.message}`));
    }

    /** A run whose stored state is damaged: what is wrong, above what could be read. */
    function renderDamage() {
      const d = state.damaged;
      clear(damage);
      damage.hidden = !d;
      if (!d) return;
      damage.append(h('h2', {}, 'Damaged run'),
        h('p', {}, d.recordUnreadable
          ? 'The run\'s record cannot be read: only its audit log (the timeline) is shown. It cannot be resumed.'
          : `The store lost part of this run's state: what could be read is shown${Array.isArray(d.mediaMissing) && d.mediaMissing.length ? `; ${d.mediaMissing.length} media part(s) have no bytes` : ''}. It cannot be resumed; it can be killed.`),
        h('pre', { class: 'text error' }, `${String(d.code)}: ${String(d.message)}`));
    }

    function renderApprovals() {
      const pending = TRACE || state.damaged ? [] : state.run.pendingApprovals || [];
      const key = pending.map((p) => `${p.toolCallId}:${p.argsFingerprint}`).join('|');
      if (key === state.pendingKey) return;
      state.pendingKey = key;
      clear(approvals);
      approvals.hidden = pending.length === 0;
      if (!pending.length) return;
      approvals.append(h('h2', {}, 'Awaiting approval'), h('p', {}, 'Approving runs the call with exactly these arguments; the decision is bound to their fingerprint.'));
      for (const p of pending) {
        const reason = h('input', { type: 'text', name: 'reason', placeholder: 'reason (optional, recorded in the audit log)', maxlength: 2000 });
        const decide = (decision) => act(async () => {
          const result = await api(`/api/runs/${encodeURIComponent(state.run.runId)}/approve`, { toolCallId: p.toolCallId, argsFingerprint: p.argsFingerprint, decision, reason: reason.value || undefined });
          return result;
        }, decision === 'approve' ? 'Approved: the run continues' : 'Denied: the run continues');
        approvals.append(h('div', { class: 'approval', 'data-call': p.toolCallId },
          h('div', { class: 'tool-head' }, h('strong', {}, p.tool), h('code', { class: 'call-id' }, p.toolCallId), h('span', { class: 'meta' }, `step ${p.stepIndex + 1}`)),
          h('div', { class: 'label' }, 'arguments'), jsonBlock(p.args, 'approval-args'),
          h('div', { class: 'fingerprint' }, 'args fingerprint ', h('code', {}, p.argsFingerprint)),
          h('div', { class: 'inline' }, reason,
            h('button', { type: 'button', class: 'approve', 'data-action': 'approve', onclick: decide('approve') }, 'Approve'),
            h('button', { type: 'button', class: 'danger-outline', 'data-action': 'deny', onclick: decide('deny') }, 'Deny'))));
      }
    }

    function renderActions() {
      const killable = !TRACE && (state.run.status === 'running' || state.run.status === 'paused');
      if (actions.hidden === !killable && actions.firstChild) return;
      clear(actions);
      actions.hidden = !killable;
      if (!killable) return;
      const reason = h('input', { type: 'text', name: 'kill-reason', placeholder: 'reason (recorded as the stop detail)', maxlength: 500 });
      actions.append(h('h2', {}, 'Kill'), h('div', { class: 'inline' }, reason,
        h('button', { type: 'button', class: 'danger', 'data-action': 'kill', onclick: act(() => api(`/api/runs/${encodeURIComponent(state.run.runId)}/kill`, { reason: reason.value || 'killed from the console' }), 'Kill requested') }, 'Kill run')));
    }

    function renderInput() {
      clear(input);
      const messages = state.run.input || [];
      if (!messages.length) { input.hidden = true; return; }
      input.append(h('details', { class: 'input-messages' }, h('summary', {}, `Input (${messages.length} message(s))`),
        messages.map((message) => h('div', { class: `message role-${message.role}` }, h('span', { class: 'label' }, message.role), contentBlock(message.content, 'input')))));
    }

    renderRun();
    renderInput();
    for (const event of view.events || []) timeline.add(event);
    if (TRACE) return;

    live.hidden = TERMINAL.has(state.run.status);
    let source;
    let ended = false;
    const connect = () => {
      if (source || ended || document.visibilityState === 'hidden') return;
      const stream = new EventSource(`/api/runs/${encodeURIComponent(runId)}/stream?after=${timeline.seen}`);
      source = stream;
      stream.addEventListener('events', (e) => { for (const event of JSON.parse(e.data)) timeline.add(event); });
      stream.addEventListener('run', (e) => {
        const data = JSON.parse(e.data);
        state.run = Object.assign({}, data.run, { input: state.run.input });
        if (data.audit) state.audit = data.audit;
        if (data.damaged) state.damaged = data.damaged;
        live.hidden = TERMINAL.has(state.run.status);
        renderRun();
      });
      stream.addEventListener('incident', (e) => banner(JSON.parse(e.data).incident));
      stream.addEventListener('notice', (e) => { const data = JSON.parse(e.data); notify(data.message, data.kind); });
      stream.addEventListener('end', () => { stream.close(); source = undefined; ended = true; live.hidden = true; document.body.dataset.streamEnded = 'true'; });
    };
    const disconnect = () => { if (source) source.close(); source = undefined; };
    connect();
    whileVisible(connect, disconnect);
  }

  // ---------------------------------------------------------------- start

  async function start() {
    if (TRACE) {
      const view = JSON.parse(embedded.textContent);
      runPage(view, view.run.runId);
      return;
    }
    const match = /^\/runs\/([^/]+)$/.exec(location.pathname);
    if (!match) return runsPage();
    try {
      const runId = decodeURIComponent(match[1]);
      runPage(await api(`/api/runs/${encodeURIComponent(runId)}`), runId);
    } catch (error) {
      const main = frame('agentrt console');
      main.append(h('h1', {}, 'Run not shown'), h('p', {}, error.message), h('a', { href: '/' }, '← all runs'));
    }
  }
  start().finally(() => { document.body.dataset.ready = 'true'; });
})();
