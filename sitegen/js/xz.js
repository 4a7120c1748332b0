// The xz decoder of packed sprite shards (xz-embedded compiled to WebAssembly, about 10 kB
// gzipped). data.js imports it through the stable alias js/xz.js only when its manifest has
// packed shards, so pages whose data sets are PNG-only never download it.
export {XzReadableStream} from 'xz-decompress';
