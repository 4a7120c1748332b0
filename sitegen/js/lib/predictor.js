// One-image predictions with a converted model, for widgets that answer the reader at once
// (draw). The model runs in workers/predict.js, off the main thread, on whichever backend
// answers this model faster; where a module worker cannot start (an old browser, a site
// policy without worker-src 'self') it runs on the page with the page's backend.
// The worker first started is bundled with only the kernels of sitegen's layer kinds; for a
// model that needs another kernel it says which, and its twin bundled with all of tfjs is
// started instead (sitegen/assets.py), so such a model costs bytes, never a broken demo.
import {fetchJson, modelLoadError} from './resources.js';
import {slowBackendNotice} from './backend-notice.js';

/**
 * {metadata, backend, where, notice, timings, predict(input: Float32Array) -> Promise<Float32Array>,
 * numTensors()} of converted model `name`; `inputShapeOf(metadata)` is its input's [h, w, c].
 * numTensors() counts the tensors where the model runs; `notice` says when the worker has
 * neither WebGL nor wasm (a processor backend that the worker picked as fastest needs no
 * notice). On the page, `shell` (lib/shell.js) picks the backend and says so itself.
 */
export async function openPredictor(context, name, inputShapeOf, shell) {
  const workerUrl = context.assetUrl?.('workers/predict.js');
  if (workerUrl && typeof Worker !== 'undefined') {
    const base = context.modelUrl(name);
    const metadata = await fetchJson(new URL('metadata.json', base), `the metadata of the model ${name}`);
    const start = (url) => workerPredictor(url, new URL('model.json', base).href, metadata, inputShapeOf(metadata));
    try {
      return await smallOrFullWorker(context, name, start);
    } catch (err) {
      if (err.fromWorker) throw modelLoadError(name, err, metadata);
      console.warn(`The prediction worker could not start (${err.message}); predicting on the page.`);
    }
  }
  const {pagePredictor} = await import('./page-predictor.js');
  return pagePredictor(context, name, inputShapeOf, shell);
}

/** The worker with few kernels, or for a model that needs one it leaves out, its full-tfjs twin. */
async function smallOrFullWorker(context, name, start) {
  try {
    return await start(context.assetUrl('workers/predict.js'));
  } catch (err) {
    const allKernels = context.assetUrl('workers/predict-all-kernels.js');
    if (!err.missingKernel || !allKernels) throw err;
    console.warn(`Model "${name}" needs the TF.js kernel '${err.missingKernel}', which the small ` +
      'prediction bundle leaves out: loading the one with all of TF.js.');
    return start(allKernels);
  }
}

function workerPredictor(url, modelUrl, metadata, inputShape) {
  const worker = new Worker(url, {type: 'module', name: 'sitegen-predict'});
  const waiting = new Map();
  let nextId = 0;
  let numTensors = null;
  let broken = null;
  const fail = (err) => {
    broken = err;
    for (const {reject} of waiting.values()) reject(err);
    waiting.clear();
  };
  worker.onmessage = ({data}) => {
    const call = waiting.get(data.id);
    if (!call) return;
    waiting.delete(data.id);
    if (data.numTensors != null) numTensors = data.numTensors;
    if (data.ok) {
      call.resolve(data);
    } else {
      const err = new Error(data.message);
      err.fromWorker = true;  // the worker runs; the model or its input is at fault
      err.missingKernel = data.missingKernel;  // a kernel its bundle does not register
      call.reject(err);
    }
  };
  // A worker script that cannot be fetched or parsed says so here, not in a message.
  worker.onerror = (event) => {
    event.preventDefault();
    fail(new Error(event.message || 'the worker script did not load'));
  };
  const call = (message, transfer = []) => new Promise((resolve, reject) => {
    if (broken) return reject(broken);
    const id = ++nextId;
    waiting.set(id, {resolve, reject});
    worker.postMessage({...message, id}, transfer);
  });
  return call({type: 'load', modelUrl, inputShape}).then((loaded) => ({
    metadata,
    backend: loaded.backend,
    notice: loaded.timings.webgl == null && loaded.timings.wasm == null ? slowBackendNotice('cpu') : null,
    where: 'worker',
    timings: loaded.timings,
    async predict(input) {
      const copy = Float32Array.from(input);  // the buffer moves to the worker
      try {
        const answer = await call({type: 'predict', input: copy}, [copy.buffer]);
        this.lastModelMs = answer.ms;
        return answer.probabilities;
      } catch (err) {
        throw new WidgetError(`The model failed to run: ${err.message}`, 'Reload the page to try again.');
      }
    },
    lastModelMs: null,
    numTensors: () => numTensors,
  }), (err) => {
    worker.terminate();
    throw err;
  });
}
