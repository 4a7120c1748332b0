// The build's answers for a model's test split: models/<name>/test_predictions.bin, described
// by the test_predictions block of its metadata.json (the format is written and documented
// by sitegen/models/predictions.py). With them the explorer finds the model's mistakes at
// once, instead of running the model over every example in the browser.
import {checkedFetch} from '../../lib/checked-fetch.js';
import {loadModelMetadata} from '../../lib/resources.js';

// The class-index encodings of the data set's labels files -> bytes per index.
const INDEX_BYTES = {'index uint8': 1, 'index uint16le': 2};

async function sha256Hex(bytes) {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

function readUint16le(bytes, offset, count) {
  const out = new Uint16Array(count);
  for (let i = 0; i < count; i++) out[i] = bytes[offset + 2 * i] | (bytes[offset + 2 * i + 1] << 8);
  return out;
}

/** {k, classes (n*k indices, best first), probabilities (Float32Array n*k)} from the file's bytes. */
export function decodeTestPredictions(bytes, description, numClasses) {
  const {examples: n, k, classes, probabilities} = description;
  const indexBytes = INDEX_BYTES[classes.encoding];
  if (!indexBytes || probabilities.encoding !== 'uint16le') {
    const encodings = JSON.stringify([classes.encoding, probabilities.encoding]);
    throw new Error(`unknown encodings ${encodings} (written by a newer sitegen?)`);
  }
  const layoutFits = probabilities.offset === classes.offset + indexBytes * n * k;
  if (!layoutFits || bytes.length !== probabilities.offset + 2 * n * k) {
    throw new Error(`${bytes.length} bytes, metadata.json describes ${n} examples of ${k} answers`);
  }
  const indices = indexBytes === 1 ? bytes.slice(classes.offset, classes.offset + n * k)
    : readUint16le(bytes, classes.offset, n * k);
  if (indices.some((c) => c >= numClasses)) throw new Error(`a class index beyond the ${numClasses} classes`);
  const values = Float32Array.from(readUint16le(bytes, probabilities.offset, n * k), (q) => q / probabilities.scale);
  return {k, classes: indices, probabilities: values};
}

/**
 * {description, metadata, answers} of model `name`: metadata.json's test_predictions block,
 * metadata.json, and the decoded file; the file's size and (where the browser can: secure contexts) its sha256
 * are checked against the metadata.
 */
export async function loadTestPredictions(context, name, metadata = loadModelMetadata(context, name)) {
  const base = context.modelUrl(name);
  metadata = await metadata;
  const description = metadata.test_predictions;
  if (!description) throw new Error(`the model "${name}" was built without test predictions (an older sitegen)`);
  const response = await checkedFetch(new URL(description.path, base).href);
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (bytes.length !== description.bytes) {
    throw new Error(`${description.path}: ${bytes.length} bytes, metadata.json says ${description.bytes}`);
  }
  if (globalThis.crypto?.subtle && await sha256Hex(bytes) !== description.sha256) {
    throw new Error(`${description.path}: sha256 differs from metadata.json (stale cache?)`);
  }
  return {description, metadata, answers: decodeTestPredictions(bytes, description, metadata.classes.length)};
}

/**
 * Why the build's answers do not belong to `split` of the loaded data set, or null when
 * they do: the same data files (every sprite shard and the labels, by sha256), the test
 * split, as many examples.
 */
export function mismatch(description, data, split) {
  if (split !== 'test') return `they cover the test split, not the ${split} split`;
  const files = [...data.manifest.shards.map((shard) => shard.sha256), data.manifest.labels.sha256];
  const built = description.data?.sha256 ?? [];
  if (files.length !== built.length || files.some((sha, i) => sha !== built[i])) {
    return `they were computed on other data than this page's "${data.name}"`;
  }
  if (description.examples !== data.count(split)) {
    return `they cover ${description.examples} examples, the split has ${data.count(split)}`;
  }
  return null;
}
