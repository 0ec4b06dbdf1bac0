import pytest

from fingerspell.training.config import preset


def test_settings_apply_with_their_types():
    config = preset().with_settings(["ctc.dim=64", "learning_rate=1", "augment.enabled=false",
                                     "augment.resample_range=[0.6, 1.4]", "mixed_precision=off"])
    assert config.ctc.dim == 64 and config.learning_rate == 1.0 and isinstance(config.learning_rate, float)
    assert config.augment.enabled is False and config.augment.resample_range == (0.6, 1.4)
    assert config.mixed_precision == "off"


@pytest.mark.parametrize("setting,message", [
    ("ctc.dim=64.5", "an integer"), ("ctc.dim=big", "an integer"), ("augment.enabled=1", "true or false"),
    ("learning_rate=fast", "a number"), ("augment.resample_range=0.5", "a list of 2"),
    ("mixed_precision=1", "a string"), ("ctc=3", "one of its fields"), ("ctc.nope=1", "unknown setting"),
    ("epochs", "not key=value")])
def test_settings_of_the_wrong_type_are_refused(setting, message):
    with pytest.raises(ValueError, match=message):
        preset().with_settings([setting])


def test_recipe_and_runtime_are_apart_and_presets_set_both():
    from fingerspell.training.config import RECIPE_KEYS, RUNTIME_KEYS, RunConfig, Runtime
    assert not set(RECIPE_KEYS) & set(RUNTIME_KEYS)
    assert {"jit", "jit_features", "features_in_step", "input_workers", "mixed_precision", "strategy",
            "logical_cpus", "deterministic", "epochs", "eval_every"} <= set(RUNTIME_KEYS)
    assert {"model", "ctc", "augment", "max_frames", "lips", "batch_size", "learning_rate", "seed"} <= set(RECIPE_KEYS)
    full = preset("ctc", "full")
    assert full.recipe.ctc.dim == 384 and full.recipe.lips and full.recipe.batch_size == 64
    assert full.runtime == Runtime(epochs=400, jit_features=True, features_in_step=True, input_workers=-1)
    assert preset("ctc").runtime == Runtime() and preset("seq2seq", "full").runtime.epochs == 400
    assert full.jit_features is True and full.max_frames == 384  # either part's fields read through
    # --set reaches both parts, each value typed as its field
    config = preset().with_settings(["input_workers=3", "ctc.dim=48", "eval_every=5", "augment.enabled=false"])
    assert config.runtime.input_workers == 3 and config.runtime.eval_every == 5
    assert config.recipe.ctc.dim == 48 and config.recipe.augment.enabled is False
    assert config.recipe == preset().recipe.with_settings(["ctc.dim=48", "augment.enabled=false"])
    with pytest.raises(ValueError, match="expected an integer"):
        preset().with_settings(["input_workers=two"])
    with pytest.raises(ValueError, match="unknown setting 'jit'"):
        preset().recipe.with_settings(["jit=true"])  # a runtime key is not the recipe's
    with pytest.raises(TypeError, match="unknown setting 'nope'"):
        preset().replace(nope=1)
    assert RunConfig.from_dict(config.to_dict()) == config and "runtime" in config.to_dict()
    assert not set(config.recipe.to_dict()) & set(RUNTIME_KEYS)


def test_a_config_of_both_parts_in_one_dict_still_reads():
    """Checkpoints before the split held recipe and runtime in one "config" dict."""
    from fingerspell.training.config import Recipe, RunConfig
    config = preset("ctc", "full").with_settings(["ctc.dim=64", "input_workers=2"])
    legacy = {**config.recipe.to_dict(), **config.runtime.to_dict()}
    assert Recipe.from_dict(legacy) == config.recipe
    assert RunConfig.from_dict(legacy) == config
