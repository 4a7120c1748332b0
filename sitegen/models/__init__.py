"""Phase 4: models. Train or load a Keras model per [models.<name>], convert it to TF.js, describe it.

Importing this package does not import TensorFlow: a build whose models are all cached
never starts it (see ``runtime``).
"""

from __future__ import annotations

from ..artifacts import ArtifactStore, InputHashes
from ..context import BuildContext, DatasetArtifact, ModelArtifact
from .pipeline import build_model


def build_models(ctx: BuildContext, datasets: dict[str, DatasetArtifact]) -> dict[str, ModelArtifact]:
    """Build every declared model (or take it from the cache); keyed by model name."""
    store = ArtifactStore(ctx.cache_dir / "models")
    artifacts = {}
    with InputHashes(ctx.cache_dir / "input-hashes.json") as hashes:
        for name, config in ctx.config.models.items():
            dataset = datasets.get(config.dataset) or DatasetArtifact(name=config.dataset, available=False)
            artifacts[name] = build_model(ctx, config, dataset, store, hashes)
    return artifacts


__all__ = ["build_models", "build_model"]
