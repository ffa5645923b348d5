/* The modeler page: bpmn-js Modeler with our properties panel; validate (problems marked on the diagram), save the
   draft, discard it, download, upload, deploy (warning when a newer version was deployed since the draft began), and
   manage and run the process's scenarios against the diagram on screen. */
(function () {
  const {api, h, status, download, showProblems, clearProblems, fmtTime, importReason, T} = window.JfDesigner;
  const MAX_UPLOAD = 2 * 1024 * 1024;
  const MAX_SCENARIO = 256 * 1024;
  const SCENARIO_NAME = /^[\p{L}\p{N}\p{M}_-]{1,100}$/u;   // the server's name pattern (\w and -)

  const page = {
    key: null, modeler: null, panel: null,
    draft: null,          // the draft endpoint's answer: {bpmn, forms, row_version, source, ...}; null for a new process
    baseVersion: null,    // the deployed version the work on the canvas started from (null: a process never deployed)
    importFailed: false,  // nothing usable on the canvas: only upload or discarding the draft can help
    forms: {},            // the draft's forms map (edited forms travel with the next version)
    formKeys: [],         // [{key, title}] offered by GET /forms plus the draft's own
    dirty: false
  };
  const $ = sel => document.querySelector(sel);

  function say(message, kind) { status($('#status'), message, kind); }

  function newDiagram(key) {
    const esc = s => s.replace(/[<>&"]/g, c => ({'<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;'}[c]));
    const k = esc(key);
    return `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:di="http://www.omg.org/spec/DD/20100524/DI" xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="definitions_${k}" targetNamespace="http://jiefen.example/bpmn/${k}">
  <bpmn:collaboration id="collaboration_${k}">
    <bpmn:participant id="participant_${k}" name="${k}" processRef="${k}"/>
  </bpmn:collaboration>
  <bpmn:process id="${k}" name="${k}" isExecutable="true">
    <bpmn:laneSet id="laneset_${k}">
      <bpmn:lane id="lane_1"><bpmn:flowNodeRef>start</bpmn:flowNodeRef><bpmn:flowNodeRef>end</bpmn:flowNodeRef></bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="start"><bpmn:outgoing>flow_start</bpmn:outgoing></bpmn:startEvent>
    <bpmn:endEvent id="end"><bpmn:incoming>flow_start</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="flow_start" sourceRef="start" targetRef="end"/>
  </bpmn:process>
  <bpmndi:BPMNDiagram id="diagram_${k}">
    <bpmndi:BPMNPlane id="plane_${k}" bpmnElement="collaboration_${k}">
      <bpmndi:BPMNShape id="participant_${k}_di" bpmnElement="participant_${k}" isHorizontal="true"><dc:Bounds x="120" y="80" width="600" height="200"/></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="lane_1_di" bpmnElement="lane_1" isHorizontal="true"><dc:Bounds x="150" y="80" width="570" height="200"/></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="start_di" bpmnElement="start"><dc:Bounds x="212" y="162" width="36" height="36"/></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="end_di" bpmnElement="end"><dc:Bounds x="592" y="162" width="36" height="36"/></bpmndi:BPMNShape>
      <bpmndi:BPMNEdge id="flow_start_di" bpmnElement="flow_start"><di:waypoint x="248" y="180"/><di:waypoint x="592" y="180"/></bpmndi:BPMNEdge>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>`;
  }

  /* ---- loading -------------------------------------------------------------------------------------------- */
  const draftUrl = () => `/design-drafts/${encodeURIComponent(page.key)}`;

  /* The draft if there is one, else the latest version (the draft endpoint answers with it, row_version null), else a
     new diagram for this key. The forms travel with it: the draft's, or the version's. */
  async function loadSource() {
    const res = await api('GET', draftUrl());
    if (res.status === 404) {
      adopt(null);
      return {xml: newDiagram(page.key), label: T.source_new};
    }
    if (!res.ok) throw new Error(res.message);
    adopt(res.json);
    return {xml: res.json.bpmn, label: sourceLabel(res.json)};
  }

  /* Takes the draft endpoint's answer (or null: nothing saved, nothing deployed) as the page's starting point. */
  function adopt(answer) {
    page.draft = answer;
    page.forms = (answer && answer.forms) || {};
    if (answer) page.baseVersion = answer.source === 'draft' ? (answer.base_version ?? null) : (answer.version ?? answer.base_version ?? null);
    else page.baseVersion = null;
    $('#discard-draft').hidden = !hasDraft();
    document.body.dataset.hasDraft = hasDraft() ? 'true' : 'false';
  }

  const hasDraft = () => !!(page.draft && page.draft.source === 'draft');

  function sourceLabel(draft) {
    if (draft.source === 'draft') {
      const base = draft.base_version ?? null;
      return (base === null ? T.source_draft_by : T.source_draft_on.replace('{v}', base))
        .replace('{who}', draft.updated_by || '').replace('{at}', fmtTime(draft.updated_at));
    }
    return T.source_version_no_draft.replace('{x}', draft.version);
  }

  async function loadFormKeys() {
    const res = await api('GET', '/forms');
    const listed = res.ok ? res.json : [];
    const titles = {};
    listed.forEach(f => { titles[f.key] = f.title || ''; });
    Object.keys(page.forms).forEach(k => { if (!(k in titles)) titles[k] = ''; });
    page.formKeys = Object.keys(titles).sort().map(k => ({key: k, title: titles[k]}));
  }

  async function importXml(xml) {
    clearProblems(page.modeler);
    $('#problems').hidden = true;
    const {warnings} = await page.modeler.importXML(xml);
    page.modeler.get('canvas').zoom('fit-viewport');
    if (warnings.length) say(T.import_warnings.replace('{x}', warnings.length) + ' ' + warnings.slice(0, 3).map(w => w.message).join('；'), 'info');
    return warnings;
  }

  async function currentXml() {
    if (document.activeElement && $('#props').contains(document.activeElement)) document.activeElement.blur();
    const {xml} = await page.modeler.saveXML({format: true});
    return xml;
  }

  /* The forms edited beside the diagram: the draft's (the form editor saves into it, perhaps in another tab since this
     page loaded), or those of the version it started from. The server takes any other form the diagram uses from
     forms/. */
  async function formsForDiagram() {
    const res = await api('GET', `/design-drafts/${encodeURIComponent(page.key)}`);
    if (res.ok) page.forms = res.json.forms || {};
    return Object.keys(page.forms).length ? page.forms : undefined;
  }

  function setSource(label) { $('#source').textContent = label; }

  function setDirty(value) {
    page.dirty = value;
    $('#dirty').hidden = !value;
  }

  /* ---- actions -------------------------------------------------------------------------------------------- */
  async function busy(button, fn) {
    button.disabled = true;
    try { await fn(); } catch (e) { say(e.message || String(e), 'error'); } finally { button.disabled = false; }
  }

  /* Actions on the diagram are refused while the canvas holds nothing that could be imported. */
  function needsDiagram(fn) {
    return async () => {
      if (page.importFailed) { say(T.nothing_on_canvas, 'error'); return; }
      await fn();
    };
  }

  async function validate() {
    const res = await api('POST', '/process-definitions/validate', {bpmn: await currentXml(), forms: await formsForDiagram()});
    if (!res.ok) { say(res.message, 'error'); return; }
    const problems = res.json.problems || [];
    showProblems(page.modeler, $('#problems'), problems);
    say(problems.length ? T.problems_found.replace('{x}', problems.length) : T.valid, problems.length ? 'error' : 'ok');
  }

  /* Saves over the draft this page loaded (optimistic lock). If only the forms changed meanwhile (the form editor
     saved into the draft), the diagram is saved with those forms; if the diagram changed too, nothing is overwritten
     and the page keeps the user's work (they can download it). */
  async function saveDraft() {
    const bpmn = await currentXml();
    const body = rowVersion => ({bpmn, forms: page.forms, row_version: rowVersion, base_version: page.baseVersion});
    let res = await api('PUT', draftUrl(), body(hasDraft() ? page.draft.row_version : null));
    if (res.status === 409) {
      const latest = await api('GET', draftUrl());
      const sameDiagram = latest.ok && (latest.json.source !== 'draft' || (page.draft && latest.json.bpmn === page.draft.bpmn));
      if (!sameDiagram) { say(T.draft_conflict, 'error'); return; }
      page.forms = latest.json.forms || {};
      res = await api('PUT', draftUrl(), body(latest.json.source === 'draft' ? latest.json.row_version : null));
      if (res.status === 409) { say(T.draft_conflict, 'error'); return; }
    }
    if (!res.ok) { say(res.message, 'error'); return; }
    const base = page.baseVersion;
    adopt(res.json);
    if (res.json.base_version === undefined) page.baseVersion = base;   // an answer that does not echo it
    setDirty(false);
    setSource(sourceLabel(Object.assign({base_version: page.baseVersion}, res.json)));
    say(T.draft_saved, 'ok');
  }

  /* Deploys what is on the canvas. The server refuses (409 stale_base) when a newer version was deployed after the
     work began; the designer then compares, deploys anyway, or stops. */
  async function deploy(force) {
    if (!force && !window.confirm(T.deploy_confirm)) return;
    hideStale();
    const request = {bpmn: await currentXml(), forms: await formsForDiagram()};
    request.base_version = page.baseVersion;     // null for a new process: deploying over someone's first version is stale too
    if (force) request.force = true;
    const res = await api('POST', '/process-definitions', request);
    if (res.status === 422) {
      const details = (res.json.error && res.json.error.details) || [];
      showProblems(page.modeler, $('#problems'), details);
      say(res.message + '：' + T.problems_found.replace('{x}', details.length), 'error');
      return;
    }
    if (res.status === 409 && res.json && res.json.error && res.json.error.code === 'stale_base') {
      await showStale(res.message);
      return;
    }
    if (!res.ok) { say(res.message, 'error'); return; }
    clearProblems(page.modeler);
    $('#problems').hidden = true;
    const {key, version, created} = res.json;
    // the server removed the draft: what is on the canvas is now that version
    adopt({source: 'deployed', version, row_version: null, forms: page.forms});
    setDirty(false);
    setSource(T.source_version_no_draft.replace('{x}', version));
    $('#deployed-version').textContent = version;
    say((created ? T.deployed : T.deployed_same).replace('{x}', version).replace('{key}', key), 'ok');
    loadVersionsLinks();
  }

  async function showStale(message) {
    const res = await api('GET', `/process-definitions/${encodeURIComponent(page.key)}/versions`);
    const latest = res.ok && res.json.length ? Math.max(...res.json.map(v => v.version)) : null;
    const panel = $('#stale');
    $('#stale-message').textContent = message;
    const compareLink = $('#stale-compare');
    compareLink.hidden = !(latest && page.baseVersion && latest !== page.baseVersion);
    compareLink.href = `/designer/${encodeURIComponent(page.key)}/compare?from=${page.baseVersion}&to=${latest}`;
    panel.hidden = false;
    say(message, 'error');
  }

  function hideStale() { $('#stale').hidden = true; }

  /* Deletes the draft (after a confirmation) and shows the latest deployed version, or a new diagram. */
  async function discardDraft() {
    if (!hasDraft() || !window.confirm(T.discard_draft_confirm)) return;
    const res = await api('DELETE', draftUrl());
    if (!res.ok && res.status !== 404) { say(res.message, 'error'); return; }
    hideStale();
    const source = await loadSource();
    await loadFormKeys();
    if (await importSource(source)) say(T.draft_discarded, 'ok');
  }

  /* Draws a loaded source; when bpmn-js cannot, says which source and why, and leaves upload (and discarding the
     draft) as the way on. Returns whether it worked. */
  async function importSource(source) {
    try {
      await importXml(source.xml);
    } catch (e) {
      page.importFailed = true;
      page.modeler.clear();
      setSource(source.label);
      setDirty(false);
      say(T.cannot_draw.replace('{x}', source.label) + '：' + importReason(e) + '。' + T.upload_instead, 'error');
      document.body.dataset.modelerReady = 'import-failed';
      return false;
    }
    page.importFailed = false;
    setSource(source.label);
    setDirty(false);
    document.body.dataset.modelerReady = 'true';
    return true;
  }

  /* Reads a .bpmn file onto the canvas. A file bpmn-js cannot draw leaves the canvas as it was (bpmn-js clears it
     before it finds out, so the previous diagram is drawn again). */
  function upload(file) {
    if (!file) return;
    if (file.size > MAX_UPLOAD) { say(T.upload_too_big, 'error'); return; }
    const reader = new FileReader();
    reader.onload = async () => {
      const previous = page.importFailed ? null : await currentXml().catch(() => null);
      try {
        await importXml(String(reader.result));
      } catch (e) {
        if (previous) await importXml(previous).catch(() => null);
        say(T.upload_failed_file.replace('{x}', file.name) + '：' + importReason(e), 'error');
        return;
      }
      page.importFailed = false;
      document.body.dataset.modelerReady = 'true';
      setDirty(true);
      const proc = page.modeler.getDefinitions().rootElements.find(r => r.$instanceOf('bpmn:Process') && r.isExecutable)
        || page.modeler.getDefinitions().rootElements.find(r => r.$instanceOf('bpmn:Process'));
      setSource(T.source_upload.replace('{x}', file.name));
      if (proc && proc.id !== page.key) say(T.upload_other_key.replaceAll('{x}', proc.id), 'error');
      else say(T.uploaded.replace('{x}', file.name), 'ok');
    };
    reader.onerror = () => say(T.upload_failed_file.replace('{x}', file.name), 'error');
    reader.readAsText(file, 'utf-8');
  }

  /* ---- scenarios ------------------------------------------------------------------------------------------ */
  const scenariosUrl = () => `/process-definitions/${encodeURIComponent(page.key)}/scenarios`;

  /* Lists the scenarios, marking those shipped with the process (files in the repository, read-only here) and those
     a designer attached (stored, deletable). */
  async function loadScenarios() {
    const list = $('#scenario-list');
    const res = await api('GET', scenariosUrl());
    list.innerHTML = '';
    if (!res.ok) { list.append(h('li.muted', {}, res.status === 404 ? T.no_scenarios : res.message)); $('#run-scenarios').disabled = true; return; }
    const items = res.json;
    if (!items.length) { list.append(h('li.muted', {}, T.no_scenarios)); $('#run-scenarios').disabled = true; return; }
    items.forEach(s => {
      const stored = s.source === 'stored';
      const file = scenarioFileName(s);
      list.append(h('li', {dataset: {name: file, source: s.source || ''}},
        h('span', {class: 'tag jf-scenario-' + (stored ? 'stored' : 'shipped')}, stored ? T.scenario_stored : T.scenario_shipped),
        ' ', s.name || file, file && file !== s.name ? h('span.muted', {}, ' (' + file + '.json)') : null,
        s.description ? h('span.muted', {}, ' — ' + s.description) : null,
        stored ? h('button.jf-small.jf-delete-scenario', {type: 'button', onclick: e => busy(e.currentTarget, () => deleteScenario(file))},
          T.delete) : null));
    });
    $('#run-scenarios').disabled = false;
  }

  /* The name a scenario is addressed by in the API (its file name without .json). */
  function scenarioFileName(s) {
    return String(s.file || s.name || '').replace(/\.json$/i, '');
  }

  /* Attaches a scenario file: read here (size and JSON checked before sending), stored on the server under the file's
     name; a stored scenario of the same name is replaced. */
  async function attachScenario(file) {
    if (!file) return;
    const name = file.name.replace(/\.json$/i, '');
    if (!SCENARIO_NAME.test(name)) { say(T.scenario_name_invalid.replace('{x}', file.name), 'error'); return; }
    if (file.size > MAX_SCENARIO) { say(T.scenario_too_big, 'error'); return; }
    let scenario;
    try {
      scenario = JSON.parse(await file.text());
    } catch (e) {
      say(T.scenario_not_json.replace('{x}', file.name) + '：' + e.message, 'error');
      return;
    }
    if (!scenario || typeof scenario !== 'object' || Array.isArray(scenario)) {
      say(T.scenario_not_object.replace('{x}', file.name), 'error');
      return;
    }
    const res = await api('PUT', `${scenariosUrl()}/${encodeURIComponent(name)}`, scenario);
    if (!res.ok) { say(res.message, 'error'); return; }
    await loadScenarios();  // the message comes once the list shows the change
    say((res.status === 201 ? T.scenario_attached : T.scenario_replaced).replace('{x}', name), 'ok');
  }

  async function deleteScenario(name) {
    if (!window.confirm(T.scenario_delete_confirm.replace('{x}', name))) return;
    const res = await api('DELETE', `${scenariosUrl()}/${encodeURIComponent(name)}`);
    if (!res.ok) { say(res.message, 'error'); return; }
    await loadScenarios();
    say(T.scenario_deleted.replace('{x}', name), 'ok');
  }

  async function runScenarios() {
    const out = $('#scenario-results');
    out.innerHTML = '';
    const res = await api('POST', `/process-definitions/${encodeURIComponent(page.key)}/scenarios/run`,
      {bpmn: await currentXml(), forms: await formsForDiagram()});
    if (!res.ok) {
      const details = (res.json && res.json.error && res.json.error.details) || [];
      if (details.length) showProblems(page.modeler, $('#problems'), details);
      say(res.message, 'error');
      return;
    }
    const results = res.json;
    const passed = results.filter(r => r.passed).length;
    out.append(h('table.list', {},
      h('thead', {}, h('tr', {}, h('th', {}, T.scenario), h('th', {}, T.result), h('th', {}, T.message_col), h('th', {}, T.path))),
      h('tbody', {}, results.map(r => h('tr', {class: r.passed ? 'jf-pass' : 'jf-fail'},
        h('td', {}, r.name), h('td', {}, r.passed ? T.passed : T.failed), h('td', {}, r.message || ''),
        h('td.jf-path', {}, Array.isArray(r.path) ? r.path.join(' → ') : (r.path || '')))))));
    say(T.scenarios_done.replace('{p}', passed).replace('{n}', results.length), passed === results.length ? 'ok' : 'error');
  }

  async function loadVersionsLinks() {
    const res = await api('GET', `/process-definitions/${encodeURIComponent(page.key)}/versions`);
    const holder = $('#version-links');
    holder.innerHTML = '';
    if (!res.ok || !res.json.length) return;
    const latest = Math.max(...res.json.map(v => v.version));
    $('#deployed-version').textContent = latest;
    holder.append(T.latest_version.replace('{x}', latest));
    if (latest > 1) {
      holder.append(' · ', h('a', {href: `/designer/${encodeURIComponent(page.key)}/compare?from=${latest - 1}&to=${latest}`}, T.compare),
        ' · ', h('a', {href: `/designer/${encodeURIComponent(page.key)}/migrate?from=${latest - 1}&to=${latest}`}, T.migrate));
    }
  }

  /* ---- start ---------------------------------------------------------------------------------------------- */
  async function start(options) {
    page.key = options.key;
    const moddle = await (await fetch(options.moddleUrl)).json();
    page.modeler = new BpmnJS({container: '#canvas', moddleExtensions: {spiffworkflow: moddle}});
    page.panel = new window.JfPropertiesPanel(page.modeler, $('#props'), {
      roles: options.roles,
      formKeys: () => page.formKeys,
      formEditorUrl: key => `/designer/forms/${encodeURIComponent(key)}?process=${encodeURIComponent(page.key)}`
    });
    page.modeler.get('eventBus').on('commandStack.changed', () => setDirty(true));
    window.addEventListener('beforeunload', e => { if (page.dirty) { e.preventDefault(); e.returnValue = ''; } });

    $('#validate').addEventListener('click', e => busy(e.currentTarget, needsDiagram(validate)));
    $('#save-draft').addEventListener('click', e => busy(e.currentTarget, needsDiagram(saveDraft)));
    $('#discard-draft').addEventListener('click', e => busy(e.currentTarget, discardDraft));
    $('#download').addEventListener('click', e => busy(e.currentTarget, needsDiagram(async () => download(`${page.key}.bpmn`, await currentXml()))));
    $('#upload').addEventListener('change', e => { upload(e.target.files[0]); e.target.value = ''; });
    $('#deploy').addEventListener('click', e => busy(e.currentTarget, needsDiagram(() => deploy(false))));
    $('#stale-force').addEventListener('click', e => busy(e.currentTarget, needsDiagram(() => deploy(true))));
    $('#stale-cancel').addEventListener('click', () => { hideStale(); say(T.deploy_cancelled, 'info'); });
    $('#undo').addEventListener('click', () => page.modeler.get('commandStack').undo());
    $('#redo').addEventListener('click', () => page.modeler.get('commandStack').redo());
    $('#zoom-fit').addEventListener('click', () => page.modeler.get('canvas').zoom('fit-viewport'));
    $('#run-scenarios').addEventListener('click', e => busy(e.currentTarget, needsDiagram(runScenarios)));
    $('#attach-scenario').addEventListener('change', e => {
      const file = e.target.files[0];
      e.target.value = '';
      attachScenario(file).catch(err => say(err.message || String(err), 'error'));
    });

    try {
      const source = await loadSource();
      await loadFormKeys();
      await importSource(source);
    } catch (e) {
      say(T.load_failed + '：' + (e.message || e), 'error');
      document.body.dataset.modelerReady = 'load-failed';
      return;
    }
    loadVersionsLinks();
    loadScenarios();
  }

  window.JfModeler = {start, page};
})();
