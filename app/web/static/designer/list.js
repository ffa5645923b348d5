/* The process list: every definition with its versions, who deployed each and when, and the cases per version by
   status; links to the modeler, compare and migrate. Also the forms, each opening the form editor. */
(function () {
  const {api, h, status, fmtTime, T} = window.JfDesigner;
  const STATUSES = ['running', 'suspended', 'error', 'completed', 'cancelled'];

  function counts(c) {
    c = c || {};
    return h('span.jf-counts', {}, STATUSES.filter(s => c[s]).map(s => h('span', {class: 'jf-count jf-' + s, title: T['status_' + s]},
      `${T['status_' + s]} ${c[s]}`)), STATUSES.some(s => c[s]) ? null : h('span.muted', {}, T.no_cases));
  }

  async function processCard(key, name) {
    const url = k => `/designer/${encodeURIComponent(k)}`;
    const [res, draft] = await Promise.all([api('GET', `/process-definitions/${encodeURIComponent(key)}/versions`),
      api('GET', `/design-drafts/${encodeURIComponent(key)}`)]);
    const versions = res.ok ? res.json.slice().sort((a, b) => b.version - a.version) : [];
    const latest = versions.length ? versions[0].version : null;
    const links = [h('a.button', {href: url(key)}, T.open_modeler)];
    if (versions.length > 1) {
      links.push(h('a', {href: `${url(key)}/compare?from=${latest - 1}&to=${latest}`}, T.compare));
      links.push(h('a', {href: `${url(key)}/migrate?from=${latest - 1}&to=${latest}`}, T.migrate));
    }
    const table = versions.length ? h('table.list', {},
      h('thead', {}, h('tr', {}, h('th', {}, T.version), h('th', {}, T.name), h('th', {}, T.deployed_by),
        h('th', {}, T.deployed_at), h('th', {}, T.cases))),
      h('tbody', {}, versions.map(v => h('tr', {dataset: {version: v.version}},
        h('td', {'data-label': T.version}, 'v' + v.version),
        h('td', {'data-label': T.name}, v.name || ''),
        h('td', {'data-label': T.deployed_by}, v.deployed_by || ''),
        h('td', {'data-label': T.deployed_at}, fmtTime(v.deployed_at)),
        h('td', {'data-label': T.cases}, counts(v.instance_counts))))))
      : h('p.muted', {}, res.ok ? T.no_versions : res.message);
    return h('section.card.jf-process', {dataset: {key}},
      h('h2', {}, name || key, h('small.muted', {}, ' ' + key),
        draft.ok && draft.json.source === 'draft' ? h('span.tag.jf-draft-tag', {}, T.has_draft
          .replace('{who}', draft.json.updated_by || '').replace('{at}', fmtTime(draft.json.updated_at))) : null),
      h('div.actions', {}, links), table);
  }

  async function start() {
    const holder = document.querySelector('#processes');
    const res = await api('GET', '/process-definitions');
    if (!res.ok) { status(document.querySelector('#status'), res.message, 'error'); return; }
    const rows = res.json;
    const names = {};
    rows.forEach(d => { if (!(d.key in names) || d.version > names[d.key].version) names[d.key] = d; });
    const keys = Object.keys(names).sort();
    holder.innerHTML = '';
    if (!keys.length) holder.append(h('p.empty', {}, T.no_processes));
    for (const card of await Promise.all(keys.map(k => processCard(k, names[k].name)))) holder.append(card);

    const forms = await api('GET', '/forms');
    const list = document.querySelector('#forms');
    list.innerHTML = '';
    (forms.ok ? forms.json : []).forEach(f => list.append(h('li', {},
      h('a', {href: `/designer/forms/${encodeURIComponent(f.key)}`}, f.key), f.title ? h('span.muted', {}, ' ' + f.title) : null)));
    if (!forms.ok) list.append(h('li.muted', {}, forms.message));

    document.querySelector('#new-process').addEventListener('submit', e => {
      e.preventDefault();
      const key = e.target.elements.key.value.trim();
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) { status(document.querySelector('#status'), T.key_invalid, 'error'); return; }
      window.location.href = `/designer/${encodeURIComponent(key)}`;
    });
    document.body.dataset.listReady = 'true';
  }

  window.JfDesignerList = {start};
})();
