"""One home for a run: the model a config describes, its loss, and a run rebuilt from its checkpoint.

Training, evaluation, export and inference all use these, so none of them imports another for them.
"""
from __future__ import annotations

from fingerspell.training import checkpoint
from fingerspell.models import get_kind
from fingerspell.training.config import Recipe, RunConfig, Runtime, runtime_of


def build_model(config: RunConfig, num_features: int):
    """The configured model, built on a dummy batch so its variables exist."""
    return get_kind(config.model).build(config, num_features)


def per_example_loss(model, config: RunConfig, batch, training: bool):
    """Loss per sequence (CTC: per character; seq2seq: smoothed cross-entropy per token)."""
    return get_kind(config.model).per_example_loss(model, config, batch, training)


def load_run(run_dir, which: str = "best", runtime: Runtime | None = None):
    """(config, model, meta) rebuilt from a run directory's checkpoint: its recipe (checkpoint.recipe_of),
    run with `runtime` (default: the recipe's preset's; the runtime the checkpoint records is not read)."""
    meta, weights, _, _ = checkpoint.load(run_dir, which)
    recipe = Recipe.from_dict(checkpoint.recipe_of(meta))
    config = RunConfig(recipe, runtime or runtime_of(recipe))
    model = build_model(config, meta["num_features"])
    set_checkpoint_weights(model, weights, checkpoint.directory(run_dir, which))
    return config, model, meta


def set_checkpoint_weights(model, weights, path) -> None:
    """`model.set_weights` with an error naming the checkpoint when its weights do not fit the model."""
    try:
        model.set_weights(weights)
    except ValueError as error:
        raise ValueError(f"{path}: its weights do not fit the model its own config builds ({error})") from error
