// Layer lists in the deeplearn.js model-builder style: parsing and shape inference, with
// the same rules and messages as sitegen/models/layers.py. Both read the layer table of
// sitegen/tables.py (the module 'sitegen:tables'); tests run this file in Node beside the
// Python code over every layer list in the repository. No tfjs here: the model itself is
// made in layers.js.
import TABLES from 'sitegen:tables';

/** layerName -> {fields, needs: image|flat|any, rule: window|same|flatten|units, sizeField, activation} */
export const LAYER_KINDS = TABLES.layerKinds;

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
      else if (field.defaultFrom) continue;
      else if (field.default === undefined) {
        throw new LayerListError(`${label}: field '${key}' is missing (${describe(field)})`, index);
      } else params[key] = field.default;
    }
    for (const [key, field] of Object.entries(kind.fields)) {
      if (!(key in params) && field.defaultFrom) params[key] = params[field.defaultFrom];
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
