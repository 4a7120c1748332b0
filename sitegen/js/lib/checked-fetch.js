// The fetch that tf.loadLayersModel reads model.json and its weight files with. With plain
// fetch a missing weight file (a 404) or a web page served in its place ends in "the tensor
// should have 12544 values but has 1", which names no file: here it names the file.
// No imports: the model worker uses it too.

function fileName(url) {
  return new URL(url, globalThis.location?.href).pathname.split('/').pop();
}

export async function checkedFetch(input, init) {
  const url = typeof input === 'string' ? input : input.url;
  const response = await fetch(input, init);
  if (!response.ok) throw new Error(`${fileName(url)} could not be loaded (HTTP ${response.status})`);
  const type = response.headers.get('content-type') || '';
  if (!url.endsWith('.json') && type.includes('text/html')) {
    throw new Error(`${fileName(url)} could not be loaded (the server sent a web page instead)`);
  }
  return response;
}
