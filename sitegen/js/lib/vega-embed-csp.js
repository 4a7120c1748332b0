// vega-embed for pages without 'unsafe-eval', in the page's colours. tfjs-vis draws its charts
// with vega-embed, and vega compiles chart expressions with the Function constructor unless
// it is told to keep them as syntax trees (ast: true) and run them with vega-interpreter.
// esbuild sends tfjs-vis's imports of 'vega-embed' here (see build.mjs). Only authors'
// scripts that import js/tfjs-vis.js load it: the widgets draw their own charts as small SVG
// (lib/svg-charts.js) and never load vega.
//
// vega draws in fixed colours (white panels, black text) where the page may be dark: every
// chart gets a config made of the theme's CSS variables (templates/static/style.css) and is
// drawn again when the theme changes (the toggle sets data-theme; the system follows
// prefers-color-scheme).
import embed from 'vega-embed';
import {View} from 'vega';
import {expressionInterpreter} from 'vega-interpreter';

class InterpretedView extends View {
  constructor(runtime, options) {
    super(runtime, {...options, expr: expressionInterpreter});
  }
}

// vega-tooltip's default look is a <style> element, which the CSP blocks; the theme's
// stylesheet styles #vg-tooltip-element instead.
function tooltipOptions(tooltip) {
  if (tooltip === false) return false;
  return {...(typeof tooltip === 'object' ? tooltip : {}), disableDefaultStyle: true};
}

// Series colours after the accent: distinct in light and dark.
const SERIES = ['#e8710a', '#1e9e5a', '#b3261e', '#8250df', '#0e8fa3', '#c0399b'];

/** A vega(-lite) config in the colours of the theme that applies to `el`. */
export function themeConfig(el) {
  const style = getComputedStyle(el);
  const color = (name, fallback) => style.getPropertyValue(name).trim() || fallback;
  const bg = color('--bg', '#ffffff');
  const soft = color('--bg-soft', '#f5f6f8');
  const fg = color('--fg', '#1d2129');
  const fgSoft = color('--fg-soft', '#5b6270');
  const border = color('--border', '#dde1e7');
  const accent = color('--accent', '#2f6fde');
  const font = style.fontFamily;
  return {
    background: bg,
    font,
    view: {stroke: border},
    axis: {domainColor: fgSoft, tickColor: fgSoft, gridColor: border, labelColor: fgSoft, titleColor: fg,
      labelFont: font, titleFont: font},
    legend: {labelColor: fg, titleColor: fg, labelFont: font, titleFont: font},
    title: {color: fg, font},
    header: {labelColor: fg, titleColor: fg},
    text: {color: fg, font},
    range: {category: [accent, ...SERIES], heatmap: [soft, accent], ramp: [soft, accent]},
  };
}

const drawn = new Map();  // element -> {spec, options, result: Promise of vega-embed's result}

function draw(el, spec, options) {
  const previous = drawn.get(el);
  const result = embed(el, spec, {
    // defaultStyle: vega-embed's own look is a <style> element too
    ...options, ast: true, viewClass: InterpretedView, tooltip: tooltipOptions(options.tooltip), defaultStyle: false,
    config: {...themeConfig(el), ...(options.config ?? {})},
  });
  drawn.set(el, {spec, options, result});
  // The view drawn before into this element stops listening (vega-embed leaves it running).
  previous?.result.then((old) => old.finalize(), () => {});
  return result;
}

function redrawAll() {
  for (const [el, {spec, options, result}] of drawn) {
    if (el.isConnected) {
      draw(el, spec, options);
    } else {
      drawn.delete(el);
      result.then((old) => old.finalize(), () => {});
    }
  }
}

if (typeof document !== 'undefined') {
  matchMedia('(prefers-color-scheme: dark)').addEventListener('change', redrawAll);
  new MutationObserver(redrawAll).observe(document.documentElement, {attributes: true, attributeFilter: ['data-theme']});
}

export default function embedWithoutEval(target, spec, options = {}) {
  const el = typeof target === 'string' ? document.querySelector(target) : target;
  for (const [old, {result}] of drawn) {  // forget charts that left the page
    if (!old.isConnected) {
      drawn.delete(old);
      result.then((view) => view.finalize(), () => {});
    }
  }
  return draw(el, spec, options);
}
