// The explore widget's state and actions: which example is shown, moves (every example, or
// only the model's mistakes), the model's answers for every example, and the check of the
// shown example by the model running in this browser.
//
// Answers are {k, classes, probabilities}: for example i its k most probable classes,
// best first, at i*k .. i*k+k-1 of both arrays. They come from the build
// (test-predictions.js); where the build's do not cover the split (the train split), from
// predictAll, which runs the model over the split in the browser.
import * as tf from '@tensorflow/tfjs';
import {SAME_WITHIN} from './browser-check.js';

const PREDICT_BATCH = 256;
// Runner-up answers less probable than this would read "0.0%": not shown.
const SHOWN_FROM = 0.0005;

/** Every example's best guess and its probability (answers with k = 1), predicted in batches. */
export async function predictAll(model, data, split, onProgress) {
  const count = data.count(split);
  const classes = new Int32Array(count);
  const probabilities = new Float32Array(count);
  for (let start = 0; start < count; start += PREDICT_BATCH) {
    const n = Math.min(PREDICT_BATCH, count - start);
    const [best, confidence] = tf.tidy(() => {
      const pixels = tf.tensor4d(new Int32Array(data.images(split, start, start + n)), [n, ...data.shape], 'int32');
      const output = model.predict(data.toUnit(pixels));
      return [output.argMax(-1), output.max(-1)];
    });
    classes.set(await best.data(), start);
    probabilities.set(await confidence.data(), start);
    best.dispose();
    confidence.dispose();
    onProgress((start + n) / count);
  }
  return {k: 1, classes, probabilities};
}

/** {truth: class index per example, mistakes: indices whose best answer is wrong} of a split. */
export function exploreFacts(data, split, answers) {
  const truth = Int32Array.from({length: data.count(split)}, (_, i) => data.label(split, i));
  const mistakes = answers ? Array.from(truth.keys()).filter((i) => answers.classes[i * answers.k] !== truth[i]) : [];
  return {truth, mistakes};
}

/** The k answers for example i: [{index, probability}], best first. */
function answersFor(answers, i) {
  return Array.from({length: answers.k}, (_, j) => ({
    index: answers.classes[i * answers.k + j], probability: answers.probabilities[i * answers.k + j]}));
}

export class ExploreController {
  /** `check`: a BrowserCheck when the answers are the build's, else null. */
  constructor({data, split, answers, check, truth, mistakes, view, el}) {
    Object.assign(this, {data, split, answers, check, truth, mistakes, view, el});
    this.count = truth.length;
    this.current = -1;
    this.mistakesOnly = false;
    // parity: how many examples this browser's model checked, how many it answered differently
    this.state = {truth, answers, mistakes, answersFrom: check ? 'build' : answers ? 'browser' : null,
      parity: {checked: 0, differing: 0, last: null}};
  }

  show(i) {
    const current = Math.max(0, Math.min(this.count - 1, i));
    this.current = current;
    const {data, answers, truth} = this;
    let guess = null;
    if (answers) {
      const [best, ...others] = answersFor(answers, current);
      guess = {...this.named(best), right: best.index === truth[current],
        others: others.filter((a) => a.probability >= SHOWN_FROM).map((a) => this.named(a))};
    }
    this.view.show(current, data.image(this.split, current), data.shape, data.classNames[truth[current]] ?? '?', guess);
    this.el.dataset.index = String(current);
    this.check?.check(current);
  }

  /** BrowserCheck's report for example `index`: shown when it is still on screen. */
  browserSays(index, {waiting, answer, error}) {
    if (answer) {
      const build = answersFor(this.answers, index)[0];
      const same = answer.index === build.index && Math.abs(answer.probability - build.probability) <= SAME_WITHIN;
      const parity = this.state.parity;
      parity.checked += 1;
      parity.differing += same ? 0 : 1;
      parity.last = {index, browser: answer, build, same};
      if (index !== this.current) return;
      this.el.dataset.parity = same ? 'same' : 'differs';
      this.view.showParity({same, browser: this.named(answer), build: this.named(build)});
    } else if (index === this.current) {
      this.el.dataset.parity = error ? 'error' : 'waiting';
      this.view.showParity({waiting, error});
    }
  }

  named({index, probability}) {
    return {name: this.data.classNames[index], confidence: probability};
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
