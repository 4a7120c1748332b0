// Runs on every page: the light/dark switch, and the loader that finds demo placeholders
// (<div class="sg-demo" data-kind=... data-options=...>) and mounts the widget of each kind.
// Widget modules (and with them tfjs) are imported only when a page has a demo.

import {showError} from './lib/notice.js';

const THEME_KEY = 'sitegen-theme';

function setUpThemeToggle() {
  const html = document.documentElement;
  const saved = localStorage.getItem(THEME_KEY);
  if (saved === 'light' || saved === 'dark') html.dataset.theme = saved;
  const button = document.querySelector('.theme-toggle');
  if (!button) return;
  button.hidden = false;
  button.addEventListener('click', () => {
    const dark = html.dataset.theme === 'dark' ||
      (html.dataset.theme === 'auto' && matchMedia('(prefers-color-scheme: dark)').matches);
    html.dataset.theme = dark ? 'light' : 'dark';
    localStorage.setItem(THEME_KEY, html.dataset.theme);
  });
}

function siteRoot() {
  const meta = document.querySelector('meta[name="sg-root"]');
  return new URL(meta ? meta.content : './', document.baseURI);
}

function assetMap() {
  const el = document.getElementById('sg-assets');
  return el ? JSON.parse(el.textContent) : {};
}

async function mountDemo(el, root, assets) {
  const kind = el.dataset.kind;
  const module = assets[`widgets/${kind}.js`];
  if (!module) throw new Error(`no widget for demo kind "${kind}"`);
  const options = JSON.parse(el.dataset.options || '{}');
  const widget = await import(new URL(module, root).href);
  const context = {
    options,
    root,
    dataUrl: (name) => new URL(`data/${name}/`, root),
    modelUrl: (name) => new URL(`models/${name}/`, root),
    assetUrl: (key) => (assets[key] ? new URL(assets[key], root) : null),
  };
  await widget.mount(el, context);
  el.querySelector('.sg-demo-loading')?.remove();
  el.dataset.ready = 'true';
}

export async function mountAll() {
  const root = siteRoot();
  const assets = assetMap();
  const demos = [...document.querySelectorAll('.sg-demo[data-options]')];
  await Promise.all(demos.map(async (el) => {
    try {
      await mountDemo(el, root, assets);
    } catch (err) {
      console.error(err);
      el.dataset.ready = 'error';
      // A WidgetError (lib/resources.js) says what failed in a sentence for the reader; any
      // other error is a bug, whose words are only for the author.
      const known = err?.name === 'WidgetError';
      showError(el, known ? err.message : 'This demo could not start.',
        (known && err.hint) || 'Reload the page to try again. If it keeps failing, try another browser.',
        known ? err.detail : err?.message || String(err));
    }
  }));
  document.documentElement.dataset.demosReady = 'true';
}

setUpThemeToggle();
mountAll();
