// The explore widget's DOM: the example large, its true label (and the model's guess,
// confidence and runners-up; with the build's answers, this browser's own answer beside
// them), Previous / Next / Random, the index field and "only mistakes". Input goes to the
// controller's actions; show() paints whatever example it is given.
import {h, field, numberInput, paintImage, formatInt, formatPercent} from '../../lib/ui.js';

export class ExploreView {
  /**
   * @param {{split, count, start, withModel: boolean, mistakes: number, checked: boolean,
   *          note: string|null}} settings  `checked`: the guesses are the build's and this
   *   browser checks them (the parity line); `note`: a sentence about where they come from
   */
  constructor(body, {split, count, start, withModel, mistakes, checked = false, note = null}) {
    this.split = split;
    this.count = count;
    this.image = h('canvas', {class: 'sg-w-explore-image', role: 'img'});
    this.index = numberInput(start, {min: 0, max: count - 1});
    this.index.classList.add('sg-w-index');
    this.prev = h('button', {type: 'button', text: '← Previous', 'aria-keyshortcuts': 'ArrowLeft'});
    this.next = h('button', {type: 'button', text: 'Next →', 'aria-keyshortcuts': 'ArrowRight'});
    this.random = h('button', {type: 'button', text: 'Random'});
    this.onlyMistakes = h('input', {type: 'checkbox', disabled: !withModel});
    const mistakesLabel = h('label', {class: 'sg-w-check'}, this.onlyMistakes,
      ` Only mistakes${withModel ? ` (${formatInt(mistakes)})` : ' (needs a model)'}`);
    this.trueLabel = h('dd', {class: 'sg-w-true-label sg-w-label-big'});
    this.guess = h('dd', {class: 'sg-w-guess'});
    this.confidence = h('dd', {class: 'sg-w-confidence'});
    this.others = h('dd', {class: 'sg-w-explore-others'});
    this.othersTerm = h('dt', {text: 'Runners-up'});
    this.position = h('p', {class: 'sg-w-status', 'aria-live': 'polite'});
    this.parity = checked ? h('p', {class: 'sg-w-explore-parity', 'aria-live': 'polite'}) : null;
    const facts = [h('dt', {text: 'True label'}), this.trueLabel];
    if (withModel) {
      facts.push(h('dt', {text: 'Model guess'}), this.guess, h('dt', {text: 'Confidence'}), this.confidence,
        this.othersTerm, this.others);
    }
    this.body = body;
    body.append(
      h('div', {class: 'sg-w-explore-layout'}, this.image,
        h('div', {class: 'sg-w-explore-facts'}, h('dl', {}, facts), this.parity,
          note && h('p', {class: 'sg-w-hint sg-w-explore-note', text: note}), this.position)),
      h('div', {class: 'sg-w-buttons'}, this.prev, this.next, this.random,
        field(`Index in ${split} split`, this.index).wrap, mistakesLabel));
  }

  /** Report input to `actions`: {step(direction), random(), go(index), onlyMistakes(on)}. */
  bind(actions) {
    this.prev.addEventListener('click', () => actions.step(-1));
    this.next.addEventListener('click', () => actions.step(1));
    this.random.addEventListener('click', () => actions.random());
    this.index.addEventListener('change', () => actions.go(Math.round(Number(this.index.value) || 0)));
    this.onlyMistakes.addEventListener('change', () => actions.onlyMistakes(this.onlyMistakes.checked));
    this.body.tabIndex = -1;
    this.body.addEventListener('keydown', (event) => {
      if (event.target === this.index) return;
      if (event.key === 'ArrowRight') actions.step(1);
      else if (event.key === 'ArrowLeft') actions.step(-1);
      else return;
      event.preventDefault();
    });
  }

  /**
   * Example `index`: its pixels (uint8 [h, w, c] of `shape`), the name of its true label, and
   * with a model {name, right, confidence, others: [{name, confidence}]} of the guess.
   */
  show(index, pixels, shape, truthName, guess) {
    const [height, width, channels] = shape;
    this.index.value = String(index);
    paintImage(this.image, pixels, height, width, channels);
    this.trueLabel.textContent = truthName;
    this.image.setAttribute('aria-label', `${this.split} example ${index}, labelled ${truthName}`);
    if (guess) {
      this.guess.textContent = guess.name;
      this.guess.className = `sg-w-guess ${guess.right ? 'sg-w-right' : 'sg-w-wrong'}`;
      this.confidence.textContent = formatPercent(guess.confidence);
      this.others.textContent = guess.others.map((o) => `${o.name} (${formatPercent(o.confidence)})`).join(', ');
      this.others.hidden = this.othersTerm.hidden = !guess.others.length;
    }
    this.say(`Example ${formatInt(index)} of ${formatInt(this.count)} (${this.split} split).`);
  }

  /**
   * This browser's answer for the example shown: {same, browser, build} (each {name,
   * confidence}), or {waiting: text}, or {error: message}.
   */
  showParity({same, browser, build, waiting, error}) {
    const answer = (a) => `${a.name} (${formatPercent(a.confidence)})`;
    let text;
    if (error) text = `This browser could not check the guess: ${error.replace(/\.$/, '')}.`;
    else if (waiting) text = `This browser's answer: ${waiting}`;
    else if (same) text = `This browser's answer: ${answer(browser)} — same as the build's.`;
    else text = `This browser's answer: ${answer(browser)} — the build's was ${answer(build)}.`;
    this.parity.textContent = text;
    this.parity.className = `sg-w-explore-parity${browser && !same ? ' sg-w-explore-differs' : ''}`;
  }

  say(text) {
    this.position.textContent = text;
  }
}
