// The TF.js kernels the prediction worker's own bundle registers (build.mjs: the predict
// bundle), for each of its backends (cpu, WebGL and, in its lazy chunk, wasm). Full tfjs
// registers about 170 kernels per backend; a layers model's predict() dispatches to a
// handful, so the draw page downloads a third of the JavaScript.
//
// The list follows from the layer kinds of sitegen/tables.py LAYER_KINDS as the build makes
// them (models/keras_models.py) and tfjs-layers runs them, read from tf.profile() of each
// layer's predict in tfjs 4.22; tests/browser/test_predict_bundle.py predicts a model with
// every layer kind with this bundle and with full tfjs and compares. A model with any other
// layer (a builder or a loaded Keras model: BatchNormalization, LeakyReLU, ...) needs a
// kernel missing here: the worker then says which (workers/predict.js) and lib/predictor.js
// starts the same worker bundled with all of tfjs instead.
//
// Each name is a kernel name and the file of its config in every backend's dist/kernels/.
export const PREDICT_KERNELS = [
  'Slice',         // every model: tfjs-layers slices the batch it predicts
  'Identity',      // every model: the output, Dropout and 'linear' activations
  'Reshape',       // Flatten
  'FusedConv2D',   // Convolution (bias and activation fused in)
  'PadV2',         // zeroPad that 'same' padding does not give: ZeroPadding2D
  'MaxPool',       // Max pool
  'AvgPool',       // Avg pool
  'Cast',          // Avg pool (tfjs casts its input to float32)
  '_FusedMatMul',  // Fully connected / Dense (bias, and relu/linear, fused in)
  'Add',           // Dense with an activation that does not fuse (tanh, sigmoid, softmax): the bias
  'Relu',          // ReLU
  'Tanh',          // Tanh, and the activation field's 'tanh'
  'Sigmoid',       // Sigmoid, and 'sigmoid'
  'Softmax',       // Softmax, 'softmax', and the softmax every model ends in
];
