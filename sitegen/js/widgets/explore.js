// `explore`: browse a data set's split by index (the EMNIST viewer). Previous / next /
// random, or only the examples the model gets wrong; the image large, its true label, and
// with a model its guess and confidence.
import * as tf from '@tensorflow/tfjs';
import {startWidget} from '../lib/shell.js';
import {loadDataset, loadModel, WidgetError} from '../lib/resources.js';
import {h, field, numberInput, paintImage, progressBar, formatInt, formatPercent} from '../lib/ui.js';

const PREDICT_BATCH = 256;

// Every example's guess and confidence, predicted in batches; only the answers stay.
async function predictAll(model, images, count, shape, onProgress) {
  const [height, width, channels] = shape;
  const size = height * width * channels;
  const guesses = new Int32Array(count);
  const confidences = new Float32Array(count);
  for (let start = 0; start < count; start += PREDICT_BATCH) {
    const n = Math.min(PREDICT_BATCH, count - start);
    const [best, confidence] = tf.tidy(() => {
      const pixels = new Int32Array(images.subarray(start * size, (start + n) * size));
      const xs = tf.tensor4d(pixels, [n, height, width, channels], 'int32').toFloat().mul(1 / 255);
      const probabilities = model.predict(xs);
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

export async function mount(el, {options, ...context}) {
  const shell = await startWidget(el, 'explore');
  const loading = progressBar('Loading');
  shell.body.append(loading.el);
  const data = await loadDataset(context, options.dataset, loading);
  const split = options.split;
  const images = split === 'train' ? data.trainImages : data.testImages;
  const labels = split === 'train' ? data.trainLabels : data.testLabels;
  const count = split === 'train' ? data.numTrain : data.numTest;
  if (count === 0) throw new WidgetError(`The ${split} split of "${options.dataset}" is empty.`, 'Pick the other split.');
  const truth = Int32Array.from({length: count}, (_, i) => labels.subarray(i * data.numClasses, (i + 1) * data.numClasses).indexOf(1));

  let predictions = null;
  if (options.model) {
    const {model} = await loadModel(context, options.model);
    loading.set(0, 'Asking the model about every example…');
    predictions = await predictAll(model, images, count, data.shape,
      (fraction) => loading.set(fraction, `Model guesses: ${formatPercent(fraction)}`));
    model.dispose();
  }
  loading.el.remove();
  const mistakes = predictions ? Array.from(truth.keys()).filter((i) => predictions.guesses[i] !== truth[i]) : [];

  const image = h('canvas', {class: 'sg-w-explore-image', role: 'img'});
  const index = numberInput(Math.min(options.start, count - 1), {min: 0, max: count - 1});
  index.classList.add('sg-w-index');
  const prev = h('button', {type: 'button', text: '← Previous', 'aria-keyshortcuts': 'ArrowLeft'});
  const next = h('button', {type: 'button', text: 'Next →', 'aria-keyshortcuts': 'ArrowRight'});
  const random = h('button', {type: 'button', text: 'Random'});
  const onlyMistakes = h('input', {type: 'checkbox', disabled: !predictions});
  const mistakesLabel = h('label', {class: 'sg-w-check'}, onlyMistakes,
    ` Only mistakes${predictions ? ` (${formatInt(mistakes.length)})` : ' (needs a model)'}`);
  const trueLabel = h('dd', {class: 'sg-w-true-label sg-w-label-big'});
  const guess = h('dd', {class: 'sg-w-guess'});
  const confidence = h('dd', {class: 'sg-w-confidence'});
  const position = h('p', {class: 'sg-w-status', 'aria-live': 'polite'});
  const facts = [h('dt', {text: 'True label'}), trueLabel];
  if (predictions) facts.push(h('dt', {text: 'Model guess'}), guess, h('dt', {text: 'Confidence'}), confidence);
  shell.body.append(
    h('div', {class: 'sg-w-explore-layout'}, image,
      h('div', {class: 'sg-w-explore-facts'}, h('dl', {}, facts), position)),
    h('div', {class: 'sg-w-buttons'}, prev, next, random, field(`Index in ${split} split`, index).wrap, mistakesLabel));

  const [height, width, channels] = data.shape;
  let current = -1;
  function show(i) {
    current = Math.max(0, Math.min(count - 1, i));
    index.value = String(current);
    paintImage(image, images.subarray(current * data.exampleSize, (current + 1) * data.exampleSize), height, width, channels);
    const name = data.classNames[truth[current]] ?? '?';
    trueLabel.textContent = name;
    image.setAttribute('aria-label', `${split} example ${current}, labelled ${name}`);
    if (predictions) {
      const g = predictions.guesses[current];
      guess.textContent = data.classNames[g];
      guess.className = `sg-w-guess ${g === truth[current] ? 'sg-w-right' : 'sg-w-wrong'}`;
      confidence.textContent = formatPercent(predictions.confidences[current]);
    }
    position.textContent = `Example ${formatInt(current)} of ${formatInt(count)} (${split} split).`;
    el.dataset.index = String(current);
  }

  // With "only mistakes", moves go to the next wrong answer in that direction.
  function step(direction) {
    if (onlyMistakes.checked) {
      if (!mistakes.length) return;
      const later = direction > 0 ? mistakes.find((i) => i > current) : [...mistakes].reverse().find((i) => i < current);
      show(later ?? (direction > 0 ? mistakes[0] : mistakes[mistakes.length - 1]));
    } else {
      show((current + direction + count) % count);
    }
  }

  prev.addEventListener('click', () => step(-1));
  next.addEventListener('click', () => step(1));
  random.addEventListener('click', () => {
    const pool = onlyMistakes.checked ? mistakes : null;
    show(pool ? pool[Math.floor(Math.random() * pool.length)] ?? current : Math.floor(Math.random() * count));
  });
  index.addEventListener('change', () => show(Math.round(Number(index.value) || 0)));
  onlyMistakes.addEventListener('change', () => {
    if (onlyMistakes.checked && mistakes.length && !mistakes.includes(current)) step(1);
    if (onlyMistakes.checked && !mistakes.length) position.textContent = 'The model gets every example right.';
  });
  shell.body.tabIndex = -1;
  shell.body.addEventListener('keydown', (event) => {
    if (event.target === index) return;
    if (event.key === 'ArrowRight') step(1);
    else if (event.key === 'ArrowLeft') step(-1);
    else return;
    event.preventDefault();
  });
  el.sgExplore = {truth, predictions, mistakes};
  show(Number(index.value));
}
