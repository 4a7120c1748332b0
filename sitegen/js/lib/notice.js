// Messages a reader can act on, shown inside the widget rather than only in the console.
// Each is one plain sentence for a reader: no data set or model keys, no nested brackets.

// The start of a sentence: callers go on with ", so ...".
export const WEBGL_MISSING = 'WebGL is not available in this browser';

export function showError(el, message, hint) {
  el.querySelector('.sg-demo-loading')?.remove();
  const box = document.createElement('div');
  box.className = 'sg-error';
  box.setAttribute('role', 'alert');
  box.textContent = message;
  if (hint) {
    const p = document.createElement('p');
    p.textContent = hint;
    box.append(p);
  }
  el.append(box);
  return box;
}

export function showNotice(el, message) {
  const p = document.createElement('p');
  p.className = 'sg-notice';
  p.setAttribute('role', 'status');
  p.textContent = message;
  el.append(p);
  return p;
}
