/* Migrate running cases between versions: a dry run lists which cases can move (every active element exists in the
   target) and which cannot and why; 迁移 then acts on exactly the cases the dry run listed, with a required reason. */
(function () {
  const {api, h, status, T} = window.JfDesigner;
  const $ = sel => document.querySelector(sel);
  let listed = null;   // {from, to, ids} of the last dry run

  function say(message, kind) { status($('#status'), message, kind); }

  function caseLabel(item) {
    return h('span', {title: '#' + item.id}, item.business_key || ('#' + item.id));
  }

  function table(headers, rows) {
    return h('table.list', {}, h('thead', {}, h('tr', {}, headers.map(t => h('th', {}, t)))), h('tbody', {}, rows));
  }

  function render(result) {
    const movable = result.movable || [], blocked = result.blocked || [];
    $('#movable').innerHTML = '';
    $('#blocked').innerHTML = '';
    $('#movable').append(h('h2', {}, T.movable.replace('{x}', movable.length)),
      movable.length ? table([T.case, T.active_elements], movable.map(m => h('tr', {dataset: {id: m.id}},
        h('td', {'data-label': T.case}, caseLabel(m)),
        h('td', {'data-label': T.active_elements}, (m.active_elements || []).join('、')))))
        : h('p.muted', {}, T.none));
    $('#blocked').append(h('h2', {}, T.blocked.replace('{x}', blocked.length)),
      blocked.length ? table([T.case, T.reason_col], blocked.map(b => h('tr', {dataset: {id: b.id}},
        h('td', {'data-label': T.case}, caseLabel(b)), h('td', {'data-label': T.reason_col}, b.reason || ''))))
        : h('p.muted', {}, T.none));
  }

  function versions() { return {from_version: parseInt($('#from').value, 10), to_version: parseInt($('#to').value, 10)}; }

  async function dryRun() {
    const v = versions();
    if (v.from_version === v.to_version) { say(T.same_version, 'error'); return; }
    const res = await api('POST', `/process-definitions/${encodeURIComponent(window.JF_KEY)}/migrations`, Object.assign({dry_run: true}, v));
    if (!res.ok) { say(res.message, 'error'); return; }
    render(res.json);
    listed = Object.assign({ids: (res.json.movable || []).map(m => m.id)}, v);
    $('#result').hidden = true;
    $('#confirm').hidden = !listed.ids.length;
    say(listed.ids.length ? T.dry_run_done.replace('{x}', listed.ids.length) : T.nothing_to_move, listed.ids.length ? 'info' : 'error');
  }

  async function migrate() {
    const reason = $('#reason').value.trim();
    if (!reason) { say(T.reason_required, 'error'); $('#reason').focus(); return; }
    const v = versions();
    if (!listed || listed.from_version !== v.from_version || listed.to_version !== v.to_version) {
      say(T.dry_run_first, 'error'); return;
    }
    if (!window.confirm(T.migrate_confirm.replace('{x}', listed.ids.length))) return;
    const res = await api('POST', `/process-definitions/${encodeURIComponent(window.JF_KEY)}/migrations`,
      Object.assign({dry_run: false, reason, instance_ids: listed.ids}, v));
    if (!res.ok) { say(res.message, 'error'); return; }
    const migrated = res.json.migrated || [];
    render(res.json);
    $('#result').hidden = false;
    $('#result').textContent = T.migrated.replace('{x}', migrated.length).replace('{v}', v.to_version) +
      (migrated.length ? '：' + migrated.join('、') : '');
    $('#confirm').hidden = true;
    $('#reason').value = '';
    listed = null;
    say(T.migrated.replace('{x}', migrated.length).replace('{v}', v.to_version), migrated.length ? 'ok' : 'error');
    loadVersions(v.from_version, v.to_version);
  }

  async function loadVersions(from, to) {
    const res = await api('GET', `/process-definitions/${encodeURIComponent(window.JF_KEY)}/versions`);
    if (!res.ok) { say(res.message, 'error'); return false; }
    const list = res.json.slice().sort((a, b) => a.version - b.version);
    if (list.length < 2) { say(T.migrate_needs_two, 'info'); return false; }
    const latest = list[list.length - 1].version;
    to = to || latest;
    from = from || Math.max(1, to - 1);
    ['#from', '#to'].forEach((sel, i) => {
      const select = $(sel);
      select.innerHTML = '';
      list.forEach(v => {
        const running = v.instance_counts ? (v.instance_counts.running || 0) + (v.instance_counts.suspended || 0) + (v.instance_counts.error || 0) : 0;
        select.append(h('option', {value: v.version}, `v${v.version} · ${T.open_cases.replace('{x}', running)}`));
      });
      select.value = String(i === 0 ? from : to);
    });
    return true;
  }

  async function start(options) {
    window.JF_KEY = options.key;
    const guard = (button, fn) => button.addEventListener('click', async () => {
      button.disabled = true;
      try { await fn(); } finally { button.disabled = false; }
    });
    guard($('#dry-run'), dryRun);
    guard($('#migrate'), migrate);
    ['#from', '#to'].forEach(sel => $(sel).addEventListener('change', () => {
      listed = null; $('#confirm').hidden = true; $('#movable').innerHTML = ''; $('#blocked').innerHTML = '';
    }));
    if (await loadVersions(options.from, options.to)) $('#dry-run').disabled = false;
    document.body.dataset.migrateReady = 'true';
  }

  window.JfMigrate = {start};
})();
