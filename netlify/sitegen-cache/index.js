// A Netlify build plugin: keep sitegen's caches between deploys, so a redeploy whose data
// and models did not change neither downloads nor retrains. The folders are the plugin's
// `paths` input in netlify.toml: the site's cache_dir (built data sets and models) and
// SITEGEN_CACHE (downloads, npm packages, bundles). Netlify restores them before the
// build and saves them after a successful one (utils.cache, @netlify/cache-utils).
module.exports = {
  async onPreBuild({inputs, utils}) {
    await utils.cache.restore(inputs.paths);
  },
  async onPostBuild({inputs, utils}) {
    await utils.cache.save(inputs.paths);
  },
};
