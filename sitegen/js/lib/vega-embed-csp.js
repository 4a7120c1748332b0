// vega-embed for pages without 'unsafe-eval'. tfjs-vis draws its charts with vega-embed,
// and vega compiles chart expressions with the Function constructor unless it is told to
// keep them as syntax trees (ast: true) and run them with vega-interpreter. esbuild sends
// tfjs-vis's imports of 'vega-embed' here (see build.mjs).
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

export default function embedWithoutEval(el, spec, options = {}) {
  return embed(el, spec, {
    ...options, ast: true, viewClass: InterpretedView, tooltip: tooltipOptions(options.tooltip),
  });
}
