// What every widget does first: pick the backend (and say so when it falls back), watch
// for a lost WebGL context, and show later errors inside the widget with what to do.
import {showError, showNotice} from './notice.js';
import {h} from './ui.js';

/**
 * The widget's frame in `el`. With pickBackend false the widget runs its model elsewhere
 * (a worker) and calls shell.useBackend() only if it ends up running it on the page:
 * until then the page does not even load tfjs.
 */
export async function startWidget(el, kind, {pickBackend = true} = {}) {
  const body = h('div', {class: `sg-w sg-w-${kind}`});
  el.append(body);
  // The element's one hook for tests and benchmarks: the tensors and backend of the tfjs
  // instance the widget's model runs in, and the widget's state (its controller's).
  el.sgTest = {kind, numTensors: () => null, backend: () => null, state: null};
  const shell = {
    el,
    body,
    backend: null,
    stopped: false,
    /** Show an error a reader can meet (err.hint says what to do, err.detail what exactly
     * failed) and log it. */
    fail(err, fallbackHint = 'Reload the page to try again.') {
      console.error(err);
      el.querySelector('.sg-error')?.remove();
      showError(el, err.message || String(err), err.hint || fallbackHint, err.detail);
      el.dataset.failed = 'true';
    },
    /** Pick the page's tfjs backend (once per page), say so if it is a fallback, watch WebGL. */
    async useBackend() {
      const [tf, {selectBackend, watchContextLoss, CONTEXT_LOST_HINT}] =
        await Promise.all([import('@tensorflow/tfjs'), import('./backend.js')]);
      const backend = await selectBackend();
      shell.backend = backend;
      if (backend.fallback) showNotice(el, backend.message).classList.add('sg-w-backend-notice');
      el.dataset.backend = backend.name;
      watchContextLoss(() => {
        shell.stopped = true;
        shell.fail(new Error('The graphics card stopped working for this page (WebGL context lost).'),
          CONTEXT_LOST_HINT);
      });
      shell.expose({numTensors: () => tf.memory().numTensors, backend: () => tf.getBackend()});
      return backend;
    },
    /** Set parts of el.sgTest: numTensors(), backend(), state. */
    expose(parts) {
      Object.assign(el.sgTest, parts);
    },
  };
  if (pickBackend) await shell.useBackend();
  return shell;
}
