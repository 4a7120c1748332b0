// sitegen serve: reload on rebuild, show build errors over the page.
// serve.py adds this module to every page it serves; build status arrives as
// server-sent events: {generation, error}.
const box = document.createElement('div');
box.id = 'sitegen-build-error';
box.style.cssText = 'position:fixed;inset:auto 1rem 1rem 1rem;z-index:99999;padding:1rem;border-radius:8px;' +
  'background:#2b0d0d;color:#ffd7d7;font:14px/1.5 ui-monospace,monospace;white-space:pre-wrap;display:none';
document.addEventListener('DOMContentLoaded', () => document.body.append(box));

function show(status) {
  box.textContent = status.error ? 'Build failed (the page shows the last good build):\n' + status.error : '';
  box.style.display = status.error ? 'block' : 'none';
}

const events = new EventSource('/__sitegen/events');
let generation = null;
events.onmessage = (e) => {
  const status = JSON.parse(e.data);
  if (generation !== null && status.generation !== generation && !status.error) location.reload();
  generation = status.generation;
  show(status);
};
