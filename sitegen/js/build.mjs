// Bundles sitegen's browser modules with esbuild (called by sitegen/assets.py).
// Usage: node build.mjs <config.json>   with {entryPoints, outdir, outbase, metafile, nodePaths, tables}
// and optionally workingDir (paths are relative to it; default: the current directory) and
// sourceDir (where sitegen's js/ sources are, relative to workingDir; default: this folder).
// Content hashes in file names depend on input paths relative to the working directory, so
// sitegen runs this in a folder holding src/ and node_modules/ for reproducible names.
//
// Pages run under "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'", which also
// forbids <style> elements made at run time. tfjs-vis styles its tables and visor with
// glamor, whose stylesheet is such an element; here glamor's sheet is swapped for one built on
// constructable stylesheets (CSSOM, which CSP does not restrict), so tfjs-vis keeps its
// looks without 'unsafe-inline'. Its charts go through vega-embed, which is swapped for a
// wrapper that interprets vega expressions instead of compiling them with eval.
import {readFileSync} from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
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

const result = await esbuild.build({
  absWorkingDir: workingDir,
  preserveSymlinks: true,
  entryPoints: config.entryPoints,
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
  plugins: [cspSafeStyles, tfjsAsModules, sharedTables],
});
await import('node:fs').then((fs) => fs.writeFileSync(config.metafile, JSON.stringify(result.metafile)));
