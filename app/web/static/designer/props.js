/* The properties panel of the modeler: exactly what our engine reads from a diagram, edited through bpmn-js modeling
   commands (so undo/redo works): name, id, lane → role, form key, scripts, conditions, default flows, timers with a
   工作日 helper, messages (name, payload, variable, correlation), documentation and the spiffworkflow:property values
   dueDate / priority / organisation. A field commits on change (blur or Enter). */
(function () {
  const {h, T} = window.JfDesigner;
  const SPIFF_PROPS = ['dueDate', 'priority', 'organisation'];
  const TYPE_LABELS = {
    'bpmn:UserTask': 'type_user_task', 'bpmn:ScriptTask': 'type_script_task', 'bpmn:Task': 'type_task',
    'bpmn:ManualTask': 'type_manual_task', 'bpmn:ServiceTask': 'type_service_task', 'bpmn:SendTask': 'type_send_task',
    'bpmn:ReceiveTask': 'type_receive_task', 'bpmn:BusinessRuleTask': 'type_business_rule_task',
    'bpmn:SubProcess': 'type_sub_process', 'bpmn:CallActivity': 'type_call_activity',
    'bpmn:ExclusiveGateway': 'type_exclusive_gateway', 'bpmn:ParallelGateway': 'type_parallel_gateway',
    'bpmn:InclusiveGateway': 'type_inclusive_gateway', 'bpmn:EventBasedGateway': 'type_event_gateway',
    'bpmn:StartEvent': 'type_start_event', 'bpmn:EndEvent': 'type_end_event',
    'bpmn:IntermediateCatchEvent': 'type_catch_event', 'bpmn:IntermediateThrowEvent': 'type_throw_event',
    'bpmn:BoundaryEvent': 'type_boundary_event', 'bpmn:SequenceFlow': 'type_sequence_flow', 'bpmn:Lane': 'type_lane',
    'bpmn:Participant': 'type_participant', 'bpmn:Process': 'type_process', 'bpmn:Collaboration': 'type_process',
    'bpmn:TextAnnotation': 'type_annotation'
  };
  const ID_PATTERN = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

  function is(bo, type) { return bo && bo.$instanceOf && bo.$instanceOf(type); }

  function eventDefinition(bo, type) {
    return (bo.eventDefinitions || []).find(d => is(d, type)) || null;
  }

  function extValues(holder) { return (holder.extensionElements && holder.extensionElements.values) || []; }

  class PropertiesPanel {
    /* options: {roles: [{code, name}], formKeys: () => [{key, title}], formEditorUrl: key => url} */
    constructor(modeler, container, options) {
      this.modeler = modeler;
      this.container = container;
      this.options = options;
      this.modeling = modeler.get('modeling');
      this.moddle = modeler.get('moddle');
      this.bpmnFactory = modeler.get('bpmnFactory');
      this.registry = modeler.get('elementRegistry');
      this.canvas = modeler.get('canvas');
      this.element = null;
      this.selfCommit = false;
      const bus = modeler.get('eventBus');
      bus.on('selection.changed', e => {
        const one = e.newSelection.length === 1 ? e.newSelection[0] : null;
        this.element = one && one.labelTarget ? one.labelTarget : one;   // a clicked label edits its element
        this.render();
      });
      bus.on('elements.changed', () => { if (!this.selfCommit) this.renderSoon(); });
      bus.on('import.done', () => { this.element = null; this.render(); });
    }

    /* ---- committing ---------------------------------------------------------------------------------------- */
    commit(fn, rerender) {
      this.selfCommit = true;
      try { fn(); } finally { this.selfCommit = false; }
      if (rerender) this.renderSoon();
    }

    create(type, attrs, parent) {
      const obj = this.moddle.create(type, attrs || {});
      if (parent) obj.$parent = parent;
      return obj;
    }

    ensureExtensions(element, holder) {
      if (!holder.extensionElements) {
        const ext = this.create('bpmn:ExtensionElements', {values: []}, holder);
        this.modeling.updateModdleProperties(element, holder, {extensionElements: ext});
      }
      return holder.extensionElements;
    }

    dropEmptyExtensions(element, holder) {
      const ext = holder.extensionElements;
      if (ext && !(ext.values || []).length) this.modeling.updateModdleProperties(element, holder, {extensionElements: undefined});
    }

    /* spiffworkflow:property name=… value=… inside spiffworkflow:properties */
    getProp(bo, name) {
      const props = extValues(bo).find(v => is(v, 'spiffworkflow:Properties'));
      const prop = props && (props.properties || []).find(p => p.name === name);
      return prop ? prop.value || '' : '';
    }

    setProp(element, bo, name, value) {
      value = (value || '').trim();
      let props = extValues(bo).find(v => is(v, 'spiffworkflow:Properties'));
      const prop = props && (props.properties || []).find(p => p.name === name);
      if (!value) {
        if (!prop) return;
        const rest = props.properties.filter(p => p !== prop);
        this.modeling.updateModdleProperties(element, props, {properties: rest});
        if (!rest.length) {
          const ext = bo.extensionElements;
          this.modeling.updateModdleProperties(element, ext, {values: ext.values.filter(v => v !== props)});
          this.dropEmptyExtensions(element, bo);
        }
        return;
      }
      if (prop) { this.modeling.updateModdleProperties(element, prop, {value}); return; }
      const ext = this.ensureExtensions(element, bo);
      if (!props) {
        props = this.create('spiffworkflow:Properties', {properties: []}, ext);
        this.modeling.updateModdleProperties(element, ext, {values: [...(ext.values || []), props]});
      }
      const created = this.create('spiffworkflow:Property', {name, value}, props);
      this.modeling.updateModdleProperties(element, props, {properties: [...(props.properties || []), created]});
    }

    /* a body-only spiffworkflow element (preScript, postScript, messagePayload, messageVariable) */
    getBody(holder, type) {
      const el = extValues(holder).find(v => is(v, type));
      return el ? el.value || '' : '';
    }

    setBody(element, holder, type, value) {
      const existing = extValues(holder).find(v => is(v, type));
      if (!value.trim()) {
        if (!existing) return;
        this.modeling.updateModdleProperties(element, holder.extensionElements,
          {values: holder.extensionElements.values.filter(v => v !== existing)});
        this.dropEmptyExtensions(element, holder);
        return;
      }
      if (existing) { this.modeling.updateModdleProperties(element, existing, {value}); return; }
      const ext = this.ensureExtensions(element, holder);
      const created = this.create(type, {value}, ext);
      this.modeling.updateModdleProperties(element, ext, {values: [...(ext.values || []), created]});
    }

    getDoc(bo) { return ((bo.documentation || [])[0] || {}).text || ''; }

    setDoc(element, bo, text) {
      const docs = bo.documentation || [];
      if (!text.trim()) {
        if (docs.length) this.modeling.updateModdleProperties(element, bo, {documentation: docs.slice(1)});
      } else if (docs.length) {
        this.modeling.updateModdleProperties(element, docs[0], {text});
      } else {
        this.modeling.updateModdleProperties(element, bo, {documentation: [this.create('bpmn:Documentation', {text}, bo)]});
      }
    }

    setExpression(element, holder, prop, body) {
      const current = holder[prop];
      if (!body.trim()) {
        if (current) this.modeling.updateModdleProperties(element, holder, {[prop]: undefined});
      } else if (current && is(current, 'bpmn:FormalExpression')) {
        this.modeling.updateModdleProperties(element, current, {body});
      } else {
        this.modeling.updateModdleProperties(element, holder, {[prop]: this.create('bpmn:FormalExpression', {body}, holder)});
      }
    }

    /* ---- rendering ----------------------------------------------------------------------------------------- */
    renderSoon() {
      clearTimeout(this._timer);
      this._timer = setTimeout(() => this.render(), 0);
    }

    render() {
      const active = document.activeElement;
      const focus = active && this.container.contains(active) && active.dataset.field
        ? {field: active.dataset.field, start: active.selectionStart, end: active.selectionEnd} : null;
      const element = this.element && this.registry.get(this.element.id) ? this.element : null;
      this.container.innerHTML = '';
      this.container.append(...this.sections(element || this.canvas.getRootElement(), !element));
      if (focus) {
        const again = this.container.querySelector(`[data-field="${CSS.escape(focus.field)}"]`);
        if (again) {
          again.focus();
          try { if (focus.start !== null && focus.start !== undefined) again.setSelectionRange(focus.start, focus.end); } catch (e) { /* not a text control */ }
        }
      }
    }

    sections(element, isRoot) {
      const bo = element.businessObject;
      if (!bo) return [h('p.muted', {}, T.nothing_selected)];
      if (isRoot && is(bo, 'bpmn:Collaboration')) {
        const pool = this.registry.filter(el => is(el.businessObject, 'bpmn:Participant'))[0];
        return pool ? this.participantSections(pool) : [h('p.muted', {}, T.nothing_selected)];
      }
      if (is(bo, 'bpmn:Participant')) return this.participantSections(element);
      if (is(bo, 'bpmn:Process')) return this.processSections(element, bo);
      const out = [h('h2', {}, (T[TYPE_LABELS[bo.$type]] || bo.$type.replace('bpmn:', '')))];
      out.push(this.general(element, bo));
      if (is(bo, 'bpmn:Lane')) out.push(this.laneRole(element, bo));
      else if (is(bo, 'bpmn:FlowNode')) out.push(this.laneInfo(bo));
      if (is(bo, 'bpmn:UserTask')) out.push(this.userTask(element, bo));
      if (is(bo, 'bpmn:StartEvent') && !(bo.eventDefinitions || []).length) out.push(this.startForm(element, bo));
      if (is(bo, 'bpmn:ScriptTask')) out.push(this.scriptTask(element, bo));
      if (is(bo, 'bpmn:SequenceFlow')) out.push(this.sequenceFlow(element, bo));
      if (is(bo, 'bpmn:ExclusiveGateway') || is(bo, 'bpmn:InclusiveGateway')) out.push(this.gateway(element, bo));
      const timer = eventDefinition(bo, 'bpmn:TimerEventDefinition');
      if (timer) out.push(this.timer(element, bo, timer));
      const message = eventDefinition(bo, 'bpmn:MessageEventDefinition');
      if (message) out.push(this.message(element, bo, message));
      if (is(bo, 'bpmn:BoundaryEvent')) out.push(this.boundary(element, bo));
      if (is(bo, 'bpmn:Activity') && !is(bo, 'bpmn:ScriptTask')) out.push(this.scripts(element, bo));
      if (!is(bo, 'bpmn:TextAnnotation')) out.push(this.documentation(element, bo));
      return out;
    }

    /* ---- controls ------------------------------------------------------------------------------------------ */
    field(label, control, hint) {
      return h('label.jf-field', {}, h('span.jf-label', {}, label), control, hint ? h('small.muted', {}, hint) : null);
    }

    input(name, value, onCommit, attrs) {
      return h('input', Object.assign({type: 'text', value, dataset: {field: name}, name,
        onchange: e => onCommit(e.target.value, e.target)}, attrs || {}));
    }

    code(name, value, onCommit, rows, prose) {
      return h(prose ? 'textarea' : 'textarea.jf-code', {rows: rows || 4, spellcheck: prose ? 'true' : 'false',
        dataset: {field: name}, name, value, onchange: e => onCommit(e.target.value, e.target)});
    }

    select(name, options, value, onCommit) {
      const el = h('select', {dataset: {field: name}, name, onchange: e => onCommit(e.target.value, e.target)},
        options.map(o => h('option', {value: o.value, selected: o.value === value}, o.label)));
      el.value = value;
      return el;
    }

    fieldset(title, ...children) {
      return h('fieldset.jf-section', {}, h('legend', {}, title), ...children);
    }

    /* ---- sections ------------------------------------------------------------------------------------------ */
    general(element, bo) {
      const idInput = this.input('id', bo.id, (value, el) => {
        value = value.trim();
        if (value === bo.id) return;
        const problem = !ID_PATTERN.test(value) ? T.id_invalid : (this.moddle.ids.assigned(value) ? T.id_taken : '');
        el.setCustomValidity(problem);
        el.reportValidity();
        if (problem) return;
        this.commit(() => this.modeling.updateProperties(element, {id: value}), true);
      });
      const children = [this.field(T.id, idInput)];
      if (!is(bo, 'bpmn:TextAnnotation')) {
        children.push(this.field(T.name, this.input('name', bo.name || '', value => {
          this.commit(() => this.modeling.updateLabel(element, value.trim() || undefined));
        })));
      } else {
        children.push(this.field(T.text, this.code('text', bo.text || '', value => {
          this.commit(() => this.modeling.updateLabel(element, value));
        }, 4, true)));
      }
      return this.fieldset(T.general, ...children);
    }

    laneRole(element, bo) {
      const roles = this.options.roles;
      const known = roles.some(r => r.name === bo.name || r.code === bo.name);
      const options = [{value: '', label: T.choose}].concat(roles.map(r => ({value: r.name, label: `${r.name}（${r.code}）`})));
      if (bo.name && !known) options.push({value: bo.name, label: `${bo.name} — ${T.unknown_role}`});
      return this.fieldset(T.lane_role,
        this.field(T.role, this.select('lane-role', options, bo.name || '', value => {
          this.commit(() => this.modeling.updateLabel(element, value || undefined), true);
        }), T.lane_role_hint));
    }

    laneInfo(bo) {
      const lanes = bo.get ? bo.get('lanes') || [] : [];
      const lane = lanes[lanes.length - 1];
      const text = lane ? (lane.name || lane.id) : T.no_lane;
      const link = lane ? h('a', {href: '#', onclick: e => {
        e.preventDefault();
        const shape = this.registry.get(lane.id);
        if (shape) this.modeler.get('selection').select(shape);
      }}, text) : h('span', {}, text);
      return this.fieldset(T.lane_role, h('p.jf-static', {}, T.in_lane + '：', link));
    }

    formKeySelect(element, bo) {
      const current = this.getProp(bo, 'formKey');
      const forms = this.options.formKeys();
      const options = [{value: '', label: T.no_form}].concat(forms.map(f => ({value: f.key, label: f.title ? `${f.key} — ${f.title}` : f.key})));
      if (current && !forms.some(f => f.key === current)) options.push({value: current, label: `${current} — ${T.form_missing}`});
      const select = this.select('formKey', options, current, value => {
        this.commit(() => this.setProp(element, bo, 'formKey', value), true);
      });
      const edit = current ? h('a', {href: this.options.formEditorUrl(current), target: '_blank', rel: 'noopener'}, T.edit_form) : null;
      return this.field(T.form_key, h('div.jf-row', {}, select, edit));
    }

    userTask(element, bo) {
      return this.fieldset(T.task_settings,
        this.formKeySelect(element, bo),
        ...SPIFF_PROPS.map(name => {
          const area = this.code('prop-' + name, this.getProp(bo, name), value => {
            this.commit(() => this.setProp(element, bo, name, value));
          }, 2);
          return this.field(T['prop_' + name], area, name === 'dueDate'
            ? this.workdayHelper(area, false) : T['prop_' + name + '_hint']);
        }));
    }

    startForm(element, bo) {
      return this.fieldset(T.start_form, this.formKeySelect(element, bo));
    }

    scriptTask(element, bo) {
      return this.fieldset(T.script,
        this.field(T.script_text, this.code('script', bo.script || '', value => {
          this.commit(() => this.modeling.updateModdleProperties(element, bo, {script: value.trim() ? value : undefined}));
        }, 10), T.script_hint));
    }

    scripts(element, bo) {
      return this.fieldset(T.pre_post_scripts,
        this.field(T.pre_script, this.code('preScript', this.getBody(bo, 'spiffworkflow:PreScript'), value => {
          this.commit(() => this.setBody(element, bo, 'spiffworkflow:PreScript', value));
        }, 3)),
        this.field(T.post_script, this.code('postScript', this.getBody(bo, 'spiffworkflow:PostScript'), value => {
          this.commit(() => this.setBody(element, bo, 'spiffworkflow:PostScript', value));
        }, 3)));
    }

    sequenceFlow(element, bo) {
      const source = bo.sourceRef;
      const children = [];
      const isDefault = source && source.default === bo;
      if (source && (is(source, 'bpmn:ExclusiveGateway') || is(source, 'bpmn:InclusiveGateway'))) {
        children.push(h('label.check', {}, h('input', {type: 'checkbox', name: 'default', dataset: {field: 'default'},
          checked: isDefault, onchange: e => {
            const gateway = this.registry.get(source.id);
            this.commit(() => this.modeling.updateProperties(gateway, {default: e.target.checked ? bo : undefined}), true);
          }}), T.default_flow));
      }
      const condition = bo.conditionExpression ? bo.conditionExpression.body || '' : '';
      children.push(this.field(T.condition, this.code('condition', condition, value => {
        this.commit(() => this.setExpression(element, bo, 'conditionExpression', value));
      }, 3), isDefault ? T.condition_default_hint : T.condition_hint));
      return this.fieldset(T.condition_section, ...children);
    }

    gateway(element, bo) {
      const outgoing = bo.outgoing || [];
      const options = [{value: '', label: T.no_default}].concat(outgoing.map(f => ({value: f.id, label: f.name ? `${f.name}（${f.id}）` : f.id})));
      return this.fieldset(T.gateway_section,
        this.field(T.default_flow, this.select('gateway-default', options, bo.default ? bo.default.id : '', value => {
          const flow = outgoing.find(f => f.id === value);
          this.commit(() => this.modeling.updateProperties(element, {default: flow || undefined}), true);
        }), T.gateway_hint));
    }

    timer(element, bo, def) {
      const kinds = ['timeDate', 'timeDuration', 'timeCycle'];
      const kind = kinds.find(k => def[k]) || 'timeDate';
      const body = def[kind] ? def[kind].body || '' : '';
      const area = this.code('timer-expression', body, value => {
        this.commit(() => this.setExpression(element, def, kind, value));
      }, 3);
      const kindSelect = this.select('timer-kind', kinds.map(k => ({value: k, label: T['timer_' + k]})), kind, value => {
        const text = area.value;
        const props = {timeDate: undefined, timeDuration: undefined, timeCycle: undefined};
        if (text.trim()) props[value] = this.create('bpmn:FormalExpression', {body: text}, def);
        this.commit(() => this.modeling.updateModdleProperties(element, def, props), true);
      });
      return this.fieldset(T.timer,
        this.field(T.timer_kind, kindSelect),
        this.field(T.timer_expression, area, this.workdayHelper(area, true)),
        h('p.muted', {}, T.timer_hint));
    }

    /* 工作日 helper: builds end_of_day(add_workdays(<date>, <n>)) and inserts it at the cursor (or replaces an empty
       field), then commits the field as if the user had typed it. */
    workdayHelper(area, endOfDay) {
      const base = h('input', {type: 'text', value: 'received_date', name: 'workday-base', 'aria-label': T.workday_base, size: 14});
      const days = h('input', {type: 'number', value: '5', min: '0', max: '3650', name: 'workday-days', 'aria-label': T.workday_days, style: 'width:5em'});
      const eod = h('input', {type: 'checkbox', checked: endOfDay, name: 'workday-eod'});
      const insert = h('button', {type: 'button', class: 'jf-small', onclick: () => {
        const n = parseInt(days.value, 10);
        if (!base.value.trim() || isNaN(n)) return;
        let expr = `add_workdays(${base.value.trim()}, ${n})`;
        if (eod.checked) expr = `end_of_day(${expr})`;
        const start = area.selectionStart ?? area.value.length, end = area.selectionEnd ?? area.value.length;
        area.value = area.value.trim() ? area.value.slice(0, start) + expr + area.value.slice(end) : expr;
        area.dispatchEvent(new Event('change'));
      }}, T.workday_insert);
      return h('div.jf-helper', {}, h('span', {}, T.workday_helper + '：'), base, ' + ', days, ' ' + T.workdays + ' ',
        h('label.check', {}, eod, T.end_of_day), insert);
    }

    message(element, bo, def) {
      const definitions = this.modeler.getDefinitions();
      const messages = (definitions.rootElements || []).filter(r => is(r, 'bpmn:Message'));
      const current = def.messageRef ? def.messageRef.id : '';
      const options = [{value: '', label: T.choose}].concat(messages.map(m => ({value: m.id, label: m.name || m.id})));
      options.push({value: '__new__', label: T.new_message});
      const children = [this.field(T.message_name, this.select('messageRef', options, current, (value, el) => {
        if (value === '__new__') {
          const name = (window.prompt(T.new_message_prompt) || '').trim();
          if (!name) { el.value = current; return; }
          const found = messages.find(m => m.name === name);
          const msg = found || this.bpmnFactory.create('bpmn:Message', {name});
          this.commit(() => {
            if (!found) {
              msg.$parent = definitions;
              this.modeling.updateModdleProperties(element, definitions, {rootElements: [...definitions.rootElements, msg]});
            }
            this.modeling.updateModdleProperties(element, def, {messageRef: msg});
          }, true);
        } else {
          this.commit(() => this.modeling.updateModdleProperties(element, def, {messageRef: messages.find(m => m.id === value)}), true);
        }
      }))];
      if (def.messageRef) {
        children.push(this.field(T.message_rename, this.input('message-name', def.messageRef.name || '', value => {
          if (value.trim()) this.commit(() => this.modeling.updateModdleProperties(element, def.messageRef, {name: value.trim()}), true);
        }), T.message_rename_hint));
      }
      const throwing = is(bo, 'bpmn:IntermediateThrowEvent') || is(bo, 'bpmn:EndEvent');
      if (throwing) {
        const area = this.code('messagePayload', this.getBody(def, 'spiffworkflow:MessagePayload'), value => {
          this.commit(() => this.setBody(element, def, 'spiffworkflow:MessagePayload', value));
        }, 8);
        children.push(this.field(T.message_payload, area, this.correlationHelper(area)));
      } else {
        children.push(this.field(T.message_variable, this.input('messageVariable', this.getBody(def, 'spiffworkflow:MessageVariable'), value => {
          this.commit(() => this.setBody(element, def, 'spiffworkflow:MessageVariable', value.trim()));
        }), T.message_variable_hint));
        children.push(h('p.muted', {}, T.correlation_catch_hint));
      }
      return this.fieldset(T.message, ...children);
    }

    /* Our engine delivers a thrown message to the waiting cases whose business key or searchable variables equal
       every entry of the payload's "correlation" object; this inserts such an entry. */
    correlationHelper(area) {
      const key = h('input', {type: 'text', value: 'business_key', name: 'correlation-key', 'aria-label': T.correlation_key, size: 12});
      const expr = h('input', {type: 'text', value: 'source_case', name: 'correlation-value', 'aria-label': T.correlation_value, size: 14});
      const insert = h('button', {type: 'button', class: 'jf-small', onclick: () => {
        if (!key.value.trim() || !expr.value.trim()) return;
        const entry = `"correlation": {${JSON.stringify(key.value.trim())}: ${expr.value.trim()}}`;
        const text = area.value.trim();
        if (!text) area.value = `{\n    ${entry}\n}`;
        else if (/^\{[\s\S]*\}$/.test(text)) area.value = text.replace(/\s*\}$/, (text.length > 2 ? ',' : '') + `\n    ${entry}\n}`);
        else return;
        area.dispatchEvent(new Event('change'));
      }}, T.correlation_insert);
      return h('div.jf-helper', {}, h('span', {}, T.correlation + '：'), key, ' = ', expr, insert,
        h('small.muted', {}, T.correlation_hint));
    }

    boundary(element, bo) {
      return this.fieldset(T.boundary,
        h('label.check', {}, h('input', {type: 'checkbox', name: 'cancelActivity', dataset: {field: 'cancelActivity'},
          checked: bo.cancelActivity !== false, onchange: e => {
            this.commit(() => this.modeling.updateProperties(element, {cancelActivity: e.target.checked}));
          }}), T.cancel_activity));
    }

    documentation(element, bo) {
      return this.fieldset(T.documentation,
        this.field(T.documentation, this.code('documentation', this.getDoc(bo), value => {
          this.commit(() => this.setDoc(element, bo, value));
        }, 4, true)));
    }

    participantSections(pool) {
      const part = pool.businessObject;
      const proc = part.processRef;
      const out = [h('h2', {}, T.type_process)];
      const general = [
        this.field(T.process_key, h('input', {type: 'text', value: proc ? proc.id : part.id, readonly: true, name: 'process-id'}), T.process_key_hint),
        this.field(T.name, this.input('name', part.name || (proc && proc.name) || '', value => {
          value = value.trim();
          this.commit(() => {
            this.modeling.updateLabel(pool, value || undefined);
            if (proc) this.modeling.updateModdleProperties(pool, proc, {name: value || undefined});
          });
        }))
      ];
      out.push(this.fieldset(T.general, ...general));
      if (proc) out.push(this.caseSettings(pool, proc), this.documentation(pool, proc));
      return out;
    }

    processSections(element, proc) {
      return [h('h2', {}, T.type_process),
        this.fieldset(T.general,
          this.field(T.process_key, h('input', {type: 'text', value: proc.id, readonly: true, name: 'process-id'}), T.process_key_hint),
          this.field(T.name, this.input('name', proc.name || '', value => {
            this.commit(() => this.modeling.updateModdleProperties(element, proc, {name: value.trim() || undefined}));
          }))),
        this.caseSettings(element, proc),
        this.documentation(element, proc)];
    }

    /* what the platform reads from the process itself: the 案号 prefix, the variables the case search indexes, the
       labels of the codes its scripts set */
    caseSettings(element, proc) {
      return this.fieldset(T.case_settings,
        this.field(T.business_key_prefix, this.input('businessKeyPrefix', this.getProp(proc, 'businessKeyPrefix'), value => {
          this.commit(() => this.setProp(element, proc, 'businessKeyPrefix', value));
        }), T.business_key_prefix_hint),
        this.field(T.searchable, this.code('searchable', this.getProp(proc, 'searchable'), value => {
          this.commit(() => this.setProp(element, proc, 'searchable', value));
        }, 3, true), T.searchable_hint),
        this.field(T.party_names, this.input('partyNames', this.getProp(proc, 'partyNames'), value => {
          this.commit(() => this.setProp(element, proc, 'partyNames', value));
        }), T.party_names_hint),
        this.field(T.value_labels, this.code('valueLabels', this.getProp(proc, 'valueLabels'), value => {
          this.commit(() => this.setProp(element, proc, 'valueLabels', value));
        }, 3, true), T.value_labels_hint));
    }
  }

  window.JfPropertiesPanel = PropertiesPanel;
})();
