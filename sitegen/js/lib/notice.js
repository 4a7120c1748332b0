// Messages a reader can act on, shown inside the widget rather than only in the console.

export const WEBGL_MISSING = 'WebGL is not available in this browser (or it is turned off)';

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
