/* Shared by the designer pages: the JSON API with the session cookie and CSRF token, page texts, small DOM helpers,
   and the problem list that points at diagram elements. */
(function () {
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const T = window.JF_TEXT || {};

  async function api(method, url, body) {
    let res;
    try {
      res = await fetch('/api/v1' + url, {
        method, credentials: 'same-origin',
        headers: {'Content-Type': 'application/json', 'X-CSRF-Token': csrf, 'Accept': 'application/json'},
        body: body === undefined ? undefined : JSON.stringify(body)
      });
    } catch (e) {
      return {ok: false, status: 0, json: null, message: T.network};
    }
    let json = null;
    try { json = await res.json(); } catch (e) { /* empty or non-JSON body */ }
    const message = json && json.error ? json.error.message : (res.ok ? '' : T.server_error + ' (HTTP ' + res.status + ')');
    return {ok: res.ok, status: res.status, json, message};
  }

  /* h('tag.class', {attr: value, onclick: fn}, children...) */
  function h(spec, attrs, ...children) {
    const [tag, ...classes] = spec.split('.');
    const el = document.createElement(tag);
    if (classes.length) el.className = classes.join(' ');
    Object.entries(attrs || {}).forEach(([k, v]) => {
      if (v === undefined || v === null || v === false) return;
      if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
      else if (k === 'value') el.value = v;
      else if (k === 'checked') el.checked = !!v;
      else if (k === 'dataset') Object.assign(el.dataset, v);
      else el.setAttribute(k, v === true ? '' : v);
    });
    children.flat().forEach(c => { if (c !== null && c !== undefined && c !== false) el.append(c instanceof Node ? c : String(c)); });
    return el;
  }

  function status(el, message, kind) {
    el.textContent = message || '';
    el.className = 'flash ' + (kind || 'info');
    el.hidden = !message;
  }

  function download(filename, text, type) {
    const blob = new Blob([text], {type: type || 'application/xml'});
    const a = h('a', {href: URL.createObjectURL(blob), download: filename});
    document.body.append(a);
    a.click();
    setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 0);
  }

  /* Marks each problem at its element (red marker and a badge) and lists them; a click selects the element.
     Problems whose element is not on the diagram (file-level ones) are listed with their line only. */
  function showProblems(viewer, listEl, problems) {
    clearProblems(viewer);
    const registry = viewer.get('elementRegistry');
    const overlays = viewer.get('overlays');
    const canvas = viewer.get('canvas');
    listEl.innerHTML = '';
    (problems || []).forEach(p => {
      const element = shapeFor(registry, p.element_id);
      if (element) {
        canvas.addMarker(element.id, 'jf-problem');
        overlays.add(element.id, 'jf-problem', {
          position: element.waypoints ? {top: -14, left: -6} : {top: -12, right: 12},
          html: h('div.jf-problem-badge', {title: p.message}, '!')
        });
      }
      const where = [p.element_id, p.line ? T.line.replace('{x}', p.line) : ''].filter(Boolean).join(' · ');
      const item = h('li', {dataset: {elementId: p.element_id || ''}},
        where ? h('span.muted', {}, where + '：') : '', p.message);
      if (element) {
        item.classList.add('clickable');
        item.addEventListener('click', () => {
          viewer.get('selection').select(element);
          if (canvas.zoom() < 0.8) canvas.zoom(1);
          canvas.scrollToElement(element, {top: 120, bottom: 120, left: 160, right: 160});
        });
      }
      listEl.append(item);
    });
    listEl.hidden = !(problems || []).length;
  }

  function clearProblems(viewer) {
    const canvas = viewer.get('canvas');
    viewer.get('overlays').remove({type: 'jf-problem'});
    viewer.get('elementRegistry').forEach(el => canvas.removeMarker(el.id, 'jf-problem'));
  }

  /* The shape for an element id; a process id is shown by the pool (participant) that references it. */
  function shapeFor(registry, id) {
    if (!id) return null;
    const direct = registry.get(id);
    if (direct) return direct;
    return registry.filter(el => el.businessObject && el.businessObject.processRef && el.businessObject.processRef.id === id)[0] || null;
  }

  /* Times are shown in Beijing time, as on the other pages. */
  const BEIJING = new Intl.DateTimeFormat('sv-SE', {timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit',
    day: '2-digit', hour: '2-digit', minute: '2-digit'});

  function fmtTime(value) {
    if (!value) return '';
    const d = new Date(value);
    return isNaN(d) ? String(value) : BEIJING.format(d);
  }

  /* Why bpmn-js could not draw a diagram, in words a designer understands (its own messages are English and
     technical; the commonest is a file without layout, which the engine itself does not need). */
  function importReason(error) {
    const text = String((error && error.message) || error || '');
    if (/no diagram to display/i.test(text)) return T.no_layout;
    if (/unparsable content|unexpected|non-whitespace|missing start tag|unclosed/i.test(text)) return T.not_bpmn_xml + '（' + text + '）';
    return text || T.unknown_reason;
  }

  window.JfDesigner = {api, h, status, download, showProblems, clearProblems, shapeFor, fmtTime, importReason, T};
})();
