// The model builder's layer editor: one row per layer with its fields (from the layer table,
// TABLES.layerKinds), its output shape, and move / remove buttons; below, the shape check's
// message. Edits go to the controller's actions, which re-render or re-check.
import {LAYER_KINDS} from '../../lib/layer-list.js';
import {h, field, numberInput, select} from '../../lib/ui.js';

export class LayersView {
  constructor() {
    this.list = h('ol', {class: 'sg-w-layers', 'aria-label': 'Layers'});
    this.message = h('p', {class: 'sg-w-shape-message', role: 'status', 'aria-live': 'polite'});
  }

  /** Rows for `layers` (raw layer objects); actions: {edit(i, key, value), move(i, to), remove(i)}. */
  render(layers, actions) {
    this.list.replaceChildren(...layers.map((layer, i) => this.row(layer, i, layers.length, actions)));
  }

  row(layer, i, count, actions) {
    const kind = LAYER_KINDS[layer.layerName];
    const row = h('li', {class: 'sg-w-layer', 'data-index': String(i + 1)},
      h('span', {class: 'sg-w-layer-name', text: `${i + 1}. ${layer.layerName}`}));
    for (const [key, spec] of Object.entries(kind ? kind.fields : {})) {
      const value = layer[key] ?? spec.default ?? (spec.defaultFrom ? layer[spec.defaultFrom] : '');
      const input = spec.kind === 'choice' ? select(spec.choices, value, key)
        : numberInput(value, {min: spec.min, step: spec.kind === 'int' ? 1 : 'any', name: key});
      input.addEventListener('input', () => {
        if (spec.kind === 'choice') actions.edit(i, key, input.value);
        else actions.edit(i, key, input.value === '' ? undefined : Number(input.value));
      });
      row.append(field(key, input).wrap);
    }
    const move = (to) => () => {
      actions.move(i, to);
      this.list.querySelectorAll('.sg-w-layer')[to]?.querySelector('button')?.focus();
    };
    row.append(h('span', {class: 'sg-w-layer-shape', 'data-role': 'shape'}),
      h('button', {type: 'button', text: '↑', 'aria-label': `Move layer ${i + 1} up`, disabled: i === 0, onclick: move(i - 1)}),
      h('button', {type: 'button', text: '↓', 'aria-label': `Move layer ${i + 1} down`,
        disabled: i === count - 1, onclick: move(i + 1)}),
      h('button', {type: 'button', text: '✕', 'aria-label': `Remove layer ${i + 1}`, onclick: () => actions.remove(i)}));
    return row;
  }

  /**
   * The shape check: {valid, message, outputShapes: string per layer (valid lists),
   * badIndex: 1-based layer at fault or null}.
   */
  showCheck({valid, message, outputShapes, badIndex}) {
    const rows = this.list.querySelectorAll('.sg-w-layer');
    rows.forEach((row, i) => {
      row.classList.toggle('sg-w-layer-bad', !valid && badIndex === i + 1);
      row.querySelector('[data-role=shape]').textContent = valid ? `→ ${outputShapes[i]}` : '';
    });
    this.message.className = `sg-w-shape-message ${valid ? 'sg-w-shape-ok' : 'sg-error'}`;
    this.message.textContent = message;
  }

  /** Lock (true) the rows' fields and buttons while training; unlocking re-renders them. */
  setDisabled(on) {
    this.list.querySelectorAll('input, select, button').forEach((input) => { input.disabled = on; });
  }
}
