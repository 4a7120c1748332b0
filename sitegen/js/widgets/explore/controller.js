// The explore widget's state and actions: which example is shown, moves (every example, or
// only the model's mistakes), and the model's guess for every example, asked for once.
import * as tf from '@tensorflow/tfjs';

const PREDICT_BATCH = 256;

/** Every example's guess and confidence ({guesses, confidences}), predicted in batches. */
export async function predictAll(model, data, split, onProgress) {
  const count = data.count(split);
  const guesses = new Int32Array(count);
  const confidences = new Float32Array(count);
  for (let start = 0; start < count; start += PREDICT_BATCH) {
    const n = Math.min(PREDICT_BATCH, count - start);
    const [best, confidence] = tf.tidy(() => {
      const pixels = tf.tensor4d(new Int32Array(data.images(split, start, start + n)), [n, ...data.shape], 'int32');
      const probabilities = model.predict(data.toUnit(pixels));
      return [probabilities.argMax(-1), probabilities.max(-1)];
    });
    guesses.set(await best.data(), start);
    confidences.set(await confidence.data(), start);
    best.dispose();
    confidence.dispose();
    onProgress((start + n) / count);
  }
  return {guesses, confidences};
}

/** {truth: class index per example, mistakes: indices the model gets wrong} of a split. */
export function exploreFacts(data, split, predictions) {
  const truth = Int32Array.from({length: data.count(split)}, (_, i) => data.label(split, i));
  const mistakes = predictions ? Array.from(truth.keys()).filter((i) => predictions.guesses[i] !== truth[i]) : [];
  return {truth, mistakes};
}

export class ExploreController {
  constructor({data, split, predictions, truth, mistakes, view, el}) {
    Object.assign(this, {data, split, predictions, truth, mistakes, view, el});
    this.count = truth.length;
    this.current = -1;
    this.mistakesOnly = false;
    this.state = {truth, predictions, mistakes};
  }

  show(i) {
    const current = Math.max(0, Math.min(this.count - 1, i));
    this.current = current;
    const {data, predictions, truth} = this;
    let guess = null;
    if (predictions) {
      const g = predictions.guesses[current];
      guess = {name: data.classNames[g], right: g === truth[current], confidence: predictions.confidences[current]};
    }
    this.view.show(current, data.image(this.split, current), data.shape, data.classNames[truth[current]] ?? '?', guess);
    this.el.dataset.index = String(current);
  }

  go(i) {
    this.show(i);
  }

  // With "only mistakes", moves go to the next wrong answer in that direction.
  step(direction) {
    const {mistakes, current} = this;
    if (this.mistakesOnly) {
      if (!mistakes.length) return;
      const later = direction > 0 ? mistakes.find((i) => i > current) : [...mistakes].reverse().find((i) => i < current);
      this.show(later ?? (direction > 0 ? mistakes[0] : mistakes[mistakes.length - 1]));
    } else {
      this.show((current + direction + this.count) % this.count);
    }
  }

  random() {
    const pool = this.mistakesOnly ? this.mistakes : null;
    this.show(pool ? pool[Math.floor(Math.random() * pool.length)] ?? this.current : Math.floor(Math.random() * this.count));
  }

  onlyMistakes(on) {
    this.mistakesOnly = on;
    if (on && this.mistakes.length && !this.mistakes.includes(this.current)) this.step(1);
    if (on && !this.mistakes.length) this.view.say('The model gets every example right.');
  }
}
