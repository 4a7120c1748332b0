// Load a data set (its data.js) and a model (model.json + metadata.json) for a widget,
// turning failures into messages that say what to do. tfjs is imported when first needed:
// a widget whose model runs in a worker never loads it on the page.
import {checkedFetch} from './checked-fetch.js';
import {formatPercent} from './ui.js';

/** An error a reader can act on. `message`: one plain sentence saying what failed; `hint`:
 * what to do; `detail`: what exactly failed (URL, HTTP status, file), for the site's author. */
export class WidgetError extends Error {
  constructor(message, hint, detail) {
    super(message);
    this.name = 'WidgetError';
    this.hint = hint;
    this.detail = detail;
  }
}

export const NETWORK_HINT = 'Check your connection and reload the page. If you run the site yourself, ' +
  'rebuild it with `sitegen build` and serve the whole output folder.';

/** `what`: the file as a reader would name it ("the metadata of the model digits-cnn"). */
export async function fetchJson(url, what) {
  let response;
  try {
    response = await fetch(url);
  } catch (err) {
    throw new WidgetError(`Could not download ${what}.`, NETWORK_HINT, `${url}: ${err.message}`);
  }
  if (!response.ok) {
    throw new WidgetError(`Could not download ${what}.`, NETWORK_HINT, `${url} answered HTTP ${response.status}.`);
  }
  try {
    return await response.json();
  } catch (err) {
    throw new WidgetError(`Could not read ${what}.`, 'Rebuild the site with `sitegen build`.',
      `${url} is not valid JSON.`);
  }
}

/** Why the module at `url` did not import: its HTTP status, else the browser's words. */
async function importFailure(url, err) {
  try {
    const response = await fetch(url);
    if (!response.ok) return `${url} answered HTTP ${response.status}.`;
  } catch {
    // offline or blocked: the browser's own words below say as much
  }
  return `${url} could not be imported: ${err.message}`;
}

/** The MnistData of data set `name`, loaded with its progress shown on `bar` (ui.progressBar). */
export async function loadDataset(context, name, bar) {
  const onProgress = ({fraction}) => bar.set(fraction, `Loading ${name}: ${formatPercent(fraction)}`);
  const url = new URL('data.js', context.dataUrl(name)).href;
  let module;
  try {
    module = await import(url);
  } catch (err) {
    throw new WidgetError(`The data set ${name} could not be loaded.`, NETWORK_HINT, await importFailure(url, err));
  }
  const data = new module.MnistData({tf: await import('@tensorflow/tfjs')});
  try {
    await data.load({onProgress});
  } catch (err) {
    // the manifest, with the data set's title, may have arrived before what failed
    const title = data.manifest?.title || name;
    throw new WidgetError(`The data set ${title} could not be loaded.`, NETWORK_HINT, err.message);
  }
  return data;
}

/** The sentence of a model that could not be loaded, named by its title where known. */
export function modelLoadError(name, err, metadata) {
  return new WidgetError(`The model ${metadata?.title || name} could not be loaded.`, NETWORK_HINT, err.message);
}

/** The metadata.json of converted model `name` (a promise, to share between its readers). */
export function loadModelMetadata(context, name) {
  return fetchJson(new URL('metadata.json', context.modelUrl(name)), `the metadata of the model ${name}`);
}

/** {model, metadata} of converted model `name`; `metadata`: its metadata.json, when already asked for. */
export async function loadModel(context, name, metadata = loadModelMetadata(context, name)) {
  const base = context.modelUrl(name);
  metadata = await metadata;
  let model;
  try {
    const tf = await import('@tensorflow/tfjs');
    model = await tf.loadLayersModel(new URL('model.json', base).href, {fetchFunc: checkedFetch});
  } catch (err) {
    throw modelLoadError(name, err, metadata);
  }
  return {model, metadata};
}
