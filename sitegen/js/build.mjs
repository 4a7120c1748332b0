// Bundles sitegen's browser modules with esbuild (called by sitegen/assets.py).
// Usage: node build.mjs <config.json>   with {entryPoints, outdir, outbase, metafile, nodePaths, tables}
// and optionally workingDir (paths are relative to it; default: the current directory),
// sourceDir (where sitegen's js/ sources are, relative to workingDir; default: this folder) and
// predict: {entryPoints, metafile}, the prediction worker's own bundle (see predictOnly below).
// Content hashes in file names depend on input paths relative to the working directory, so
// sitegen runs this in a folder holding src/ and node_modules/ for reproducible names.
//
// Pages run under "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'", which also
// forbids <style> elements made at run time. tfjs-vis styles its tables and visor with
// glamor, whose stylesheet is such an element; here glamor's sheet is swapped for one built on
// constructable stylesheets (CSSOM, which CSP does not restrict), so tfjs-vis keeps its
// looks without 'unsafe-inline'. Its charts go through vega-embed, which is swapped for a
// wrapper that interprets vega expressions instead of compiling them with eval.
import {existsSync, readFileSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {fileURLToPath, pathToFileURL} from 'node:url';
import {createRequire} from 'node:module';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const workingDir = config.workingDir ?? process.cwd();
const here = config.sourceDir ? path.resolve(workingDir, config.sourceDir) : path.dirname(fileURLToPath(import.meta.url));
const nodeModules = path.resolve(workingDir, config.nodePaths[0]);
const require = createRequire(path.join(nodeModules, 'noop.js'));
const esbuild = require('esbuild');

const cspSafeStyles = {
  name: 'csp-safe-styles',
  setup(build) {
    build.onResolve({filter: /^\.\/sheet(\.js)?$/}, (args) => {
      if (!args.importer.includes(`${path.sep}glamor${path.sep}`)) return undefined;
      return {path: path.join(here, 'lib', 'constructed-sheet.js')};
    });
    const wrapper = path.join(here, 'lib', 'vega-embed-csp.js');
    build.onResolve({filter: /^vega-embed$/}, (args) => {
      if (args.importer === wrapper) return undefined;
      return {path: wrapper};
    });
  },
};

// tfjs-vis is CommonJS and require()s tfjs packages; esbuild would then resolve those
// packages through "main" (their Node bundles) and the page would carry a second copy of
// tfjs-core. Every bare @tensorflow/* import is sent to the package's ES module build.
const tfjsAsModules = {
  name: 'tfjs-as-es-modules',
  setup(build) {
    build.onResolve({filter: /^@tensorflow\/[^/]+$/}, (args) => {
      // under nodeModules as given (not its real path), so input paths stay where they are
      const manifest = path.join(nodeModules, args.path, 'package.json');
      const pkg = JSON.parse(readFileSync(manifest, 'utf8'));
      return pkg.module ? {path: path.join(path.dirname(manifest), pkg.module)} : undefined;
    });
  },
};

// `import TABLES from 'sitegen:tables'`: the tables the build shares with the browser
// (sitegen/tables.py), written by sitegen as a JSON file next to this build's settings.
const sharedTables = {
  name: 'sitegen-tables',
  setup(build) {
    build.onResolve({filter: /^sitegen:tables$/}, () => ({path: path.resolve(workingDir, config.tables)}));
  },
};

// The prediction worker's own bundle: the draw page's only tfjs, so its bytes are the page's.
// As tfjs' custom bundles do, every package is taken at its `dist/base` entry, which
// registers no kernels, and only the kernels of predict-kernels.mjs are registered, from the
// modules 'sitegen:kernels/<backend>' written here; no gradients and no optimizers (it never
// trains). `@tensorflow/tfjs` is lib/tfjs-predict.js. A model that needs another kernel is
// caught by the worker, which then hands over to its full-tfjs twin (lib/predictor.js).
const {PREDICT_KERNELS} = await import(pathToFileURL(path.join(here, 'predict-kernels.mjs')).href);

function kernelRegistrations(backend) {
  const modules = PREDICT_KERNELS.map((name) => {
    const file = path.join(nodeModules, '@tensorflow', `tfjs-backend-${backend}`, 'dist', 'kernels', `${name}.js`);
    if (!existsSync(file)) {
      throw new Error(`predict-kernels.mjs names kernel '${name}', but tfjs-backend-${backend} has no ${file}`);
    }
    return file;
  });
  return [
    "import {registerKernel} from '@tensorflow/tfjs-core';",
    ...modules.map((file, i) => `import * as kernel${i} from ${JSON.stringify(file)};`),
    `const kernels = {${PREDICT_KERNELS.map((name, i) => `${JSON.stringify(name)}: kernel${i}`).join(', ')}};`,
    'for (const [name, module] of Object.entries(kernels)) {',
    '  const config = Object.values(module).find((value) => value && value.kernelName === name);',
    `  if (!config) throw new Error(\`tfjs-backend-${backend}: no config of kernel \${name} in its module\`);`,
    '  registerKernel(config);',
    '}',
  ].join('\n');
}

const predictOnly = {
  name: 'predict-only',
  setup(build) {
    const dist = (pkg, file) => path.join(nodeModules, '@tensorflow', pkg, 'dist', file);
    const generated = (name) => ({path: name, namespace: 'sitegen-predict'});
    build.onResolve({filter: /^@tensorflow\/tfjs$/}, () => ({path: path.join(here, 'lib', 'tfjs-predict.js')}));
    // tfjs-core's base with its required side effects (engine, flags, platforms), without
    // index.js' optimizers; tfjs-layers' import of every gradient comes out empty.
    build.onResolve({filter: /^@tensorflow\/tfjs-core$/}, () => generated('core'));
    build.onResolve({filter: /^@tensorflow\/tfjs-core\/dist\/register_all_gradients(\.js)?$/}, () => generated('none'));
    build.onResolve({filter: /^@tensorflow\/tfjs-backend-(cpu|webgl)$/},
      (args) => ({path: dist(args.path.split('/')[1], 'base.js')}));
    // lib/wasm-backend.js' import: the backend and its kernels, both in its lazy chunk
    build.onResolve({filter: /^@tensorflow\/tfjs-backend-wasm$/}, () => generated('wasm'));
    build.onResolve({filter: /^sitegen:kernels\/(cpu|webgl)$/}, (args) => generated(args.path.split('/')[1] + '-kernels'));
    build.onLoad({filter: /.*/, namespace: 'sitegen-predict'}, (args) => {
      const contents = {
        core: `import ${JSON.stringify(dist('tfjs-core', 'base_side_effects.js'))};\n` +
          `export * from ${JSON.stringify(dist('tfjs-core', 'base.js'))};`,
        none: '',
        wasm: `${kernelRegistrations('wasm')}\nexport * from ${JSON.stringify(dist('tfjs-backend-wasm', 'base.js'))};`,
        'cpu-kernels': kernelRegistrations('cpu'),
        'webgl-kernels': kernelRegistrations('webgl'),
      }[args.path];
      return {contents, resolveDir: nodeModules, loader: 'js'};
    });
  },
};

const shared = {
  absWorkingDir: workingDir,
  preserveSymlinks: true,
  outdir: config.outdir,
  outbase: config.outbase,
  nodePaths: [nodeModules],
  metafile: true,
  bundle: true,
  splitting: true,
  format: 'esm',
  target: 'es2020',
  minify: true,
  legalComments: 'none',
  logLevel: 'warning',
  entryNames: '[dir]/[name]-[hash]',
  chunkNames: 'chunks/[name]-[hash]',
  assetNames: '[name]-[hash]',
  // tfjs' wasm binaries (lib/wasm-backend.js): copied as assets named by their content hash
  loader: {'.wasm': 'file'},
  define: {'process.env.NODE_ENV': '"production"'},
};
const pages = await esbuild.build({...shared, entryPoints: config.entryPoints,
  plugins: [cspSafeStyles, tfjsAsModules, sharedTables]});
writeFileSync(config.metafile, JSON.stringify(pages.metafile));
if (config.predict) {
  const predict = await esbuild.build({...shared, entryPoints: config.predict.entryPoints,
    plugins: [predictOnly, tfjsAsModules, sharedTables]});
  writeFileSync(config.predict.metafile, JSON.stringify(predict.metafile));
}
