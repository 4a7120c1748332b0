// The codelab's data handling, for the training baseline: every image held in JS as a
// Float32Array of [0, 1] values (the codelab's data.js converts the whole sprite at load
// time), and nextTrainBatch(n) copying n random examples into a fresh Float32Array that
// tf.tensor2d uploads. Written for the benchmark after the codelab's description.
export class CodelabData {
  /** From uint8 pixels and one-hot uint8 labels (converted to float here, as the codelab's load() does). */
  constructor(tf, images, labels, numExamples, imageSize, numClasses) {
    this.tf = tf;
    this.imageSize = imageSize;
    this.numClasses = numClasses;
    this.images = new Float32Array(numExamples * imageSize);
    for (let i = 0; i < this.images.length; i++) this.images[i] = images[i] / 255;
    this.labels = labels.slice(0, numExamples * numClasses);
    this.order = tf.util.createShuffledIndices(numExamples);
    this.next = 0;
  }

  nextTrainBatch(batchSize) {
    const size = this.imageSize;
    const classes = this.numClasses;
    const xs = new Float32Array(batchSize * size);
    const ys = new Uint8Array(batchSize * classes);
    for (let i = 0; i < batchSize; i++) {
      const index = this.order[this.next];
      this.next = (this.next + 1) % this.order.length;
      xs.set(this.images.slice(index * size, (index + 1) * size), i * size);
      ys.set(this.labels.slice(index * classes, (index + 1) * classes), i * classes);
    }
    return {
      xs: this.tf.tensor2d(xs, [batchSize, size]),
      labels: this.tf.tensor2d(ys, [batchSize, classes], 'float32'),
    };
  }
}
