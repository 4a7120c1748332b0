// A table with one row per class that stays usable for thousands of classes: a short list
// is a plain table; a long one gets a search field (by class name) and a scrolling box, and
// only the first `limit` matching rows are made (13,065 rows at once would cost seconds).
import {h, formatInt} from './ui.js';

/** Up to this many classes a table shows every row, with no search field. */
export const SHORT_LIST = 30;

/**
 * Fill `el` with a table of `count` rows, row i made by `row(i)` (a <tr>).
 * @param {{caption: string, head: string[], count: number, name: (i) => string,
 *          row: (i) => HTMLElement, tableClass?: string, limit?: number, label?: string}} spec
 * Returns {search(text)}: show the classes whose name contains `text` (what typing does).
 */
export function renderClassTable(el, {caption, head, count, name, row, tableClass = '', limit = 200,
  label = 'Find a class'}) {
  const body = h('tbody');
  const table = h('table', {class: tableClass},
    h('caption', {text: caption}),
    h('thead', {}, h('tr', {}, head.map((text) => h('th', {scope: 'col', text})))),
    body);
  if (count <= SHORT_LIST) {
    body.append(...Array.from({length: count}, (_, i) => row(i)));
    el.replaceChildren(table);
    return {search() {}};
  }
  const input = h('input', {type: 'search', class: 'sg-w-class-search', 'aria-label': label,
    placeholder: `${label} (${formatInt(count)} classes)`});
  const note = h('p', {class: 'sg-w-hint', 'aria-live': 'polite'});
  const box = h('div', {class: 'sg-w-class-scroll', tabindex: '0'}, table);
  // Style through the CSSOM: the site's CSP allows no inline style attributes.
  box.style.maxHeight = '24rem';
  box.style.overflowY = 'auto';
  const lowered = Array.from({length: count}, (_, i) => String(name(i)).normalize('NFC').toLowerCase());
  function search(text) {
    const query = String(text).normalize('NFC').trim().toLowerCase();
    const rows = [];
    let matches = 0;
    for (let i = 0; i < count; i++) {
      if (query && !lowered[i].includes(query)) continue;
      matches += 1;
      if (rows.length < limit) rows.push(row(i));
    }
    body.replaceChildren(...rows);
    note.textContent = matches > rows.length
      ? `Showing ${formatInt(rows.length)} of ${formatInt(matches)} ${query ? 'matching ' : ''}classes; type to search.`
      : `${formatInt(matches)} ${matches === 1 ? 'class' : 'classes'}${query ? ' match' : ''}.`;
  }
  input.addEventListener('input', () => search(input.value));
  search('');
  el.replaceChildren(input, note, box);
  return {search};
}
