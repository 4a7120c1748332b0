// Quick Draw drawings (lists of strokes) -> grayscale pixels, as the data set's own
// numpy_bitmap files were rendered: the browser twin of sitegen/datasets/strokes.py.
// Pure functions on arrays: no DOM, no tfjs.
//
// A drawing is [[xs, ys], ...] in the 256-unit box of Quick Draw's simplified files (top-left
// at 0, longest side 255). It is centred by half the space its bounding box leaves, padded
// (16 units a side plus half a line), and each stroke is drawn 16 units wide with round caps
// and joins, anti-aliased, white over what is already there (cairo's recipe, published in
// quickdraw-dataset issue #19). Coverage is counted on SUBSAMPLES x SUBSAMPLES points per
// pixel and composited with pixman's 8-bit arithmetic. Every step repeats the Python one in
// the same order of IEEE double operations, so both give the same bytes
// (tests/test_datasets_strokes.py checks it).

export const ORIGINAL_SIDE = 256;
export const LINE_DIAMETER = 16;
export const PADDING = 16;
export const TOTAL_PADDING = 2 * PADDING + LINE_DIAMETER;
export const SUBSAMPLES = 16;

/** a * b / 255 rounded, as pixman computes it on 8-bit channels. */
function mulUn8(a, b) {
  const t = a * b + 128;
  return ((t >> 8) + t) >> 8;
}

/** The distance between coverage samples along an axis of `size` pixels, in box units. */
function sampleStep(size) {
  return (ORIGINAL_SIDE + TOTAL_PADDING) / (SUBSAMPLES * size);
}

function samplePositions(size) {
  const step = sampleStep(size);
  const positions = new Float64Array(size * SUBSAMPLES);
  for (let i = 0; i < positions.length; i++) positions[i] = (i + 0.5) * step;
  return positions;
}

/** [start, stop) of the samples that may lie within [lo, hi] (one spare each side). */
function sampleRange(lo, hi, step, count) {
  const start = Math.max(0, Math.floor(lo / step - 0.5) - 1);
  const stop = Math.min(count, Math.ceil(hi / step - 0.5) + 2);
  return [start, Math.max(start, stop)];
}

/** Each stroke's points in box units, centred by the drawing's largest x and y, padded. */
export function centred(strokes) {
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (const [xs, ys] of strokes) {
    for (const x of xs) maxX = Math.max(maxX, x);
    for (const y of ys) maxY = Math.max(maxY, y);
  }
  const offsetX = (ORIGINAL_SIDE - maxX) / 2;
  const offsetY = (ORIGINAL_SIDE - maxY) / 2;
  const shift = TOTAL_PADDING / 2;
  return strokes.map(([xs, ys]) => [Float64Array.from(xs, (x) => (x + offsetX) + shift),
    Float64Array.from(ys, (y) => (y + offsetY) + shift)]);
}

/**
 * One drawing -> Uint8Array of height * width pixels (row by row): ink 255 on 0.
 * @param {Array<[number[], number[]]>} strokes
 */
export function renderStrokes(strokes, height = 28, width = 28) {
  const image = new Uint8Array(height * width);
  const drawn = strokes.filter(([xs]) => xs.length > 0);
  if (drawn.length === 0) return image;
  const n = SUBSAMPLES;
  const px = samplePositions(width);
  const py = samplePositions(height);
  const stepX = sampleStep(width);
  const stepY = sampleStep(height);
  const radius = LINE_DIAMETER / 2;
  const limit = radius * radius;
  const cols = width * n;
  const covered = new Uint8Array(height * n * cols);
  for (const [x, y] of centred(drawn)) {
    covered.fill(0);
    let [x0, x1] = sampleRange(Math.min(...x) - radius, Math.max(...x) + radius, stepX, px.length);
    let [y0, y1] = sampleRange(Math.min(...y) - radius, Math.max(...y) + radius, stepY, py.length);
    x0 = Math.floor(x0 / n) * n;
    y0 = Math.floor(y0 / n) * n;
    x1 = Math.ceil(x1 / n) * n;
    y1 = Math.ceil(y1 / n) * n;
    // a lone point is a dot: a segment from the point to itself
    const last = Math.max(1, x.length - 1);
    for (let i = 0; i < last; i++) {
      const j = x.length === 1 ? 0 : i + 1;
      const ax = x[i];
      const ay = y[i];
      const bx = x[j];
      const by = y[j];
      const [sx0, sx1] = sampleRange(Math.min(ax, bx) - radius, Math.max(ax, bx) + radius, stepX, px.length);
      const [sy0, sy1] = sampleRange(Math.min(ay, by) - radius, Math.max(ay, by) + radius, stepY, py.length);
      const dx = bx - ax;
      const dy = by - ay;
      const length2 = dx * dx + dy * dy;
      for (let r = sy0; r < sy1; r++) {
        const qy = py[r];
        for (let c = sx0; c < sx1; c++) {
          const qx = px[c];
          let t = 0;
          if (length2 > 0) {
            t = ((qx - ax) * dx + (qy - ay) * dy) / length2;
            t = Math.min(Math.max(t, 0), 1);
          }
          const ex = qx - (ax + t * dx);
          const ey = qy - (ay + t * dy);
          if (ex * ex + ey * ey <= limit) covered[r * cols + c] = 1;
        }
      }
    }
    for (let row = y0 / n; row < y1 / n; row++) {
      for (let col = x0 / n; col < x1 / n; col++) {
        let count = 0;
        for (let r = row * n; r < row * n + n; r++) {
          for (let c = col * n; c < col * n + n; c++) count += covered[r * cols + c];
        }
        const mask = Math.floor((count * 255 + (n * n) / 2) / (n * n));
        const p = row * width + col;
        image[p] = mask + mulUn8(image[p], 255 - mask);
      }
    }
  }
  return image;
}
