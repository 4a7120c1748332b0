// Turn a drawing into the image a model expects, the way its data set was made (the
// `preprocessing` block of the model's metadata.json, see sitegen/models/metadata.py).
// Pure functions on arrays: no DOM, no tfjs, so tests can run them on known pixels.
//
// Most data sets were made from pixels, so the drawing is read from the canvas:
//   mnist      bounding box scaled to fit `box` x `box` (20 of 28) keeping aspect, placed so
//              the centre of mass is the image centre; white ink on black
//   glyph      the whole canvas scaled to the image, ink read from the alpha channel
// Scaling averages every source pixel a target pixel covers (a box filter), which is the
// anti-aliasing of the data sets' own downscaling.
//
// Quick Draw's bitmaps were rendered from strokes, so the reader's strokes are too:
//   quickdraw  aligned to the top-left, scaled so the longest side is 255 and simplified, as
//              Quick Draw's simplified drawings were, then rendered by lib/strokes.js, the
//              data set's renderer (its line width, centring and anti-aliasing)
import {renderStrokes} from './strokes.js';

/** Ink below this (0..1) does not count for the bounding box (stray anti-aliased edges). */
const INK_THRESHOLD = 0.02;

/**
 * Ink amount in [0, 1] per pixel of an RGBA image ({data, width, height}, e.g. ImageData).
 * 'alpha' reads the alpha channel; 'luminance' composites over white and reads the luma,
 * inverted when `invert` (dark ink on light paper -> bright ink, as in MNIST).
 */
export function inkMap(image, channel = 'alpha', invert = false) {
  const {data, width, height} = image;
  const ink = new Float32Array(width * height);
  for (let i = 0, p = 0; p < ink.length; i += 4, p++) {
    let v;
    if (channel === 'alpha') {
      v = data[i + 3] / 255;
    } else {
      const a = data[i + 3] / 255;
      const luma = (0.299 * data[i] + 0.587 * data[i + 1] + 0.114 * data[i + 2]) / 255;
      v = luma * a + (1 - a);  // over white paper
    }
    ink[p] = invert ? 1 - v : v;
  }
  return ink;
}

/** [x0, y0, x1, y1) of the pixels with ink, or null for an empty drawing. */
export function boundingBox(ink, width, height) {
  let x0 = width;
  let y0 = height;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      if (ink[row + x] > INK_THRESHOLD) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
    }
  }
  return x1 < 0 ? null : [x0, y0, x1 + 1, y1 + 1];
}

// For each target cell along one axis: which source cells it covers and by how much, when
// the source span [start, start + length) is spread over `cells` target cells.
function coverage(start, length, cells, sourceSize) {
  const scale = length / cells;
  const out = [];
  for (let t = 0; t < cells; t++) {
    const a = start + t * scale;
    const b = a + scale;
    const parts = [];
    for (let s = Math.floor(a); s < Math.ceil(b); s++) {
      const w = Math.min(b, s + 1) - Math.max(a, s);
      if (w > 0 && s >= 0 && s < sourceSize) parts.push(s, w / scale);
    }
    out.push(parts);
  }
  return out;
}

/** Box-filter the source rectangle (x, y, w, h; may reach outside: zeros) into cols x rows. */
export function resample(ink, width, height, [x, y, w, h], cols, rows) {
  const across = coverage(x, w, cols, width);
  const down = coverage(y, h, rows, height);
  // Columns first into an intermediate [height, cols] image, then rows.
  const mid = new Float32Array(height * cols);
  for (let sy = 0; sy < height; sy++) {
    const row = sy * width;
    for (let c = 0; c < cols; c++) {
      const parts = across[c];
      let sum = 0;
      for (let k = 0; k < parts.length; k += 2) sum += ink[row + parts[k]] * parts[k + 1];
      mid[sy * cols + c] = sum;
    }
  }
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const parts = down[r];
    for (let c = 0; c < cols; c++) {
      let sum = 0;
      for (let k = 0; k < parts.length; k += 2) sum += mid[parts[k] * cols + c] * parts[k + 1];
      out[r * cols + c] = sum;
    }
  }
  return out;
}

/** Centre of mass (x, y) of an image, in pixel-centre coordinates; null when it is empty. */
export function centreOfMass(image, width, height) {
  let total = 0;
  let sx = 0;
  let sy = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = image[y * width + x];
      total += v;
      sx += v * (x + 0.5);
      sy += v * (y + 0.5);
    }
  }
  return total > 0 ? [sx / total, sy / total] : null;
}

// Scale the bounding box to fit `box` keeping aspect, then shift it by whole pixels so its
// centre of mass lands on the image centre (how MNIST itself was made).
function fitCentreOfMass(ink, width, height, bbox, rows, cols, box) {
  const [x0, y0, x1, y1] = bbox;
  const bw = x1 - x0;
  const bh = y1 - y0;
  const scale = box / Math.max(bw, bh);
  const sw = Math.max(1, Math.round(bw * scale));
  const sh = Math.max(1, Math.round(bh * scale));
  const small = resample(ink, width, height, [x0, y0, bw, bh], sw, sh);
  const [cx, cy] = centreOfMass(small, sw, sh);
  const dx = Math.round(cols / 2 - cx);
  const dy = Math.round(rows / 2 - cy);
  const out = new Float32Array(rows * cols);
  for (let y = 0; y < sh; y++) {
    const ty = y + dy;
    if (ty < 0 || ty >= rows) continue;
    for (let x = 0; x < sw; x++) {
      const tx = x + dx;
      if (tx >= 0 && tx < cols) out[ty * cols + tx] = small[y * sw + x];
    }
  }
  return out;
}

function fitWholeCanvas(ink, width, height, bbox, rows, cols) {
  return resample(ink, width, height, [0, 0, width, height], cols, rows);
}

/**
 * How a drawing read from the canvas is placed in the image, by the `fit` of a
 * preprocessing block: each pixel kind of TABLES.preprocessing (sitegen/tables.py) names
 * one of these. (ink, width, height, bbox, rows, cols, box) -> Float32Array rows*cols.
 */
export const FITS = {
  'center-of-mass': fitCentreOfMass,
  'whole-canvas': fitWholeCanvas,
};

/** Quick Draw simplified its drawings to within this many units of the 255-unit box. */
export const SIMPLIFY_EPSILON = 2;

// Ramer-Douglas-Peucker on one stroke: the indices of the points kept, so that no point
// dropped lies farther than `epsilon` from the line through those kept. Distances are to
// segments, so a stroke that goes out and comes back keeps its far end.
function simplifiedIndices(xs, ys, epsilon) {
  const n = xs.length;
  const keep = new Uint8Array(n);
  keep[0] = 1;
  keep[n - 1] = 1;
  const limit = epsilon * epsilon;
  const spans = [[0, n - 1]];
  while (spans.length > 0) {
    const [a, b] = spans.pop();
    const dx = xs[b] - xs[a];
    const dy = ys[b] - ys[a];
    const length2 = dx * dx + dy * dy;
    let farthest = limit;
    let far = -1;
    for (let i = a + 1; i < b; i++) {
      let t = 0;
      if (length2 > 0) t = Math.min(Math.max(((xs[i] - xs[a]) * dx + (ys[i] - ys[a]) * dy) / length2, 0), 1);
      const ex = xs[i] - (xs[a] + t * dx);
      const ey = ys[i] - (ys[a] + t * dy);
      const d2 = ex * ex + ey * ey;
      if (d2 > farthest) {
        farthest = d2;
        far = i;
      }
    }
    if (far >= 0) {
      keep[far] = 1;
      spans.push([a, far], [far, b]);
    }
  }
  return keep;
}

/**
 * The reader's strokes (each a list of [x, y] points, in any one unit for both axes) as
 * Quick Draw's simplified drawings were made of the players' strokes: [[xs, ys], ...] moved
 * to the top-left corner, scaled so the longest side is 255 (a lone dot stays at 0, 0), and
 * simplified by Ramer-Douglas-Peucker to SIMPLIFY_EPSILON. (Quick Draw first resampled the
 * strokes every unit, which adds points on the lines only, and rounded to integers, which
 * moves them by half a unit at most; both are left out.)
 */
export function quickDrawStrokes(strokes) {
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (const points of strokes) {
    for (const [x, y] of points) {
      minX = Math.min(minX, x);
      minY = Math.min(minY, y);
      maxX = Math.max(maxX, x);
      maxY = Math.max(maxY, y);
    }
  }
  const span = Math.max(maxX - minX, maxY - minY);
  // divided before scaled, so the longest side ends at exactly 255
  const unit = (v, min) => (span > 0 ? ((v - min) / span) * 255 : 0);
  return strokes.map((points) => {
    const xs = points.map(([x]) => unit(x, minX));
    const ys = points.map(([, y]) => unit(y, minY));
    const keep = simplifiedIndices(xs, ys, SIMPLIFY_EPSILON);
    return [xs.filter((_, i) => keep[i]), ys.filter((_, i) => keep[i])];
  });
}

// Strokes -> the data set's own rendering of them, in [0, 1].
function renderQuickDraw(strokes, rows, cols) {
  const pixels = renderStrokes(quickDrawStrokes(strokes), rows, cols);
  return Float32Array.from(pixels, (v) => v / 255);
}

/**
 * How a drawing kept as strokes becomes the image, by the `fit` of a preprocessing block:
 * for data sets rendered from strokes. (strokes, rows, cols) -> Float32Array rows*cols.
 */
export const STROKE_FITS = {
  'quickdraw-strokes': renderQuickDraw,
};

/** Whether this preprocessing block reads the reader's strokes (else the canvas' pixels). */
export function readsStrokes(preprocessing) {
  return Object.prototype.hasOwnProperty.call(STROKE_FITS, preprocessing.fit);
}

/** Every fit this code knows, for messages. */
export const KNOWN_FITS = [...Object.keys(FITS), ...Object.keys(STROKE_FITS)];

// The gray image as the model's input: each pixel repeated over the channels.
function toChannels(gray, channels) {
  if (channels === 1) return gray;
  const out = new Float32Array(gray.length * channels);
  for (let i = 0; i < gray.length; i++) out.fill(gray[i], i * channels, (i + 1) * channels);
  return out;
}

/**
 * The model's input for a drawing read from the canvas: Float32Array of rows*cols*channels
 * in [0, 1] (channels repeat the ink for colour models), or null when nothing is drawn.
 * @param image      {data: RGBA bytes, width, height}
 * @param preprocessing  metadata.json's block: {input_shape, channel, invert, fit (a key of
 *   FITS), box}; an unknown fit throws
 */
export function prepareDrawing(image, preprocessing) {
  const [rows, cols, channels = 1] = preprocessing.input_shape;
  const fit = FITS[preprocessing.fit];
  if (!fit) throw new Error(`unknown fit ${JSON.stringify(preprocessing.fit)} (known: ${Object.keys(FITS).join(', ')})`);
  const channel = preprocessing.channel === 'alpha' ? 'alpha' : 'luminance';
  const ink = inkMap(image, channel, Boolean(preprocessing.invert));
  const bbox = boundingBox(ink, image.width, image.height);
  if (!bbox) return null;
  const box = preprocessing.box || Math.round(Math.min(rows, cols) * 20 / 28);
  const gray = fit(ink, image.width, image.height, bbox, rows, cols, box);
  for (let i = 0; i < gray.length; i++) gray[i] = Math.min(1, Math.max(0, gray[i]));
  return toChannels(gray, channels);
}

/**
 * The model's input for a drawing kept as strokes, as prepareDrawing's, or null when
 * nothing is drawn.
 * @param strokes  lists of [x, y] points (the draw widget's: 0..1 of the canvas side)
 * @param preprocessing  metadata.json's block: {input_shape, fit (a key of STROKE_FITS)}
 */
export function prepareStrokes(strokes, preprocessing) {
  const [rows, cols, channels = 1] = preprocessing.input_shape;
  const fit = STROKE_FITS[preprocessing.fit];
  if (!fit) {
    throw new Error(`unknown fit ${JSON.stringify(preprocessing.fit)} (known: ${Object.keys(STROKE_FITS).join(', ')})`);
  }
  const drawn = strokes.filter((points) => points.length > 0);
  if (drawn.length === 0) return null;
  return toChannels(fit(drawn, rows, cols), channels);
}
