// The explorer's guesses come from the build (test-predictions.js); this asks the converted
// model, running in this browser, about the example on screen, so a reader sees whether the
// two agree. One example at a time: when the reader moves on faster than the model answers,
// only the latest example is asked about.
import * as tf from '@tensorflow/tfjs';

/** Probabilities this close count as the same answer (a GPU may compute in float16). */
export const SAME_WITHIN = 0.01;

export class BrowserCheck {
  /**
   * `modelLoading`: a promise of {model} (lib/resources.js loadModel); `report(index, result)`
   * gets {waiting: text}, {answer: {index, probability}} or {error: message} for example `index`.
   */
  constructor({modelLoading, data, split, report}) {
    Object.assign(this, {data, split, report});
    this.model = null;
    this.error = null;
    this.wanted = null;
    this.busy = false;
    modelLoading.then(({model}) => {
      this.model = model;
      this.drain();
    }, (err) => {
      console.warn(err);
      this.error = [err.message, err.detail].filter(Boolean).join(' ');  // a WidgetError's detail names the file
      if (this.wanted != null) this.report(this.wanted, {error: this.error});
    });
  }

  /** Ask about example `index` of the split (after the one being asked about, if any). */
  check(index) {
    this.wanted = index;
    if (this.error) this.report(index, {error: this.error});
    else if (!this.model) this.report(index, {waiting: 'loading the model…'});
    else {
      this.report(index, {waiting: 'thinking…'});
      this.drain();
    }
  }

  async drain() {
    if (this.busy) return;
    this.busy = true;
    let index = null;
    try {
      while (this.wanted != null) {
        index = this.wanted;
        this.wanted = null;
        this.report(index, {answer: await this.predict(index)});
      }
    } catch (err) {
      console.warn(err);
      this.error = `the model failed to run (${err.message})`;
      this.report(index, {error: this.error});
    } finally {
      this.busy = false;
    }
  }

  async predict(index) {
    const {data, split} = this;
    const input = data.toUnit(data.image(split, index));
    const output = tf.tidy(() => this.model.predict(tf.tensor(input, [1, ...data.shape])));
    const probabilities = await output.data();  // async: the first answer compiles shaders
    output.dispose();
    let best = 0;
    for (let c = 1; c < probabilities.length; c++) if (probabilities[c] > probabilities[best]) best = c;
    return {index: best, probability: probabilities[best]};
  }
}
