/* Compare two versions: both diagrams side by side, added (green, on the newer one), removed (red, on the older one)
   and changed (orange, on both) elements marked, and every changed property listed. */
(function () {
  const {api, h, status, importReason, T} = window.JfDesigner;
  const $ = sel => document.querySelector(sel);

  function versionOptions(select, versions, chosen) {
    select.innerHTML = '';
    versions.forEach(v => select.append(h('option', {value: v.version, selected: v.version === chosen},
      `v${v.version}${v.name ? ' · ' + v.name : ''}`)));
    select.value = String(chosen);
  }

  /* One version drawn in its container; on failure the error names the version and says why, and the container says
     so too (the list of changes below does not need the drawing). */
  async function viewer(container, key, version, moddle) {
    const res = await api('GET', `/process-definitions/${encodeURIComponent(key)}/versions/${version}`);
    let reason = res.ok ? null : res.message;
    let v = null;
    if (res.ok) {
      v = new BpmnJS({container, moddleExtensions: {spiffworkflow: moddle}});
      try {
        await v.importXML(res.json.bpmn_xml);
        v.get('canvas').zoom('fit-viewport');
        return v;
      } catch (e) {
        reason = importReason(e);
        v.destroy();
      }
    }
    const message = T.version_not_drawn.replace('{x}', version) + '：' + reason;
    $(container).replaceChildren(h('p.jf-canvas-error', {role: 'alert'}, message));
    throw new Error(message);
  }

  function mark(v, id, cls) {
    if (v && v.get('elementRegistry').get(id)) { v.get('canvas').addMarker(id, cls); return true; }
    return false;
  }

  /* Zoom both diagrams to an element (they share coordinates, and their views are kept in step). */
  function focus(viewers, id) {
    const [v] = viewers.filter(x => x.get('elementRegistry').get(id));
    viewers.forEach(x => {
      const canvas = x.get('canvas');
      x.get('elementRegistry').forEach(e => canvas.removeMarker(e.id, 'jf-focus'));
      if (x.get('elementRegistry').get(id)) canvas.addMarker(id, 'jf-focus');
    });
    if (!v) return;
    const canvas = v.get('canvas'), el = v.get('elementRegistry').get(id);
    canvas.zoom(1);
    canvas.scrollToElement(el, {top: 120, bottom: 120, left: 200, right: 200});
  }

  /* Panning or zooming one diagram moves the other the same way. */
  function linkViews(a, b) {
    let syncing = false;
    const follow = (from, to) => from.on('canvas.viewbox.changed', e => {
      if (syncing) return;
      syncing = true;
      try { to.get('canvas').viewbox(e.viewbox); } finally { syncing = false; }
    });
    follow(a, b);
    follow(b, a);
  }

  function show(value) {
    if (value === null || value === undefined || value === '') return h('span.muted', {}, '—');
    return h('code.jf-value', {}, typeof value === 'string' ? value : JSON.stringify(value));
  }

  async function start(options) {
    const key = options.key;
    const versionsRes = await api('GET', `/process-definitions/${encodeURIComponent(key)}/versions`);
    if (!versionsRes.ok) { status($('#status'), versionsRes.message, 'error'); return; }
    const versions = versionsRes.json.slice().sort((a, b) => a.version - b.version);
    if (versions.length < 2) { status($('#status'), T.compare_needs_two, 'info'); return; }
    const latest = versions[versions.length - 1].version;
    const to = options.to || latest;
    const from = options.from || Math.max(1, to - 1);
    versionOptions($('#from'), versions, from);
    versionOptions($('#to'), versions, to);
    $('#from-title').textContent = T.version_n.replace('{x}', from);
    $('#to-title').textContent = T.version_n.replace('{x}', to);

    const moddle = await (await fetch(options.moddleUrl)).json();
    const drawn = await Promise.allSettled([viewer('#canvas-from', key, from, moddle), viewer('#canvas-to', key, to, moddle)]);
    const [left, right] = drawn.map(d => (d.status === 'fulfilled' ? d.value : null));
    const failures = drawn.filter(d => d.status === 'rejected').map(d => d.reason.message || String(d.reason));
    if (left && right) {
      linkViews(left, right);
      right.get('canvas').viewbox(left.get('canvas').viewbox());
    }
    const res = await api('GET', `/process-definitions/${encodeURIComponent(key)}/compare?from=${from}&to=${to}`);
    if (!res.ok) { status($('#status'), failures.concat(res.message).join('；'), 'error'); finish(failures); return; }
    const {added = [], removed = [], changed = []} = res.json;
    added.forEach(e => mark(right, e.element_id, 'jf-added'));
    removed.forEach(e => mark(left, e.element_id, 'jf-removed'));
    changed.forEach(e => { mark(left, e.element_id, 'jf-changed'); mark(right, e.element_id, 'jf-changed'); });

    const rows = [];
    const label = e => (e.name ? `${e.name}（${e.element_id}）` : e.element_id);
    const row = (kind, e, prop, oldValue, newValue) => h('tr', {class: 'jf-row-' + kind, dataset: {elementId: e.element_id},
      onclick: () => focus([left, right].filter(Boolean), e.element_id)},
      h('td', {'data-label': T.change}, h('span', {class: 'jf-kind jf-kind-' + kind}, T['kind_' + kind])),
      h('td', {'data-label': T.element}, label(e), h('div.muted', {}, e.type || '')),
      h('td', {'data-label': T.property}, prop || ''),
      h('td', {'data-label': T.old_value}, oldValue === undefined ? '' : show(oldValue)),
      h('td', {'data-label': T.new_value}, newValue === undefined ? '' : show(newValue)));
    added.forEach(e => rows.push(row('added', e)));
    removed.forEach(e => rows.push(row('removed', e)));
    changed.forEach(e => (e.changes || [{}]).forEach(c => rows.push(row('changed', e, c.property, c.old, c.new))));
    $('#summary').textContent = T.compare_summary.replace('{a}', added.length).replace('{r}', removed.length).replace('{c}', changed.length);
    const table = $('#changes');
    table.querySelector('tbody').innerHTML = '';
    table.querySelector('tbody').append(...rows);
    table.hidden = !rows.length;
    if (failures.length) status($('#status'), failures.join('；') + '。' + T.changes_still_listed, 'error');
    else if (!rows.length) status($('#status'), T.no_differences, 'info');
    finish(failures);
  }

  /* The page says it is done either way (tests and users are never left waiting on a spinner). */
  function finish(failures) {
    document.body.dataset.compareReady = failures.length ? 'partial' : 'true';
  }

  window.JfCompare = {
    start: options => start(options).catch(e => {
      status($('#status'), T.load_failed + '：' + (e.message || e), 'error');
      document.body.dataset.compareReady = 'error';
    })
  };
})();
