/* Read-only BPMN diagram for supervisors: active elements highlighted, the completed path marked, failed elements
   in red, timers/messages awaited labelled with their due time, and per-element count badges. Reads its data from
   the JSON in <script type="application/json" id="diagram-data"> and draws into #diagram. */
(function () {
  "use strict";
  var holder = document.getElementById("diagram");
  var source = document.getElementById("diagram-data");
  if (!holder || !source || !window.BpmnJS) { return; }
  var data = JSON.parse(source.textContent);
  var viewer = new window.BpmnJS({ container: holder });

  function badge(overlays, id, text, kind, title) {
    var el = document.createElement("span");
    el.className = "dg-badge " + kind;
    el.textContent = text;
    if (title) { el.title = title; }
    overlays.add(id, { position: { top: -10, right: 8 }, html: el });
  }

  function fmt(iso) {
    var d = new Date(iso);
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + " " + pad(d.getHours()) + ":" + pad(d.getMinutes());
  }

  /* Large procedures shrink to illegible when fitted: show the case's current element at full size instead. */
  function focus(canvas, registry, ids) {
    var box = canvas.viewbox();
    if (!ids.length || box.scale >= 0.8) { return; }
    var el = registry.get(ids[0]);
    var width = box.outer.width, height = box.outer.height;
    canvas.viewbox({ x: el.x + el.width / 2 - width / 2, y: el.y + el.height / 2 - height / 2, width: width, height: height });
  }

  viewer.importXML(data.xml).then(function (result) {
    if (!viewer.get("elementRegistry").getAll().some(function (e) { return e.type !== "bpmn:Process" && e.type !== "label"; })) {
      throw new Error(holder.dataset.noDiLabel || "没有图形信息");
    }
    var canvas = viewer.get("canvas");
    var registry = viewer.get("elementRegistry");
    var overlays = viewer.get("overlays");
    var known = function (id) { return !!registry.get(id); };
    var completed = {};
    (data.completed || []).filter(known).forEach(function (id) { completed[id] = true; canvas.addMarker(id, "dg-done"); });
    registry.filter(function (e) { return e.type === "bpmn:SequenceFlow"; }).forEach(function (flow) {
      var s = flow.businessObject.sourceRef, t = flow.businessObject.targetRef;
      if (s && t && completed[s.id] && (completed[t.id] || (data.active || []).indexOf(t.id) >= 0)) { canvas.addMarker(flow.id, "dg-done"); }
    });
    (data.active || []).filter(known).forEach(function (id) { canvas.addMarker(id, "dg-active"); });
    (data.error || []).filter(known).forEach(function (id) { canvas.addMarker(id, "dg-error"); });
    (data.waits || []).filter(function (w) { return known(w.element_id); }).forEach(function (w) {
      var label = w.kind === "timer" ? "⏰ " + (w.due ? fmt(w.due) : "") : "✉ " + (w.message || "");
      badge(overlays, w.element_id, label, w.kind === "timer" ? "wait" : "msg", w.name);
    });
    var badges = data.badges || {};
    Object.keys(badges.active || {}).filter(known).forEach(function (id) {
      canvas.addMarker(id, "dg-active");
      badge(overlays, id, String(badges.active[id]), "count", holder.dataset.activeLabel);
    });
    Object.keys(badges.incidents || {}).filter(known).forEach(function (id) {
      canvas.addMarker(id, "dg-error");
      var el = document.createElement("span");
      el.className = "dg-badge incident";
      el.textContent = String(badges.incidents[id]);
      el.title = holder.dataset.incidentLabel || "";
      overlays.add(id, { position: { bottom: 8, right: 8 }, html: el });
    });
    canvas.zoom("fit-viewport");
    focus(canvas, registry, (data.error || []).concat(data.active || []).filter(known));
    holder.setAttribute("data-ready", "1");
  }).catch(function (err) {
    holder.textContent = (holder.dataset.failLabel || "流程图无法显示") + "：" + err.message;
    holder.setAttribute("data-ready", "error");
  });
})();
