// What every widget does first: pick the backend (and say so when it falls back), watch
// for a lost WebGL context, and show later errors inside the widget with what to do.
import * as tf from '@tensorflow/tfjs';
import {showError, showNotice} from './notice.js';
import {selectBackend, watchContextLoss, CONTEXT_LOST_HINT} from './backend.js';
import {h} from './ui.js';

/**
 * The widget's frame in `el`. With pickBackend false the widget runs its model elsewhere
 * (a worker) and picks, shows and watches a page backend itself if it needs one.
 */
export async function startWidget(el, kind, {pickBackend = true} = {}) {
  const backend = pickBackend ? await selectBackend() : null;
  const body = h('div', {class: `sg-w sg-w-${kind}`});
  el.append(body);
  if (backend?.fallback) showNotice(el, backend.message).classList.add('sg-w-backend-notice');
  if (backend) el.dataset.backend = backend.name;
  const shell = {
    el,
    body,
    backend,
    stopped: false,
    /** Show an error a reader can meet (err.hint says what to do) and log it. */
    fail(err, fallbackHint = 'Reload the page to try again.') {
      console.error(err);
      el.querySelector('.sg-error')?.remove();
      showError(el, err.message || String(err), err.hint || fallbackHint);
      el.dataset.failed = 'true';
    },
  };
  shell.watchContextLoss = () => watchContextLoss(() => {
    shell.stopped = true;
    shell.fail(new Error('The graphics card stopped working for this page (WebGL context lost).'), CONTEXT_LOST_HINT);
  });
  if (backend) shell.watchContextLoss();
  // Hooks for tests and benchmarks: the same tfjs instance the widget uses.
  el.sgWidget = {numTensors: () => tf.memory().numTensors, backend: () => tf.getBackend()};
  return shell;
}
