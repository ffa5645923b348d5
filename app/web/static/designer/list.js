/* The process list: every definition with its versions, who deployed each and when, and the cases per version by
   status; links to the modeler, compare and migrate. Drafts of processes never deployed are listed too (otherwise
   they could only be found by typing their key). Also the forms, each opening the form editor. */
(function () {
  const {api, h, status, fmtTime, T} = window.JfDesigner;
  const STATUSES = ['running', 'suspended', 'error', 'completed', 'cancelled'];
  const KEY = /^[A-Za-z_][A-Za-z0-9_]{0,99}$/;   // the server's process key pattern and length

  function counts(c) {
    c = c || {};
    return h('span.jf-counts', {}, STATUSES.filter(s => c[s]).map(s => h('span', {class: 'jf-count jf-' + s, title: T['status_' + s]},
      `${T['status_' + s]} ${c[s]}`)), STATUSES.some(s => c[s]) ? null : h('span.muted', {}, T.no_cases));
  }

  function draftTag(draft) {
    return draft ? h('span.tag.jf-draft-tag', {}, T.has_draft.replace('{who}', draft.updated_by || '')
      .replace('{at}', fmtTime(draft.updated_at))) : null;
  }

  async function processCard(key, name, draft) {
    const url = k => `/designer/${encodeURIComponent(k)}`;
    const res = await api('GET', `/process-definitions/${encodeURIComponent(key)}/versions`);
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
      h('h2', {}, name || key, h('small.muted', {}, ' ' + key), draftTag(draft)),
      h('div.actions', {}, links), table);
  }

  /* A process that exists only as a draft: its name (from the draft list) and a link to go on editing it. */
  function draftCard(draft) {
    return h('section.card.jf-process.jf-undeployed', {dataset: {key: draft.key}},
      h('h2', {}, draft.name || draft.key, h('small.muted', {}, ' ' + draft.key), draftTag(draft)),
      h('div.actions', {}, h('a.button', {href: `/designer/${encodeURIComponent(draft.key)}`}, T.continue_draft)),
      h('p.muted', {}, T.never_deployed));
  }

  async function start() {
    const holder = document.querySelector('#processes');
    const [res, draftsRes] = await Promise.all([api('GET', '/process-definitions'), api('GET', '/design-drafts')]);
    if (!res.ok) { status(document.querySelector('#status'), res.message, 'error'); return; }
    if (!draftsRes.ok) status(document.querySelector('#status'), draftsRes.message, 'error');
    const drafts = {};
    (draftsRes.ok ? draftsRes.json : []).forEach(d => { drafts[d.key] = d; });
    const names = {};
    res.json.forEach(d => { if (!(d.key in names) || d.version > names[d.key].version) names[d.key] = d; });
    const keys = Object.keys(names).sort();
    const undeployed = Object.keys(drafts).filter(k => !(k in names)).sort();
    holder.innerHTML = '';
    if (!keys.length && !undeployed.length) holder.append(h('p.empty', {}, T.no_processes));
    if (undeployed.length) {
      holder.append(h('h2.jf-list-heading', {}, T.undeployed_drafts), ...undeployed.map(k => draftCard(drafts[k])));
      if (keys.length) holder.append(h('h2.jf-list-heading', {}, T.deployed_processes));
    }
    for (const card of await Promise.all(keys.map(k => processCard(k, names[k].name, drafts[k])))) holder.append(card);

    const forms = await api('GET', '/forms');
    const list = document.querySelector('#forms');
    list.innerHTML = '';
    (forms.ok ? forms.json : []).forEach(f => list.append(h('li', {},
      h('a', {href: `/designer/forms/${encodeURIComponent(f.key)}`}, f.key), f.title ? h('span.muted', {}, ' ' + f.title) : null)));
    if (!forms.ok) list.append(h('li.muted', {}, forms.message));

    document.querySelector('#new-process').addEventListener('submit', e => {
      e.preventDefault();
      const key = e.target.elements.key.value.trim();
      if (!KEY.test(key)) { status(document.querySelector('#status'), T.key_invalid, 'error'); return; }
      window.location.href = `/designer/${encodeURIComponent(key)}`;
    });
    document.body.dataset.listReady = 'true';
  }

  window.JfDesignerList = {start};
})();
