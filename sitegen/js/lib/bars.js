// Class-probability bars (plain DOM: predict-only pages do not load tfjs-vis).
import {h, formatPercent} from './ui.js';

/** Indices of the k largest values, largest first. */
export function topK(values, k) {
  return Array.from(values.keys()).sort((a, b) => values[b] - values[a]).slice(0, k);
}

/** Replace the contents of `list` with the top-k classes as labelled bars. */
export function renderBars(list, probabilities, classNames, k, truth = null) {
  const rows = topK(probabilities, k).map((i, rank) => {
    const p = probabilities[i];
    const bar = h('span', {class: 'sg-w-bar-fill'});
    bar.style.width = `${(100 * p).toFixed(1)}%`;
    const cls = ['sg-w-bar', rank === 0 ? 'sg-w-bar-top' : '', truth == null ? '' : i === truth ? 'sg-w-bar-right' : '']
      .filter(Boolean).join(' ');
    return h('li', {class: cls, 'data-class': String(i)},
      h('span', {class: 'sg-w-bar-name', text: classNames[i] ?? String(i)}),
      h('span', {class: 'sg-w-bar-track'}, bar),
      h('span', {class: 'sg-w-bar-value', text: formatPercent(p)}));
  });
  list.replaceChildren(...rows);
}
