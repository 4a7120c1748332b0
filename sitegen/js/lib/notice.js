// Messages a reader can act on, shown inside the widget rather than only in the console.
// Each is one plain sentence for a reader: no data set or model keys, no nested brackets.

// The start of a sentence: callers go on with ", so ...".
export const WEBGL_MISSING = 'WebGL is not available in this browser';

/** `message`: what failed, one sentence; `detail`: exactly what (URL, HTTP status, file), for
 * the site's author; `hint`: what to do. */
export function showError(el, message, hint, detail) {
  el.querySelector('.sg-demo-loading')?.remove();
  const box = document.createElement('div');
  box.className = 'sg-error';
  box.setAttribute('role', 'alert');
  box.textContent = message;
  for (const [text, className] of [[detail, 'sg-error-detail'], [hint, 'sg-error-hint']]) {
    if (!text) continue;
    const p = document.createElement('p');
    p.className = className;
    p.textContent = text;
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
