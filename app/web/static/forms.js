/* Renders a form-js form and talks to the JSON API with the session cookie and the page's CSRF token.
   Nothing typed is lost: on any failure the form keeps its values, and server errors are shown at the fields. */
(function () {
  const csrf = document.querySelector('meta[name="csrf-token"]').content;

  async function api(method, url, body) {
    const res = await fetch(url, {
      method, credentials: 'same-origin',
      headers: {'Content-Type': 'application/json', 'X-CSRF-Token': csrf, 'Accept': 'application/json'},
      body: body === undefined ? undefined : JSON.stringify(body)
    });
    let json = null;
    try { json = await res.json(); } catch (e) { /* empty body */ }
    return {ok: res.ok, status: res.status, json};
  }

  async function render(schema, data, readonly) {
    const form = new FormViewer.Form({container: document.querySelector('#form'), properties: {readOnly: readonly}});
    await form.importSchema({type: 'default', ...(schema || {components: []})}, data || {});
    return form;
  }

  /* The server names fields by key; form-js shows errors by field id (authored or generated at import). */
  function idsByKey(form) {
    const ids = {};
    (function walk(components) {
      (components || []).forEach(c => { if (c.key) ids[c.key] = c.id; walk(c.components); });
    })(form._getState().schema.components);
    return ids;
  }

  /* Only the form's own fields go back to the server (the case variables shown alongside are not submitted). */
  function values(form) {
    const {data, errors} = form.submit();
    const keys = idsByKey(form);
    const own = {};
    Object.keys(data).forEach(k => { if (k in keys) own[k] = data[k]; });
    return {data: own, clientErrors: errors};
  }

  function showErrors(form, message, fields) {
    const box = document.querySelector('#form-errors');
    const entries = Object.entries(fields || {});
    box.hidden = false;
    box.textContent = message + (entries.length ? '：' + entries.map(([k, v]) => v).join('；') : '');
    const errors = {};
    const ids = idsByKey(form);
    entries.forEach(([key, msg]) => { errors[ids[key] || key] = [msg]; });
    try { form._setState({errors}); } catch (e) { /* the summary above still lists every problem */ }
    box.scrollIntoView({block: 'center'});
  }

  function clearErrors() { const box = document.querySelector('#form-errors'); box.hidden = true; box.textContent = ''; }

  async function taskPage(text) {
    const holder = document.querySelector('#form');
    const taskId = holder.dataset.taskId;
    const readonly = holder.dataset.readonly === 'true';
    const detail = await api('GET', `/api/v1/tasks/${taskId}`);
    if (!detail.ok) { holder.textContent = detail.json ? detail.json.error.message : text.network; return; }
    /* The case's variables feed the form's templates and read-only fields; only the form's own fields are sent. */
    const initial = {...(detail.json.context || {}), ...detail.json.data};
    const form = await render(detail.json.form, initial, readonly || detail.json.status !== 'open');
    const submit = document.querySelector('#submit');
    const draft = document.querySelector('#save-draft');
    if (draft) draft.addEventListener('click', async () => {
      const {data} = values(form);
      const res = await api('PUT', `/api/v1/tasks/${taskId}/draft`, {data});
      if (res.ok) { clearErrors(); document.querySelector('#draft-status').textContent = text.saved; }
      else if (res.json) showErrors(form, res.json.error.message, res.json.error.fields);
      else showErrors(form, text.network, {});
    });
    if (submit) submit.addEventListener('click', async () => {
      const {data, clientErrors} = values(form);
      if (Object.keys(clientErrors).length) { showErrors(form, text.failed, {}); return; }
      submit.disabled = true;
      const res = await api('POST', `/api/v1/tasks/${taskId}/complete`, {data});
      submit.disabled = false;
      if (res.ok) { window.location = `${text.inbox}?completed=${encodeURIComponent(taskId)}`; return; }
      if (res.json) showErrors(form, res.json.error.message, res.json.error.fields);
      else showErrors(form, text.network, {});
    });
  }

  async function startPage(text) {
    const form = await render(text.form, {}, false);
    const submit = document.querySelector('#submit');
    submit.addEventListener('click', async () => {
      const {data, clientErrors} = values(form);
      if (Object.keys(clientErrors).length) { showErrors(form, text.failed, {}); return; }
      submit.disabled = true;
      const res = await api('POST', '/api/v1/process-instances', {process_key: text.key, variables: data});
      submit.disabled = false;
      if (res.ok) { window.location = `${text.inbox}?started=${res.json.id}`; return; }
      if (res.json) showErrors(form, res.json.error.message, res.json.error.fields);
      else showErrors(form, text.network, {});
    });
  }

  window.Jiefen = {taskPage, startPage};
})();
