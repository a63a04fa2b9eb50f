"""Synthesize the demo dataset (rule demo_data)."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1] / "src"))
from audio_umaps import demo, runlog  # noqa: E402

log = runlog.start(snakemake.log[0])
p = snakemake.params
settings = dict(p.demo)
n = demo.synthesize(
    p.dcase_root,
    p.external_root,
    devices=settings.pop("devices", {"fan": "fan", "ToyCar": "motor"}),
    sample_rate=snakemake.config["audio"]["sample_rate"],
    **settings,
)
log.info("wrote %d demo files under %s", n, snakemake.output[0])
