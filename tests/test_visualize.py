import numpy as np
import pytest
from PIL import Image

from fingerspell.cli import main
from fingerspell.evaluation.report import character_errors, write_report
from fingerspell.evaluation.visualize import show


def test_contact_sheet_and_gif_of_a_synthetic_sequence(tiny_dataset, tmp_path, capsys):
    import pandas as pd
    row = pd.read_csv(tiny_dataset / "train.csv", keep_default_na=False).iloc[0]
    sheet = tmp_path / "sheet.png"
    assert main(["show", str(tiny_dataset / row.path), "--sequence-id", str(row.sequence_id), "-o", str(sheet)]) == 0
    image = np.asarray(Image.open(sheet).convert("RGB"))
    assert image.shape[0] > 200 and image.shape[1] > 600
    assert (np.abs(image[..., 0].astype(int) - image[..., 2]) > 100).any()  # coloured hands were drawn
    gif = tmp_path / "clip.gif"
    frames = np.random.default_rng(0).uniform(0.3, 0.7, (6, 543, 3)).astype(np.float32)
    frames[2:4, 468:489] = np.nan
    show(frames, gif, title="test")
    assert Image.open(gif).n_frames == 6
    show(frames, gif, title="test", every=2)  # frames 1, 3 and 5 (the demo draws every second frame)
    assert Image.open(gif).n_frames == 3


def test_show_refuses_unknown_formats_and_empty_sequences(tmp_path):
    frames = np.zeros((3, 543, 3), np.float32)
    with pytest.raises(ValueError, match="gif, .mp4 or .png"):
        show(frames, tmp_path / "x.bmp")
    with pytest.raises(ValueError, match="no frames"):
        show(frames[:0], tmp_path / "x.png")


def test_character_errors_follow_the_edit_script():
    seen, wrong, swaps, inserted = character_errors([(1, "abc", "abd"), (2, "aa", "a"), (3, "x", "xy")])
    assert seen == {"a": 3, "b": 1, "c": 1, "x": 1}
    assert wrong == {"c": 1, "a": 1} and swaps == {("c", "d"): 1} and inserted == 1


def test_report_page_links_its_plots(tmp_path):
    rows = [(1, "www.abc.com", "www.abd.com"), (2, "555-123-4567", "555-123-4567"), (3, "12 oak lane", "12 oak")]
    index = write_report(rows, tmp_path / "report", title="t")
    page = index.read_text()
    for image in ("error_rate_per_character.png", "score_by_phrase_kind.png", "substitutions.png"):
        assert image in page and (tmp_path / "report" / image).stat().st_size > 1000
    assert "12 oak lane" in page.split("Worst predictions")[1]


def test_mp4_animation(tmp_path):
    pytest.importorskip("imageio_ffmpeg", reason="mp4 needs ffmpeg (the dev extra installs imageio-ffmpeg)")
    frames = np.random.default_rng(1).uniform(0.3, 0.7, (8, 543, 3)).astype(np.float32)
    out = show(frames, tmp_path / "clip.mp4", title="mp4")
    assert out.read_bytes()[4:8] == b"ftyp" and out.stat().st_size > 2000


@pytest.mark.slow
def test_pictures_draw_the_signing_hand_large_and_what_was_read_where(tiny_store, tiny_dataset, tmp_path_factory):
    from conftest import export_tiny
    from fingerspell.inference import RunModel, frame_labels, load_model
    from fingerspell.io.kaggle import WideParquet
    from fingerspell.evaluation.visualize import hand_view, dominant_hand
    import pandas as pd
    row = pd.read_csv(tiny_dataset / "train.csv", keep_default_na=False).iloc[2]
    frames = WideParquet(tiny_dataset / row.path).read_sequence(int(row.sequence_id))
    part = dominant_hand(frames)
    hand, box = hand_view(frames, part)
    seen = np.isfinite(hand[:, 0, 0])
    inside = (hand[seen, :, 0] >= box[0]) & (hand[seen, :, 0] <= box[1]) & (hand[seen, :, 1] >= box[2]) \
        & (hand[seen, :, 1] <= box[3])
    assert inside.mean() > 0.9  # the hand fills its own panel...
    assert (box[1] - box[0]) < 0.5 * (np.nanmax(frames[..., 0]) - np.nanmin(frames[..., 0]))  # ...not body scale
    _, run, export, _ = export_tiny("ctc", tiny_store, tmp_path_factory)
    model = RunModel(run)
    labels = frame_labels(model, frames)
    # an exported .tflite gives the same per-step characters as its run directory, so pictures can mark them
    lite_steps, run_steps = load_model(export).steps(frames), model.steps(frames)
    assert lite_steps is not None and np.array_equal(lite_steps, run_steps)
    assert frame_labels(load_model(export), frames) == labels
    assert len(load_model(export).steps(frames[:0])) == 0
    text = model.predict(frames)
    assert len(labels) == len(frames) and labels[-1] == text[-14:]
    assert all(b.startswith(a) or len(b) == 14 for a, b in zip(labels, labels[1:]))  # text only grows
    out = tmp_path_factory.mktemp("pictures")
    show(frames[:20], out / "a.gif", labels=labels[:20], aspect=9 / 16)
    assert Image.open(out / "a.gif").size[0] > 1.4 * Image.open(out / "a.gif").size[1]  # body and hand side by side
