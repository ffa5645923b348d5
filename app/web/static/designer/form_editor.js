/* Form editor: @bpmn-io/form-js FormEditor with a live preview in the form viewer. A form is saved into the draft of
   the process chosen on the page (its `forms` map), so it is deployed with, and versioned with, that process. */
(function () {
  const {api, h, status, download, T} = window.JfDesigner;
  const $ = sel => document.querySelector(sel);
  const state = {key: null, editor: null, preview: null, dirty: false, timer: null};

  function say(message, kind) { status($('#status'), message, kind); }

  async function processKeys() {
    const res = await api('GET', '/process-definitions');
    const rows = res.ok ? res.json : [];
    const names = {};
    rows.forEach(d => { names[d.key] = d.name || d.key; });
    return names;
  }

  /* Where the form is read from: the chosen process's draft, or the latest version it was deployed with (the draft
     endpoint answers with that version when there is no draft), else the catalogue (forms/ or another draft). */
  async function loadSchema(process) {
    if (process) {
      const draft = await api('GET', `/design-drafts/${encodeURIComponent(process)}`);
      if (draft.ok && draft.json.forms && draft.json.forms[state.key]) {
        const label = draft.json.source === 'draft' ? T.form_from_draft.replace('{x}', process)
          : T.form_from_version.replace('{x}', process).replace('{v}', draft.json.version);
        return {schema: draft.json.forms[state.key], label};
      }
    }
    const res = await api('GET', `/forms/${encodeURIComponent(state.key)}`);
    if (res.ok) return {schema: res.json.form, label: res.json.source === 'file' ? T.form_from_file : T.form_from_draft.replace('{x}', res.json.process_key)};
    if (res.status === 404) return {schema: {type: 'default', id: state.key, components: []}, label: T.form_new};
    throw new Error(res.message);
  }

  function refreshPreview() {
    clearTimeout(state.timer);
    state.timer = setTimeout(async () => {
      try {
        await state.preview.importSchema(state.editor.saveSchema(), {});
        $('#preview-error').hidden = true;
      } catch (e) {
        $('#preview-error').hidden = false;
        $('#preview-error').textContent = T.preview_failed + '：' + (e.message || e);
      }
    }, 250);
  }

  async function save() {
    const process = $('#process').value;
    if (!process) { say(T.choose_process, 'error'); return; }
    const schema = state.editor.saveSchema();
    const draft = await api('GET', `/design-drafts/${encodeURIComponent(process)}`);
    if (draft.status === 404) { say(T.no_base_for_draft, 'error'); return; }
    if (!draft.ok) { say(draft.message, 'error'); return; }
    const base = draft.json;
    const forms = Object.assign({}, base.forms || {}, {[state.key]: schema});
    // a new draft starts from the version shown; an existing one keeps the version it started from
    const baseVersion = base.source === 'draft' ? (base.base_version ?? null) : (base.version ?? null);
    const res = await api('PUT', `/design-drafts/${encodeURIComponent(process)}`,
      {bpmn: base.bpmn, forms, row_version: base.row_version, base_version: baseVersion});
    if (res.status === 409) { say(T.draft_conflict, 'error'); return; }
    if (!res.ok) { say(res.message, 'error'); return; }
    state.dirty = false;
    say(T.form_saved.replace('{x}', process), 'ok');
    $('#open-modeler').href = `/designer/${encodeURIComponent(process)}`;
  }

  async function start(options) {
    state.key = options.key;
    const names = await processKeys();
    const select = $('#process');
    const guess = options.process || Object.keys(names).find(k => state.key.startsWith(k + '_')) || '';
    select.append(h('option', {value: ''}, T.choose));
    Object.keys(names).sort().forEach(k => select.append(h('option', {value: k}, `${names[k]}（${k}）`)));
    if (options.process && !(options.process in names)) select.append(h('option', {value: options.process}, options.process));
    select.value = guess;
    $('#open-modeler').href = guess ? `/designer/${encodeURIComponent(guess)}` : '/designer';

    state.editor = new FormEditor.FormEditor({container: '#form-editor'});
    state.preview = new FormViewer.Form({container: '#form-preview'});
    try {
      const {schema, label} = await loadSchema(guess);
      await state.editor.importSchema(schema);
      $('#source').textContent = label;
    } catch (e) {
      say(T.load_failed + '：' + (e.message || e), 'error');
      return;
    }
    refreshPreview();
    state.editor.on('changed', () => { state.dirty = true; refreshPreview(); });
    select.addEventListener('change', async () => {
      if (state.dirty && !window.confirm(T.discard_changes)) return;
      const {schema, label} = await loadSchema(select.value);
      await state.editor.importSchema(schema);
      $('#source').textContent = label;
      $('#open-modeler').href = select.value ? `/designer/${encodeURIComponent(select.value)}` : '/designer';
      state.dirty = false;
      refreshPreview();
    });
    $('#save').addEventListener('click', async e => {
      const button = e.currentTarget;
      button.disabled = true;
      try { await save(); } finally { button.disabled = false; }
    });
    $('#download').addEventListener('click', () => download(`${state.key}.json`,
      JSON.stringify(state.editor.saveSchema(), null, 2) + '\n', 'application/json'));
    window.addEventListener('beforeunload', e => { if (state.dirty) { e.preventDefault(); e.returnValue = ''; } });
    document.body.dataset.formEditorReady = 'true';
  }

  window.JfFormEditor = {start};
})();
