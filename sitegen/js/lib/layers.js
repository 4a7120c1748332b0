// Layer lists in the deeplearn.js model-builder style, their shapes, and the tf.layers
// model they describe. The rules mirror sitegen/models/layers.py (LAYER_KINDS) and
// sitegen/models/keras_models.py, so a list means the same thing in the build and here;
// messages read the same too.
import * as tf from '@tensorflow/tfjs';

export const ACTIVATIONS = ['linear', 'relu', 'tanh', 'sigmoid', 'softmax'];

const int = (min, fallback) => ({kind: 'int', min, fallback});
const WINDOW = {fieldSize: int(1), zeroPad: int(0, 0)};
const POOL = {needs: 'image', rule: 'window',
  fields: {...WINDOW, stride: {kind: 'int', min: 1, fallbackFrom: 'fieldSize'}}};

/** layerName -> {fields, needs: image|flat|any, rule: window|same|flatten|units, sizeField} */
export const LAYER_KINDS = {
  'Convolution': {needs: 'image', rule: 'window', sizeField: 'outputDepth',
    fields: {...WINDOW, stride: int(1, 1), outputDepth: int(1)}},
  'Max pool': POOL,
  'Avg pool': POOL,
  'ReLU': {needs: 'any', rule: 'same', fields: {}},
  'Tanh': {needs: 'any', rule: 'same', fields: {}},
  'Sigmoid': {needs: 'any', rule: 'same', fields: {}},
  'Softmax': {needs: 'any', rule: 'same', fields: {}},
  'Dropout': {needs: 'any', rule: 'same', fields: {rate: {kind: 'float', min: 0, below: 1, fallback: 0.5}}},
  'Flatten': {needs: 'any', rule: 'flatten', fields: {}},
  'Fully connected': {needs: 'flat', rule: 'units', sizeField: 'hiddenUnits',
    fields: {hiddenUnits: int(1), activation: {kind: 'choice', choices: ACTIVATIONS, fallback: 'linear'}}},
  'Dense': {needs: 'flat', rule: 'units', sizeField: 'units',
    fields: {units: int(1), activation: {kind: 'choice', choices: ACTIVATIONS, fallback: 'linear'}}},
};

/** A layer list that cannot be used; `index` is the 1-based layer it is about (or null). */
export class LayerListError extends Error {
  constructor(message, index = null) {
    super(message);
    this.name = 'LayerListError';
    this.index = index;
  }
}

export const formatShape = (shape) => shape.join('x');

function describe(field) {
  if (field.kind === 'choice') return 'one of ' + field.choices.map((c) => `'${c}'`).join(', ');
  const kind = field.kind === 'int' ? 'an integer' : 'a number';
  if (field.min != null && field.below != null) return `${kind} from ${field.min} up to (not including) ${field.below}`;
  if (field.min != null) return `${kind} >= ${field.min}`;
  return kind;
}

function checkField(value, field, what, index) {
  let ok;
  if (field.kind === 'choice') ok = field.choices.includes(value);
  else if (field.kind === 'int') ok = Number.isInteger(value);
  else ok = typeof value === 'number' && Number.isFinite(value);
  if (ok && field.kind !== 'choice') {
    if (field.min != null && value < field.min) ok = false;
    if (field.below != null && value >= field.below) ok = false;
  }
  if (!ok) throw new LayerListError(`${what}: expected ${describe(field)}, got ${JSON.stringify(value)}`, index);
  return value;
}

/** Check a parsed layer-list JSON value; returns [{index, name, params}] with defaults filled. */
export function parseLayerList(raw) {
  if (!Array.isArray(raw) || raw.length === 0) {
    throw new LayerListError('a layer list must be a non-empty JSON array of layer objects');
  }
  const known = Object.keys(LAYER_KINDS).join(', ');
  return raw.map((entry, i) => {
    const index = i + 1;
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
      throw new LayerListError(`layer ${index}: expected an object with a 'layerName', got ${JSON.stringify(entry)}`, index);
    }
    const name = entry.layerName;
    const kind = LAYER_KINDS[name];
    if (!kind) {
      const shown = name == null ? 'no layerName' : `unknown layerName ${JSON.stringify(name)}`;
      throw new LayerListError(`layer ${index}: ${shown} (known: ${known})`, index);
    }
    const label = `layer ${index} ('${name}')`;
    for (const key of Object.keys(entry)) {
      if (key !== 'layerName' && !(key in kind.fields)) {
        const allowed = Object.keys(kind.fields).join(', ') || 'no fields';
        throw new LayerListError(`${label}: unknown field '${key}' (allowed: ${allowed})`, index);
      }
    }
    const params = {};
    for (const [key, field] of Object.entries(kind.fields)) {
      if (key in entry) params[key] = checkField(entry[key], field, `${label}: field '${key}'`, index);
      else if (field.fallbackFrom) continue;
      else if (field.fallback === undefined) {
        throw new LayerListError(`${label}: field '${key}' is missing (${describe(field)})`, index);
      } else params[key] = field.fallback;
    }
    for (const [key, field] of Object.entries(kind.fields)) {
      if (!(key in params) && field.fallbackFrom) params[key] = params[field.fallbackFrom];
    }
    return {index, name, params};
  });
}

/** deeplearn.js' output size of a convolution or pool along one axis (may be < 1). */
export const windowOutput = (size, fieldSize, stride, zeroPad) =>
  Math.floor((size - fieldSize + 2 * zeroPad) / stride) + 1;

/**
 * Shapes through the list: [{spec, inputShape, outputShape, params}]. Throws a
 * LayerListError at the first layer whose shapes do not flow; with `numClasses` the
 * output must be flat with one unit per class.
 */
export function inferShapes(specs, inputShape, numClasses = null) {
  let shape = inputShape.slice();
  const rows = [];
  for (const spec of specs) {
    const kind = LAYER_KINDS[spec.name];
    const p = spec.params;
    const label = `layer ${spec.index} ('${spec.name}')`;
    if (kind.needs === 'image' && shape.length !== 3) {
      throw new LayerListError(`${label} needs an image input (height x width x depth) but gets ` +
        `${formatShape(shape)}: it cannot follow a Flatten or a fully connected layer`, spec.index);
    }
    if (kind.needs === 'flat' && shape.length !== 1) {
      throw new LayerListError(`${label} needs a flat input but gets ${formatShape(shape)}: ` +
        'add a Flatten before it', spec.index);
    }
    let params = 0;
    let next;
    if (kind.rule === 'window') {
      const [h, w, depth] = shape;
      const oh = windowOutput(h, p.fieldSize, p.stride, p.zeroPad);
      const ow = windowOutput(w, p.fieldSize, p.stride, p.zeroPad);
      if (oh < 1 || ow < 1) {
        const pad = p.zeroPad ? ` zeroPad ${p.zeroPad}` : '';
        throw new LayerListError(`${label}: input ${formatShape(shape)} is too small for fieldSize ` +
          `${p.fieldSize} stride ${p.stride}${pad} -- make sure your shapes flow`, spec.index);
      }
      const outDepth = kind.sizeField ? p[kind.sizeField] : depth;
      if (kind.sizeField) params = p.fieldSize * p.fieldSize * depth * outDepth + outDepth;
      next = [oh, ow, outDepth];
    } else if (kind.rule === 'flatten') {
      next = [shape.reduce((a, b) => a * b, 1)];
    } else if (kind.rule === 'units') {
      const units = p[kind.sizeField];
      params = shape[0] * units + units;
      next = [units];
    } else {
      next = shape;
    }
    rows.push({spec, inputShape: shape, outputShape: next, params});
    shape = next;
  }
  if (numClasses != null) {
    const last = specs[specs.length - 1];
    if (shape.length !== 1) {
      throw new LayerListError(`layer ${last.index} ('${last.name}'): the model ends with shape ` +
        `${formatShape(shape)}, but it must end flat with ${numClasses} units, one per class: add a Flatten ` +
        `and a 'Fully connected' layer with hiddenUnits ${numClasses}`, last.index);
    }
    if (shape[0] !== numClasses) {
      throw new LayerListError(`the last layer's output has ${shape[0]} units but the data set has ` +
        `${numClasses} classes: set the last 'Fully connected' layer's hiddenUnits to ${numClasses}`, last.index);
    }
  }
  return rows;
}

export const countParams = (rows) => rows.reduce((sum, row) => sum + row.params, 0);

const ACTIVATION_LAYERS = {ReLU: 'relu', Tanh: 'tanh', Sigmoid: 'sigmoid', Softmax: 'softmax'};

// The tf.layers for one entry, computing what sitegen/models/keras_models.py's Keras layers
// compute. `activation` is that of a ReLU/Tanh/Sigmoid/Softmax entry right after a
// Convolution or Fully connected one, taken into the layer as Keras code writes it: tfjs
// then runs convolution, bias and ReLU as one fused kernel, which trains faster than three.
function tfLayers(spec, activation, isLast) {
  const p = spec.params;
  const out = [];
  // Padding that 'same' gives exactly (stride 1, odd field, (field - 1) / 2 each side) is
  // the convolution's own; any other is a ZeroPadding2D layer in front.
  const same = spec.name === 'Convolution' && p.stride === 1 && p.fieldSize % 2 === 1 &&
    p.zeroPad === (p.fieldSize - 1) / 2;
  if (['Convolution', 'Max pool', 'Avg pool'].includes(spec.name) && p.zeroPad > 0 && !same) {
    out.push(tf.layers.zeroPadding2d({padding: p.zeroPad}));
  }
  switch (spec.name) {
    case 'Convolution':
      out.push(tf.layers.conv2d({filters: p.outputDepth, kernelSize: p.fieldSize, strides: p.stride,
        padding: same ? 'same' : 'valid', activation, kernelInitializer: 'varianceScaling'}));
      break;
    case 'Max pool':
      out.push(tf.layers.maxPooling2d({poolSize: p.fieldSize, strides: p.stride, padding: 'valid'}));
      break;
    case 'Avg pool':
      out.push(tf.layers.averagePooling2d({poolSize: p.fieldSize, strides: p.stride, padding: 'valid'}));
      break;
    case 'ReLU': case 'Tanh': case 'Sigmoid': case 'Softmax':
      out.push(tf.layers.activation({activation: ACTIVATION_LAYERS[spec.name]}));
      break;
    case 'Dropout':
      out.push(tf.layers.dropout({rate: p.rate}));
      break;
    case 'Flatten':
      out.push(tf.layers.flatten());
      break;
    default: {  // Fully connected / Dense
      let own = activation ?? p.activation;
      if (isLast && own === 'linear') own = 'softmax';
      out.push(tf.layers.dense({units: p.hiddenUnits ?? p.units, activation: own}));
    }
  }
  return out;
}

/** A tf.Sequential for a checked layer list; ends in a softmax like the build's models. */
export function buildModel(specs, inputShape, numClasses) {
  inferShapes(specs, inputShape, numClasses);
  const model = tf.sequential();
  model.add(tf.layers.inputLayer({inputShape}));
  for (let i = 0; i < specs.length; i++) {
    const spec = specs[i];
    const next = specs[i + 1];
    const dense = spec.name === 'Fully connected' || spec.name === 'Dense';
    const takesNext = next && ACTIVATION_LAYERS[next.name] && (spec.name === 'Convolution' ||
      (dense && (spec.params.activation ?? 'linear') === 'linear'));
    if (takesNext) i += 1;
    const layers = tfLayers(spec, takesNext ? ACTIVATION_LAYERS[next.name] : undefined, i === specs.length - 1);
    layers.forEach((layer) => model.add(layer));
  }
  const last = model.layers[model.layers.length - 1];
  const activation = last.getConfig().activation;
  if (activation !== 'softmax') model.add(tf.layers.activation({activation: 'softmax'}));
  return model;
}

/** The optimizer by name, as in sitegen.toml and the demo options. */
export function makeOptimizer(name, learningRate) {
  switch (name) {
    case 'sgd': return tf.train.sgd(learningRate);
    case 'rmsprop': return tf.train.rmsprop(learningRate);
    case 'adagrad': return tf.train.adagrad(learningRate);
    default: return tf.train.adam(learningRate);
  }
}
