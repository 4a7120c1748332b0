// The tf.layers model a layer list describes (parsing and shapes: layer-list.js), and the
// optimizers by name. The Keras layers of sitegen/models/keras_models.py compute the same.
import * as tf from '@tensorflow/tfjs';
import TABLES from 'sitegen:tables';
import {LAYER_KINDS, inferShapes} from './layer-list.js';

export {LayerListError, countParams, formatShape, inferShapes, parseLayerList} from './layer-list.js';
export {LAYER_KINDS};

// layerName -> activation function, for the activation layers (ReLU -> 'relu')
const ACTIVATION_LAYERS = Object.fromEntries(Object.entries(LAYER_KINDS)
  .filter(([, kind]) => kind.activation).map(([name, kind]) => [name, kind.activation]));

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

/** The optimizer by name: a key of TABLES.optimizers, as in sitegen.toml and the demo options. */
export function makeOptimizer(name, learningRate) {
  if (!(name in TABLES.optimizers)) throw new Error(`unknown optimizer '${name}'`);
  return tf.train[name](learningRate);
}
