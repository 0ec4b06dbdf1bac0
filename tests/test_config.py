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
