"""Phase 1, configuration: every schema sitegen reads, in one place.

- options:  the typed-option machinery (Schema, Str, FilePath, ...; MkDocs' style)
- site:     sitegen.toml's top level and [theme]; `load_config`
- datasets: [datasets.<name>]: the options every data set has, and each source kind's own
- models:   [models.<name>]: training options, and each model kind's own
- demos:    the options of each kind of ```demo block
- pages:    the front matter of a page

Importing this package imports no source reader, model code or TensorFlow (a test checks):
the feature packages import their schemas from here, never the other way round.
"""

from .site import CONFIG_NAME, SiteConfig, ThemeConfig, load_config

__all__ = ["CONFIG_NAME", "SiteConfig", "ThemeConfig", "load_config"]
